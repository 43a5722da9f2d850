/**
 * End-to-end key rotation (issue 15), both backends, one lab per backend:
 * two sites × one unit, tunnels 2, continuous pings at 100 packets per
 * second in both address families while (1) every key of the peering rotates
 * on both units at once and (2) one unit's `wg-gateway run` is SIGKILLed in
 * the middle of its rotation and started again. Zero lost, printed with the
 * timings.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { mustRunPrivileged } from '@wg-gateway/testkit/netns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliCommand, clientAddresses, echoReplySeqs, type Lab, sleep, waitFor } from '../src/index.js';
import { BACKENDS, log, startLab, unitState } from './e2e-support.js';

const UNITS = ['a-1', 'b-1'] as const;
const MAX_PING_S = 150;

/** A running `ping -i 0.01` (100 packets per second) from a site's client. */
interface PingFlow {
  readonly label: string;
  readonly child: ChildProcess;
  /** Echo replies: icmp_seq → when it arrived (epoch ms, ping's `-D` stamp). */
  readonly replies: Map<number, number>;
  /** Lines that are neither replies nor totals (ICMP errors, send errors), the first few. */
  readonly other: string[];
  /** Requests sent, from ping's totals (known once it exited). */
  readonly transmitted: () => number;
  readonly done: Promise<void>;
}

// A count, not a deadline (`-w`): with a deadline ping exits at its first
// ICMP error, and every request after it would go uncounted.
function startPing(lab: Lab, from: string, target: string): PingFlow {
  const enter = lab.ns(`${from}-cl`).enter;
  const argv = [
    ...enter,
    'ping',
    '-n',
    '-D',
    '-i',
    '0.01',
    '-W',
    '1',
    '-c',
    String(MAX_PING_S * 100),
    target,
  ];
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  const replies = new Map<number, number>();
  const other: string[] = [];
  let rest = '';
  let transmitted = 0;
  const onText = (b: Buffer) => {
    const text = rest + b.toString();
    const total = /(\d+) packets transmitted/.exec(text);
    if (total) transmitted = Number(total[1]);
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const [seq] = echoReplySeqs(line);
      const stamp = /^\[(\d+\.\d+)\]/.exec(line);
      if (seq !== undefined) replies.set(seq, stamp ? Number(stamp[1]) * 1000 : Date.now());
      else if (/icmp_seq|rror|unreachable/i.test(line) && other.length < 5) other.push(line.trim());
    }
  };
  child.stdout?.on('data', onText);
  child.stderr?.on('data', onText);
  const done = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return { label: `${from}-client → ${target}`, child, replies, other, transmitted: () => transmitted, done };
}

/**
 * Stop a flow (SIGINT: ping prints its totals). Lost = requests without a
 * reply, except the last one sent, which may still be in flight at the stop.
 */
async function stopPing(f: PingFlow): Promise<{ label: string; sent: number; lost: number; when: string }> {
  f.child.kill('SIGINT');
  await f.done;
  const sent = f.transmitted();
  const missing: number[] = [];
  for (let s = 1; s < sent; s++) if (!f.replies.has(s)) missing.push(s);
  const when = [lossTimes(f, missing), ...f.other].filter((x) => x !== '').join('; ');
  return { label: f.label, sent, lost: missing.length, when };
}

/** Lost requests as runs `N after HH:MM:SS.mmm` (the last reply before them), for reading against unit logs. */
function lossTimes(f: PingFlow, missing: readonly number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < missing.length; ) {
    let j = i;
    while (j + 1 < missing.length && (missing[j + 1] as number) - (missing[j] as number) <= 2) j++;
    const before = f.replies.get((missing[i] as number) - 1);
    const at = before === undefined ? 'the start' : new Date(before).toISOString().slice(11, 23);
    runs.push(`${j - i + 1} after ${at}`);
    i = j + 1;
  }
  return runs.join(', ');
}

