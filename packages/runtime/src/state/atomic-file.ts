/**
 * Crash-safe file replacement: write a temp file beside the target, fsync it,
 * rename it over the target, fsync the directory. A reader sees the old or
 * the new content, never a mix, whatever moment the process dies at.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** File mode of the new file (default 0600). Applied with fchmod, so the umask cannot widen or narrow it. */
  readonly mode?: number;
  /** Mode of directories created on the way (default 0700). */
  readonly dirMode?: number;
  /** Called with the temp path after it is written and synced, before the rename (crash tests). */
  readonly beforeRename?: ((tempPath: string) => Promise<void>) | undefined;
}

const TEMP_MARK = '.tmp-';

/** The temp-file name prefix for `file`: `<base>.tmp-`, followed by `<pid>-<random>`. */
export function tempPrefix(file: string): string {
  return `${basename(file)}${TEMP_MARK}`;
}

/** fsync a directory so a rename or unlink in it survives a power cut (there is no CLI equivalent but `sync DIR`). */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Replace `file` with `data` atomically and durably. Equivalent to writing
 * `file.tmp-PID-RAND`, `sync`, `mv -f file.tmp-PID-RAND file`, `sync DIR`.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true, mode: options.dirMode ?? 0o700 });
  const temp = join(dir, `${tempPrefix(file)}${process.pid}-${randomBytes(6).toString('hex')}`);
  const mode = options.mode ?? 0o600;
  const fh = await open(temp, 'wx', mode);
  try {
    await fh.chmod(mode);
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  try {
    if (options.beforeRename) await options.beforeRename(temp);
    await rename(temp, file);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  }
  await syncDir(dir);
}

/** True when a process with this pid exists (signal 0 probes without sending anything, like `kill -0 PID`). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove temp files of `file` left by writers that died between write and
 * rename: by default those whose pid is gone; with `olderThanMs`, those older
 * than that instead (on a mount shared between hosts a pid says nothing).
 * Returns the names removed.
 */
export async function removeStaleTemps(
  file: string,
  options: { olderThanMs?: number } = {},
): Promise<string[]> {
  const dir = dirname(file);
  const prefix = tempPrefix(file);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const path = join(dir, name);
    if (options.olderThanMs === undefined) {
      if (pidAlive(Number(name.slice(prefix.length).split('-')[0]))) continue;
    } else {
      const age = await stat(path).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age <= options.olderThanMs) continue;
    }
    await unlink(path).catch(() => undefined);
    removed.push(name);
  }
  return removed;
}
