/**
 * The unit's state in one JSON file, written crash-safely, 0600, with the
 * previous version kept beside it and a lock file against concurrent
 * reconciles.
 * @module
 */
import { chmod, mkdir, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { decodeState, encodeState, type StateStore, type UnitState } from '@wg-gateway/core';
import { removeStaleTemps, syncDir, writeFileAtomic } from './atomic-file.js';
import { acquireFileLock } from './file-lock.js';
import { CorruptStateError } from './state-errors.js';

/**
 * Environment variable for crash tests: when set to a path, `save()` writes
 * the temp file's path there right before the rename and then waits forever,
 * so a test can SIGKILL it at exactly that point. Never set it in production.
 */
export const PAUSE_BEFORE_RENAME_ENV = 'WG_GATEWAY_TEST_PAUSE_BEFORE_RENAME';

/** Options of {@link FileStateStore}. */
export interface FileStateStoreOptions {
  /** How long `lock()` waits for another live process (default 10 000 ms). */
  readonly lockTimeoutMs?: number;
  /** Clock for the `.corrupt-<time>` suffix (default `Date.now`). */
  readonly now?: () => number;
}

type Current =
  | { readonly kind: 'none' }
  | { readonly kind: 'ok'; readonly text: string; readonly state: UnitState }
  | { readonly kind: 'corrupt'; readonly error: CorruptStateError };

/**
 * {@link StateStore} on a local file. Files: `FILE` (current), `FILE.prev`
 * (the version before), `FILE.lock` (pid of the process reconciling),
 * `FILE.corrupt-<time>` (set aside by {@link FileStateStore.reset}). All
 * 0600; a directory created for them is 0700. The state holds private keys.
 */
export class FileStateStore implements StateStore {
  readonly path: string;
  readonly #lockTimeoutMs: number;
  readonly #now: () => number;

  constructor(path: string, options: FileStateStoreOptions = {}) {
    this.path = path;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** The previous version's path. */
  get prevPath(): string {
    return `${this.path}.prev`;
  }

  /** The lock file's path. */
  get lockPath(): string {
    return `${this.path}.lock`;
  }

  /** The saved state; undefined when there is no file. Throws {@link CorruptStateError} on an undecodable file. */
  async load(): Promise<UnitState | undefined> {
    const current = await this.#read();
    if (current.kind === 'corrupt') throw current.error;
    return current.kind === 'ok' ? current.state : undefined;
  }

  /**
   * Persist `state` durably: the current version moves to `FILE.prev`, then
   * the new one replaces `FILE` atomically. Unchanged state writes nothing.
   * Refuses (throws {@link CorruptStateError}) while `FILE` is corrupt: it
   * may hold the only copy of a private key; see {@link FileStateStore.reset}.
   */
  async save(state: UnitState): Promise<void> {
    await removeStaleTemps(this.path);
    await removeStaleTemps(this.prevPath);
    const text = encodeState(state);
    const current = await this.#read();
    if (current.kind === 'corrupt') throw current.error;
    if (current.kind === 'ok' && current.text === text) return;
    if (current.kind === 'ok') await writeFileAtomic(this.prevPath, current.text);
    await writeFileAtomic(this.path, text, { beforeRename: pauseHook() });
  }

  /**
   * Move the current file aside as `FILE.corrupt-<ISO time>` (kept, 0600)
   * and, when `state` is given, save it. The explicit way past a corrupt file.
   * Returns the path the old file was moved to, if there was one.
   */
  async reset(state?: UnitState): Promise<string | undefined> {
    const current = await this.#read();
    let aside: string | undefined;
    if (current.kind !== 'none') {
      aside = `${this.path}.corrupt-${new Date(this.#now()).toISOString().replaceAll(':', '-')}`;
      await rename(this.path, aside);
      // It may hold private keys, whatever mode it was written with.
      await chmod(aside, 0o600);
      await syncDir(dirname(this.path));
    }
    if (state !== undefined) await this.save(state);
    return aside;
  }

  /** Take `FILE.lock`; see `acquireFileLock`. */
  async lock(): Promise<() => Promise<void>> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    return acquireFileLock(this.lockPath, { timeoutMs: this.#lockTimeoutMs });
  }

  async #read(): Promise<Current> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
      throw e;
    }
    try {
      return { kind: 'ok', text, state: decodeState(text) };
    } catch (cause) {
      return { kind: 'corrupt', error: new CorruptStateError(this.path, cause) };
    }
  }
}

/** The crash-test hook of {@link PAUSE_BEFORE_RENAME_ENV}, when set. */
function pauseHook(): ((temp: string) => Promise<void>) | undefined {
  const marker = process.env[PAUSE_BEFORE_RENAME_ENV];
  if (!marker) return undefined;
  return async (temp) => {
    await writeFileAtomic(marker, temp, { mode: 0o600 });
    // Keep the event loop alive until the test kills us.
    await new Promise<void>(() => setInterval(() => undefined, 60_000));
  };
}
