/**
 * Process helpers: pid files, liveness, bounded waiting.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** The pid in a pid file, or undefined when the file is missing or holds no pid. */
export async function readPidFile(path: string): Promise<number | undefined> {
  try {
    const n = Number((await readFile(path, 'utf8')).trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` is alive and, when `comm` is given, runs that program
 * (`/proc/PID/comm`), so a recycled pid is not taken for the daemon.
 */
export async function isProcessAlive(pid: number, comm?: string): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (comm === undefined) return true;
  try {
    // A zombie still answers kill(0); /proc/PID/stat's state field says Z.
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    const name = (await readFile(`/proc/${pid}/comm`, 'utf8')).trim();
    return name === comm || name.startsWith(comm);
  } catch {
    return false;
  }
}

/**
 * Poll `check` every `intervalMs` until it returns true or `timeoutMs` has
 * passed (bounded in time and in count). Resolves to the last result.
 */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  options: { timeoutMs: number; intervalMs?: number },
): Promise<boolean> {
  const interval = options.intervalMs ?? 50;
  const deadline = Date.now() + options.timeoutMs;
  const maxTries = Math.ceil(options.timeoutMs / interval) + 1;
  for (let i = 0; i < maxTries; i++) {
    if (await check()) return true;
    if (Date.now() >= deadline) break;
    await sleep(interval);
  }
  return false;
}

/** Send `signal` to `pid`; false when the process is gone. */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
