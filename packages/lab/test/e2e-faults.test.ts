/**
 * End-to-end fault tests on one three-site lab (issue 11, requirement 4):
 * a whole site down (the other two keep their VIPs and lose nothing
 * between them), then BIRD, Keepalived and one wireguard-go killed on a
 * unit of site A (each recovers by itself). Continuous pings in both
 * address families; the loss is printed.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mustRunPrivileged } from '@wg-gateway/testkit/netns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientAddresses,
  type Lab,
  labStatus,
  sleep,
  vipHolders,
  waitConverged,
  waitFor,
  waitPing,
} from '../src/index.js';
import { BACKENDS, log, startLab } from './e2e-support.js';

const INTERVAL_MS = 200;

/** Result of one bounded `ping -i 0.2 -c COUNT`. */
interface PingRun {
  readonly label: string;
  readonly sent: number;
  readonly received: number;
  /** Longest run of consecutive lost replies, in ms. */
  readonly windowMs: number;
}

/** Ping `target` from site `from`'s client `count` times, 200 ms apart. */
async function pingRun(lab: Lab, from: string, target: string, count: number): Promise<PingRun> {
  const { stdout } = await lab
    .ns(`${from}-cl`)
    .exec(['ping', '-n', '-i', String(INTERVAL_MS / 1000), '-c', String(count), '-W', '1', target], {
      timeoutMs: count * INTERVAL_MS + 30_000,
    })
    .catch((e: Error) => ({ stdout: String((e.cause as { stdout?: string })?.stdout ?? '') }));
  const seqs = [...new Set([...stdout.matchAll(/icmp_seq=(\d+)/g)].map((m) => Number(m[1])))].sort(
    (a, b) => a - b,
  );
  let worst = 0;
  let last = 0;
  for (const s of [...seqs, count + 1]) {
    worst = Math.max(worst, s - last - 1);
    last = s;
  }
  return {
    label: `${from}-client → ${target}`,
    sent: count,
    received: seqs.length,
    windowMs: worst * INTERVAL_MS,
  };
}

/** Continuous pings both ways between sites `x` and `y`, IPv4 and IPv6, while `fault` runs. */
async function pingsDuring(
  lab: Lab,
  x: string,
  y: string,
  count: number,
  fault: () => Promise<void>,
): Promise<PingRun[]> {
  const runs = [
    ...clientAddresses(lab, y).map((t) => pingRun(lab, x, t, count)),
    ...clientAddresses(lab, x).map((t) => pingRun(lab, y, t, count)),
  ];
  await sleep(2000);
  await fault();
  const out = await Promise.all(runs);
  for (const r of out)
    log(`  ${r.label.padEnd(32)} ${r.sent - r.received}/${r.sent} lost, loss window ${r.windowMs} ms`);
  return out;
}

/** Pids in a unit's namespace running `comm`. */
async function pidsOf(lab: Lab, unit: string, comm: string): Promise<number[]> {
  const out: number[] = [];
  for (const pid of await lab.ns(unit).pids()) {
    const name = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
    if (name.trim() === comm) out.push(pid);
  }
  return out;
}

/** The unit of `site` holding its first VIP (the VRRP master). */
async function vipMaster(lab: Lab, site: string): Promise<string> {
  const plan = lab.plan.sites.find((s) => s.name === site);
  if (!plan) throw new Error(`no site ${site}`);
  const holders = [...(await vipHolders(lab, plan)).values()][0] ?? [];
  return holders[0] ?? expect.fail(`no unit of ${site} holds its VIP`);
}

/** Every VIP of sites `sites` held by exactly one unit. */
async function vipsHeld(lab: Lab, sites: readonly string[]): Promise<boolean> {
  for (const site of lab.plan.sites.filter((s) => sites.includes(s.name))) {
    for (const units of (await vipHolders(lab, site)).values()) if (units.length !== 1) return false;
  }
  return true;
}