/** Pings both ways (ICMP echo: each flow crosses both directions) in both families between sites a and b. */
function startTraffic(lab: Lab): PingFlow[] {
  return [
    ...clientAddresses(lab, 'b').map((t) => startPing(lab, 'a', t)),
    ...clientAddresses(lab, 'a').map((t) => startPing(lab, 'b', t)),
  ];
}

async function stopTraffic(flows: PingFlow[]): Promise<number> {
  let lost = 0;
  for (const f of flows) {
    const r = await stopPing(f);
    log(`  ${r.label.padEnd(32)} ${r.lost}/${r.sent} lost${r.when ? ` (${r.when})` : ''}`);
    lost += r.lost;
  }
  return lost;
}

/** `wg-gateway keys rotate` on a unit, then SIGHUP so its daemon starts at once. */
async function rotate(lab: Lab, unit: string): Promise<void> {
  const r = await lab.ns(unit).exec([...cliCommand(lab.paths(unit).config), 'keys', 'rotate', '--json']);
  expect(JSON.parse(r.stdout)).toBeTypeOf('object');
  await lab.reloadUnit(unit);
}

/** The unit's rotation record (public data only). */
async function rotation(lab: Lab, unit: string) {
  const s = await unitState(lab, unit);
  return Object.values(s.rotations ?? {})[0];
}

/** Rotation completed, both tunnels open again and nothing half-closed. */
async function settled(lab: Lab, unit: string, since: number): Promise<boolean> {
  const s = await unitState(lab, unit);
  const r = Object.values(s.rotations ?? {})[0];
  if (r?.completedAt === undefined || r.requestedAt < since) return false;
  const live = s.links.filter((l) => l.status !== 'closed');
  return live.length === 2 && live.every((l) => l.status === 'open');
}

async function activeKeys(lab: Lab, unit: string): Promise<string[]> {
  return (await unitState(lab, unit)).keys.filter((k) => !k.retired).map((k) => k.publicKey);
}

/**
 * On a loss: what each unit logged since `since` (time, message, fields;
 * reconcile reports left out), to read against the loss times printed
 * with the flows. The lab may be gone by the time anyone looks.
 */
async function logUnitEvents(lab: Lab, since: number): Promise<void> {
  for (const u of UNITS) {
    const text = await readFile(lab.paths(u).log, 'utf8').catch(() => '');
    const lines: string[] = [];
    for (const line of text.split('\n')) {
      let e: { time?: number; msg?: string; stages?: unknown };
      try {
        e = JSON.parse(line) as typeof e;
      } catch {
        continue;
      }
      if (e.time === undefined || e.time < since || e.stages !== undefined) continue;
      lines.push(`${new Date(e.time).toISOString().slice(11, 23)} ${line.slice(0, 400)}`);
    }
    log(`(unit log) ${u}, ${lines.length} lines since the start:\n${lines.slice(-120).join('\n')}`);
  }
}

/** Zero loss (issue 15): every packet of every flow answered. */
const MAX_LOST = 0;

