/**
 * Measurements of running lab units for the benchmarks and the end-to-end
 * tests: no-op reconciles from the unit logs' stage timings, processes a
 * unit spawns, its memory, and changing the peerings of running units.
 * @module
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Lab } from './lab.js';
import type { PeeringPlan } from './topology.js';
import { sleep } from './wait.js';

/** One reconcile as a unit's log recorded it. */
export interface LoggedReconcile {
  /** Unix ms. */
  readonly at: number;
  /** `interval`, `exchange`, `reload`, ... */
  readonly reason: string;
  readonly durationMs: number;
  /** Stage name → ms. */
  readonly stages: Readonly<Record<string, number>>;
  /** Interfaces changed (0 = a no-op). */
  readonly changes: number;
  readonly ok: boolean;
}

/** Every reconcile in a unit's log (pino JSON lines, `msg` `reconciled` or `reconcile failed`). */
export async function loggedReconciles(lab: Lab, unit: string): Promise<LoggedReconcile[]> {
  const text = await readFile(lab.paths(unit).log, 'utf8').catch(() => '');
  const out: LoggedReconcile[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('"durationMs"')) continue;
    try {
      const j = JSON.parse(line) as {
        time?: number;
        msg?: string;
        reason?: string;
        durationMs?: number;
        stages?: Record<string, number>;
        changes?: unknown[];
        ok?: boolean;
      };
      if (j.msg !== 'reconciled' && j.msg !== 'reconcile failed') continue;
      out.push({
        at: j.time ?? 0,
        reason: j.reason ?? '',
        durationMs: j.durationMs ?? Number.NaN,
        stages: j.stages ?? {},
        changes: j.changes?.length ?? 0,
        ok: j.ok === true,
      });
    } catch {
      // a partly written line
    }
  }
  return out;
}

/** Interval reconciles that changed nothing and succeeded, logged after `sinceMs`. */
export async function noopReconciles(lab: Lab, unit: string, sinceMs: number): Promise<LoggedReconcile[]> {
  return (await loggedReconciles(lab, unit)).filter(
    (r) => r.at >= sinceMs && r.reason === 'interval' && r.changes === 0 && r.ok,
  );
}

/** Memory of one process, MiB: `/proc/PID/status` and `/proc/PID/smaps_rollup`. */
export interface ProcessMemory {
  /** Resident set: own (anonymous) + file-backed (the node executable, shared) pages. */
  readonly vmRss: number;
  readonly rssAnon: number;
  readonly rssFile: number;
  /** Proportional set size: shared pages divided among the processes mapping them. */
  readonly pss: number;
}

/** The memory of process `pid`; undefined when it is gone. */
export async function processMemory(pid: number): Promise<ProcessMemory | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => undefined);
  if (status === undefined || rollup === undefined) return undefined;
  const kib = (text: string, key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1]);
  return {
    vmRss: kib(status, 'VmRSS') / 1024,
    rssAnon: kib(status, 'RssAnon') / 1024,
    rssFile: kib(status, 'RssFile') / 1024,
    pss: kib(rollup, 'Pss') / 1024,
  };
}

/**
 * Programs `pid` and its descendants start (`execve`) during `ms`, traced
 * with `strace -f`: one base name per successful exec. Resolves to undefined
 * when strace is missing or fails.
 * Equivalent to: `timeout MS strace -f -qq -e trace=execve -p PID`.
 */
export async function tracedExecs(pid: number, ms: number): Promise<string[] | undefined> {
  return new Promise((resolve) => {
    const child = spawn(
      'strace',
      ['-f', '-qq', '-e', 'trace=execve', '-e', 'signal=none', '-p', String(pid)],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.length > 4_000_000) err = err.slice(-2_000_000);
    });
    const timer = setTimeout(() => child.kill('SIGINT'), ms);
    child.on('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    child.on('close', () => {
      clearTimeout(timer);
      // Successful execs only: a failed PATH lookup (`= -1 ENOENT`) starts nothing.
      const execs = err.split('\n').filter((l) => /execve\(/.test(l) && /= 0$/.test(l.trim()));
      resolve(execs.map((l) => /execve\("(?:[^"]*\/)?([^"/]+)"/.exec(l)?.[1] ?? '?'));
    });
  });
}

/**
 * Give every unit of the lab the peerings `peerings` (config rewritten, then
 * SIGHUP) and make them the lab's plan, so the lab's checks expect them.
 */
export async function setPeerings(lab: Lab, peerings: readonly PeeringPlan[]): Promise<void> {
  lab.record = { ...lab.record, plan: { ...lab.plan, peerings: [...peerings] } };
  const units = lab.plan.sites.flatMap((s) => s.units.map((u) => u.name));
  for (const unit of units) await lab.writeUnitConfig(unit, peerings);
  for (const unit of units) await lab.reloadUnit(unit);
  // Let the signals land before the caller starts polling.
  await sleep(10);
}
