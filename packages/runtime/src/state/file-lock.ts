/**
 * An exclusive lock file holding the owner's pid, created with O_EXCL. A lock
 * whose pid is dead is stale and taken over.
 * @module
 */
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { pidAlive } from './atomic-file.js';
import { StateLockError } from './state-errors.js';

/** Options of {@link acquireFileLock}. */
export interface FileLockOptions {
  /** How long to wait for a live holder before throwing {@link StateLockError} (default 10 000 ms). */
  readonly timeoutMs?: number;
  /** Pause between attempts (default 50 ms). */
  readonly retryMs?: number;
}

/** An empty lock file older than this is left by a creator that died before writing its pid. */
const EMPTY_LOCK_STALE_MS = 5_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The pid in a lock file; undefined when absent or unreadable. */
export async function readLockPid(path: string): Promise<number | undefined> {
  try {
    const n = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Create `path` with O_EXCL holding our pid; false when it already exists. */
async function tryCreate(path: string): Promise<boolean> {
  try {
    const fh = await open(path, 'wx', 0o600);
    try {
      await fh.writeFile(`${process.pid}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/**
 * Remove `path` if the pid in it is dead. Two processes may find the same
 * stale lock; a guard file (itself O_EXCL) lets only one of them remove it,
 * so neither deletes the lock the other just took.
 */
async function removeIfStale(path: string): Promise<void> {
  const pid = await readLockPid(path);
  if (pid === undefined) {
    // Just created and not written yet, or its creator died in between:
    // only the latter is old.
    const age = await stat(path).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > EMPTY_LOCK_STALE_MS) await unlink(path).catch(() => undefined);
    return;
  }
  if (pidAlive(pid)) return;
  const guard = `${path}.takeover`;
  if (!(await tryCreate(guard))) {
    const guardPid = await readLockPid(guard);
    if (guardPid !== undefined && !pidAlive(guardPid)) await unlink(guard).catch(() => undefined);
    return;
  }
  try {
    // Still the same dead holder? Then nobody took it over in between.
    if ((await readLockPid(path)) === pid) await unlink(path).catch(() => undefined);
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

/**
 * Take the lock at `path`, waiting up to `timeoutMs` for a live holder.
 * Resolves to an idempotent release that removes the file only while it
 * still holds our pid.
 */
export async function acquireFileLock(
  path: string,
  options: FileLockOptions = {},
): Promise<() => Promise<void>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retryMs = options.retryMs ?? 50;
  const start = Date.now();
  for (;;) {
    if (await tryCreate(path)) break;
    await removeIfStale(path);
    if (await tryCreate(path)) break;
    const waited = Date.now() - start;
    if (waited >= timeoutMs) throw new StateLockError(path, await readLockPid(path), waited);
    await sleep(Math.min(retryMs, Math.max(1, timeoutMs - waited)));
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    if ((await readLockPid(path)) === process.pid) await unlink(path).catch(() => undefined);
  };
}