describe.runIf(mustRunPrivileged())('e2e: key rotation under traffic', () => {
  for (const backend of BACKENDS) {
    describe(`backend ${backend}`, () => {
      let lab: Lab;

      beforeAll(async () => {
        lab = await startLab({
          backend,
          sites: [
            {
              name: 'a',
              units: 1,
              tunnels: 2,
              prefixes: ['3fff::/20', '192.0.2.0/24'],
              vips: ['192.0.2.1/24', '3fff::1/64'],
            },
            {
              name: 'b',
              units: 1,
              tunnels: 2,
              prefixes: ['2001:db8::/32', '198.51.100.0/24'],
              vips: ['198.51.100.1/24', '2001:db8::1/64'],
            },
          ],
        });
      }, 180_000);

      afterAll(async () => {
        if (process.env.KEEP_LAB) return;
        await lab?.down();
      }, 60_000);

      it('every key rotates on both units at once: no packet lost', async () => {
        const before = { a: await activeKeys(lab, 'a-1'), b: await activeKeys(lab, 'b-1') };
        const flows = startTraffic(lab);
        const mons = process.env.ROUTE_MON
          ? UNITS.map((u) => {
              const argv = [
                ...lab.ns(u).enter,
                'sh',
                '-c',
                `ip -ts monitor route link > /tmp/h15r-mon-${u}.log 2>&1`,
              ];
              return spawn(argv[0] as string, argv.slice(1), { stdio: 'ignore' });
            })
          : [];
        await sleep(2000);
        const t0 = Date.now();
        await Promise.all(UNITS.map((u) => rotate(lab, u)));
        const done = await waitFor(
          async () => (await settled(lab, 'a-1', t0)) && (await settled(lab, 'b-1', t0)),
          {
            timeoutMs: (MAX_PING_S - 20) * 1000,
            intervalMs: 500,
          },
        );
        const wall = Date.now() - t0;
        await sleep(2000);
        const lost = await stopTraffic(flows);
        for (const m of mons) m.kill();
        for (const u of UNITS) {
          const r = await rotation(lab, u);
          const took = ((r?.completedAt ?? Number.NaN) - (r?.requestedAt ?? Number.NaN)) / 1000;
          log(
            `(rotation) ${backend}: ${u} rotated ${r?.keys} keys in ${took.toFixed(1)} s (${(took / (r?.keys ?? 1)).toFixed(1)} s per key)`,
          );
        }
        log(
          `(rotation) ${backend}: both units, whole peering: ${(wall / 1000).toFixed(1)} s; ${lost} packets lost`,
        );
        if (lost > MAX_LOST) await logUnitEvents(lab, t0 - 2000);
        expect(done, 'both rotations completed').toBe(true);
        expect(lost).toBeLessThanOrEqual(MAX_LOST);
        const after = { a: await activeKeys(lab, 'a-1'), b: await activeKeys(lab, 'b-1') };
        expect(after.a.filter((k) => before.a.includes(k))).toEqual([]);
        expect(after.b.filter((k) => before.b.includes(k))).toEqual([]);
      }, 200_000);

      it('a unit restarted in the middle of its rotation: no packet lost, the rotation completes', async () => {
        const flows = startTraffic(lab);
        await sleep(2000);
        const t0 = Date.now();
        await Promise.all(UNITS.map((u) => rotate(lab, u)));
        // Mid-rotation: a key of a-1 is draining or already retired.
        const mid = await waitFor(
          async () =>
            (await unitState(lab, 'a-1')).keys.some((k) => k.drainingSince !== undefined || k.retired),
          { timeoutMs: 60_000, intervalMs: 100 },
        );
        const pid = await lab.driverPid('a-1');
        if (pid !== undefined) process.kill(pid, 'SIGKILL');
        log(
          `(rotation restart) ${backend}: SIGKILL wg-gateway run ${pid} on a-1 ${((Date.now() - t0) / 1000).toFixed(1)} s in (mid ${mid})`,
        );
        await sleep(1000);
        await lab.startUnit('a-1');
        const done = await waitFor(
          async () => (await settled(lab, 'a-1', t0)) && (await settled(lab, 'b-1', t0)),
          {
            timeoutMs: (MAX_PING_S - 25) * 1000,
            intervalMs: 500,
          },
        );
        const wall = Date.now() - t0;
        await sleep(2000);
        const lost = await stopTraffic(flows);
        log(
          `(rotation restart) ${backend}: completed in ${(wall / 1000).toFixed(1)} s; ${lost} packets lost`,
        );
        if (lost > MAX_LOST) await logUnitEvents(lab, t0 - 2000);
        expect(mid).toBe(true);
        expect(done, 'both rotations completed').toBe(true);
        expect(lost).toBeLessThanOrEqual(MAX_LOST);
      }, 200_000);
    });
  }
});