describe.runIf(mustRunPrivileged())('e2e: faults on three sites', () => {
  for (const backend of BACKENDS) {
    describe(`backend ${backend}`, () => {
      let lab: Lab;

      beforeAll(async () => {
        lab = await startLab({
          backend,
          sites: [
            { name: 'a', units: 2, prefixes: ['3fff::/20', '192.0.2.0/24'] },
            { name: 'b', units: 2, prefixes: ['2001:db8::/32', '198.51.100.0/24'] },
            { name: 'c', units: 2, prefixes: ['3fff:1000::/20', '198.18.0.0/24'] },
          ],
          peerings: [
            ['a', 'b'],
            ['a', 'c'],
            ['b', 'c'],
          ],
        });
      }, 180_000);

      afterAll(async () => {
        await lab?.down();
      }, 60_000);

      it('one whole site down: the other two keep their VIPs and lose nothing between them', async () => {
        const before = { a: await vipMaster(lab, 'a'), b: await vipMaster(lab, 'b') };
        let vipsAlwaysHeld = true;
        try {
          const runs = await pingsDuring(lab, 'a', 'b', 150, async () => {
            const killed = (await lab.killUnit('c-1')) + (await lab.killUnit('c-2'));
            log(`(site down) ${backend}: killed every process of c-1 and c-2 (${killed})`);
            // Sample while the track scripts fail and OSPF drops site C.
            for (let i = 0; i < 10; i++) {
              vipsAlwaysHeld &&= await vipsHeld(lab, ['a', 'b']);
              await sleep(2000);
            }
          });
          const status = await labStatus(lab);
          const vrrp = status
            .filter((s) => s.site !== 'c')
            .map((s) => `${s.unit} ${s.vrrp.map((v) => `${v.name}=${v.state}/${v.priority}`).join(' ')}`);
          log(`(site down) ${backend}: ${vrrp.join('; ')}`);
          // The units' track scripts fail a moment apart, so a master may
          // hand over to its peer on the way (equal priorities after): harmless.
          log(
            `(site down) ${backend}: VIP masters before ${JSON.stringify(before)}, after ${JSON.stringify({ a: await vipMaster(lab, 'a'), b: await vipMaster(lab, 'b') })}`,
          );
          expect(vipsAlwaysHeld, 'every VIP of A and B held by exactly one unit throughout').toBe(true);
          for (const s of status.filter((x) => x.site !== 'c')) {
            // Site C's two prefixes are missing: 254 − 2, and no FAULT.
            expect(s.vrrp.length).toBeGreaterThan(0);
            for (const v of s.vrrp) expect(v.state === 'MASTER' || v.state === 'BACKUP').toBe(true);
            for (const v of s.vrrp) expect(v.priority).toBe(252);
          }
          for (const r of runs) expect(r.sent - r.received, `${r.label} lost`).toBe(0);
        } finally {
          await lab.startUnit('c-1');
          await lab.startUnit('c-2');
        }
        const back = await waitConverged(lab, { timeoutMs: 120_000 });
        log(`(site down) ${backend}: site C back, converged in ${(back.ms / 1000).toFixed(1)} s`);
        expect(back.converged).toBe(true);
      }, 300_000);

      it('BIRD killed on a unit: the supervisor restarts it; loss window printed', async () => {
        const unit = await vipMaster(lab, 'a');
        const birdPid = Number((await readFile(lab.paths(unit).birdPid, 'utf8')).trim());
        const runs = await pingsDuring(lab, 'a', 'b', 150, async () => {
          process.kill(birdPid, 'SIGKILL');
          log(`(bird killed) ${backend}: SIGKILL BIRD ${birdPid} on ${unit}`);
        });
        const restarted = await waitFor(
          async () => (await pidsOf(lab, unit, 'bird')).some((p) => p !== birdPid),
          {
            timeoutMs: 60_000,
            intervalMs: 500,
          },
        );
        expect(restarted, `BIRD on ${unit} running again`).toBe(true);
        for (const r of runs) expect(r.windowMs, `${r.label}: generous bound`).toBeLessThan(20_000);
        expect((await waitConverged(lab, { timeoutMs: 90_000 })).converged).toBe(true);
      }, 200_000);

      it('Keepalived killed on the VIP master: the supervisor restarts it, each VIP held by one unit again; loss window printed', async () => {
        const unit = await vipMaster(lab, 'a');
        const run = lab.paths(unit).keepalivedRun;
        const runs = await pingsDuring(lab, 'a', 'b', 150, async () => {
          const pids = await pidsOf(lab, unit, 'keepalived');
          for (const pid of pids) process.kill(pid, 'SIGKILL');
          log(`(keepalived killed) ${backend}: SIGKILL Keepalived ${pids.join(' ')} on ${unit}`);
          await sleep(5000);
          // A SIGKILLed VRRP process leaves its VIPs on the interface: both units may hold them until the restart.
          const site = lab.plan.sites.find((x) => x.name === 'a');
          if (site)
            log(
              `(keepalived killed) ${backend}: 5 s later VIP holders ${JSON.stringify([...(await vipHolders(lab, site))])}`,
            );
        });
        const restarted = await waitFor(
          async () => {
            const pid = Number((await readFile(join(run, 'keepalived.pid'), 'utf8').catch(() => '')).trim());
            return pid > 0 && (await pidsOf(lab, unit, 'keepalived')).includes(pid);
          },
          { timeoutMs: 60_000, intervalMs: 500 },
        );
        expect(restarted, `Keepalived on ${unit} running again`).toBe(true);
        expect(await waitFor(() => vipsHeld(lab, ['a']), { timeoutMs: 30_000, intervalMs: 500 })).toBe(true);
        for (const r of runs) expect(r.windowMs, `${r.label}: generous bound`).toBeLessThan(20_000);
        expect((await waitConverged(lab, { timeoutMs: 90_000 })).converged).toBe(true);
      }, 200_000);

      it('one wireguard-go killed: the next reconcile brings the tunnel back; loss window printed', async () => {
        const unit = await vipMaster(lab, 'a');
        const before = await pidsOf(lab, unit, 'wireguard-go');
        expect(before.length).toBeGreaterThan(0);
        const victim = before[0] as number;
        const runs = await pingsDuring(lab, 'a', 'b', 150, async () => {
          process.kill(victim, 'SIGKILL');
          log(`(wireguard-go killed) ${backend}: SIGKILL wireguard-go ${victim} on ${unit}`);
        });
        const back = await waitConverged(lab, { timeoutMs: 90_000 });
        log(
          `(wireguard-go killed) ${backend}: converged again ${(back.ms / 1000).toFixed(1)} s after the pings`,
        );
        expect(back.converged).toBe(true);
        expect((await pidsOf(lab, unit, 'wireguard-go')).length).toBe(before.length);
        for (const r of runs) expect(r.windowMs, `${r.label}: generous bound`).toBeLessThan(20_000);
        for (const t of clientAddresses(lab, 'b')) expect(await waitPing(lab, 'a', t, 20_000)).toBe(true);
      }, 200_000);
    });
  }
});
