/**
 * The embedded default exchange: one JSON file per unit per peering and per
 * group under a directory, on local disk or a mount every unit shares.
 * @module
 */
import { type FSWatcher, watch as fsWatch, mkdirSync, readdirSync, statSync } from 'node:fs';
import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Exchange,
  type ExchangeSnapshot,
  ExchangeUnreachableError,
  type PeerDataWire,
  type Publication,
  type UnitAddress,
  type UnitDataMap,
  type Withdrawal,
} from '@wg-gateway/core';
import { removeStaleTemps, writeFileAtomic } from '../state/atomic-file.js';
import { debounce } from './debounce.js';
import { ExchangeError } from './exchange-error.js';
import { decodeName, decodeWire, encodeAddress, encodeName, encodeWire } from './exchange-keys.js';

/** Options of {@link DirectoryExchange}. */
export interface DirectoryExchangeOptions {
  /**
   * How watches notice changes: `auto` (default) uses a recursive `fs.watch`
   * (inotify) and polls as well, since inotify misses writes made by other
   * hosts on a network mount; `poll` only polls.
   */
  readonly watchMode?: 'auto' | 'poll';
  /** Poll interval of watches (default 2000 ms). */
  readonly pollIntervalMs?: number;
  /** A burst of changes within this window makes one call (default 100 ms). */
  readonly debounceMs?: number;
}

const NAME = 'directory';
const EXT = '.json';
/** A withdrawal marker beside where a unit's record was. */
const WITHDRAWN_EXT = '.withdrawn';
/** A temp file this old belongs to a writer that died. */
const STALE_TEMP_MS = 60_000;

const isMissing = (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT';

/** Entries of a directory; none when it does not exist (yet). */
async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    if (isMissing(e) || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw e;
  }
}

function listSync(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The unit name of a record file (or, with `ext`, of a marker); undefined for temp files and strangers. */
function unitOf(file: string, ext = EXT): string | undefined {
  if (!file.endsWith(ext) || file.startsWith('.')) return undefined;
  return decodeName(file.slice(0, -ext.length));
}

/** Parse a withdrawal marker; a garbled one still counts as a withdrawal (at time 0). */
function decodeWithdrawal(text: string): Withdrawal {
  try {
    const v: unknown = JSON.parse(text);
    const at = (v as { at?: unknown } | null)?.at;
    if (typeof at === 'number' && Number.isFinite(at)) return { at };
  } catch {
    // fall through
  }
  return { at: 0 };
}

/**
 * {@link Exchange} on a directory:
 * `DIR/peerings/<peering>/<group>/<unit>.json` and `DIR/groups/<group>/<unit>.json`,
 * each the JSON of the unit's wire record (`/` in names is stored as `%2F`).
 * Writes are atomic (temp file, rename); files are 0644 (peer data holds
 * public keys and addresses only).
 */
export class DirectoryExchange implements Exchange {
  readonly root: string;
  readonly #options: Required<DirectoryExchangeOptions>;
  readonly #stops = new Set<() => void>();
  #closed = false;

  constructor(root: string, options: DirectoryExchangeOptions = {}) {
    this.root = root;
    this.#options = {
      watchMode: options.watchMode ?? 'auto',
      pollIntervalMs: options.pollIntervalMs ?? 2000,
      debounceMs: options.debounceMs ?? 100,
    };
  }

  /**
   * Read the files visible to `self`. A root that cannot be read (not a
   * directory, permission denied, a dead network mount) throws
   * {@link ExchangeUnreachableError}. A root that does not exist reads as
   * empty: nothing was published yet (the first publish creates it), and a
   * directory that vanished leaves every entry missing, which the gateway
   * holds for the grace just the same.
   */
  async read(self: UnitAddress, peerings: readonly string[]): Promise<ExchangeSnapshot> {
    this.#open();
    const me = encodeAddress(NAME, self);
    const dirs = peerings.map((p) => join(this.root, 'peerings', encodeName(NAME, 'peering', p)));
    try {
      await readdir(this.root).catch((e) => {
        if (!isMissing(e)) throw e;
      });
      const out: Record<string, UnitDataMap> = {};
      const gone: Record<string, Record<string, Withdrawal>> = {};
      for (const [i, peering] of peerings.entries()) {
        const dir = dirs[i] as string;
        const units: Record<string, PeerDataWire> = {};
        const marks: Record<string, Withdrawal> = {};
        for (const group of (await list(dir)).sort()) {
          if (group === me.group || group.startsWith('.')) continue;
          const read = await this.#readUnits(join(dir, group));
          Object.assign(units, read.units);
          Object.assign(marks, read.withdrawn);
        }
        out[peering] = units;
        gone[peering] = marks;
      }
      const group = await this.#readUnits(join(this.root, 'groups', me.group), self.unit);
      return { peerings: out, group: group.units, withdrawn: { peerings: gone, group: group.withdrawn } };
    } catch (e) {
      if (e instanceof ExchangeError) throw e;
      throw new ExchangeUnreachableError(
        `[runtime] [${NAME}]`,
        `cannot read ${this.root}: ${(e as Error).message}`,
        { cause: e, hint: 'check that the exchange directory exists, is readable and its mount is healthy' },
      );
    }
  }

  async publish(self: UnitAddress, publication: Publication): Promise<void> {
    this.#open();
    const me = encodeAddress(NAME, self);
    const file = `${me.unit}${EXT}`;
    const wanted = new Set<string>();
    for (const [peering, wire] of Object.entries(publication.peerings)) {
      const p = encodeName(NAME, 'peering', peering);
      wanted.add(p);
      await this.#write(join(this.root, 'peerings', p, me.group, file), wire);
    }
    await this.#write(join(this.root, 'groups', me.group, file), publication.group);
    for (const p of await list(join(this.root, 'peerings'))) {
      if (!wanted.has(p)) await this.#withdrawFile(join(this.root, 'peerings', p, me.group, file));
    }
  }

  /** Depart: replace every file `self` published with a withdrawal marker. */
  async withdraw(self: UnitAddress): Promise<void> {
    this.#open();
    const me = encodeAddress(NAME, self);
    const file = `${me.unit}${EXT}`;
    const files = [join(this.root, 'groups', me.group, file)];
    for (const p of await list(join(this.root, 'peerings')))
      files.push(join(this.root, 'peerings', p, me.group, file));
    for (const f of files) await this.#withdrawFile(f);
  }

  /** Leave a marker where `file` is, then remove it (readers never see neither); nothing when it is absent. */
  async #withdrawFile(file: string): Promise<void> {
    const exists = await stat(file).then(
      () => true,
      (e) => {
        if (isMissing(e)) return false;
        throw this.#fail('withdraw', e);
      },
    );
    if (!exists) return;
    try {
      const marker = `${file.slice(0, -EXT.length)}${WITHDRAWN_EXT}`;
      await writeFileAtomic(marker, `${JSON.stringify({ at: Date.now() })}\n`, {
        mode: 0o644,
        dirMode: 0o755,
      });
      await unlink(file);
    } catch (e) {
      if (!isMissing(e)) throw this.#fail('withdraw', e);
    }
  }

  /**
   * Watch with `fs.watch(DIR, { recursive: true })` (inotify) plus a poll;
   * each trigger compares a fingerprint (inode, mtime, size) of the files
   * visible to `self`, so our own publishes and unrelated peerings are quiet.
   */
  watch(self: UnitAddress, peerings: readonly string[], onChange: () => void): () => void {
    this.#open();
    const me = encodeAddress(NAME, self);
    const dirs = peerings.map((p) => join(this.root, 'peerings', encodeName(NAME, 'peering', p)));
    const fingerprint = () => this.#fingerprint(dirs, me.group, join(this.root, 'groups', me.group), me.unit);
    let last = fingerprint();
    let stopped = false;
    const check = debounce(() => {
      if (stopped) return;
      const now = fingerprint();
      if (now === last) return;
      last = now;
      onChange();
    }, this.#options.debounceMs);
    let watcher: FSWatcher | undefined;
    if (this.#options.watchMode === 'auto') {
      try {
        mkdirSync(this.root, { recursive: true, mode: 0o755 });
        watcher = fsWatch(this.root, { recursive: true, persistent: false }, () => check());
        // Inotify trouble (e.g. the watch limit): the poll carries on alone.
        watcher.on('error', () => watcher?.close());
      } catch {
        watcher = undefined;
      }
    }
    const poll = setInterval(check, this.#options.pollIntervalMs);
    poll.unref();
    const stop = () => {
      if (stopped) return;
      stopped = true;
      check.cancel();
      clearInterval(poll);
      watcher?.close();
      this.#stops.delete(stop);
    };
    this.#stops.add(stop);
    return stop;
  }

  /** Stop every watch. Published files stay: a departed unit is withdrawn by removing its files. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const stop of [...this.#stops]) stop();
  }

  async #readUnits(
    dir: string,
    skipUnit?: string,
  ): Promise<{ units: Record<string, PeerDataWire>; withdrawn: Record<string, Withdrawal> }> {
    const units: Record<string, PeerDataWire> = {};
    const withdrawn: Record<string, Withdrawal> = {};
    const files = (await list(dir)).sort();
    for (const file of files) {
      const unit = unitOf(file);
      if (unit === undefined || unit === skipUnit) continue;
      try {
        units[unit] = decodeWire(await readFile(join(dir, file), 'utf8'));
      } catch (e) {
        // Withdrawn between the listing and the read.
        if (!isMissing(e)) throw e;
      }
    }
    for (const file of files) {
      const unit = unitOf(file, WITHDRAWN_EXT);
      if (unit === undefined || unit === skipUnit || unit in units) continue;
      const text = await readFile(join(dir, file), 'utf8').catch((e) => {
        if (isMissing(e)) return undefined;
        throw e;
      });
      if (text !== undefined) withdrawn[unit] = decodeWithdrawal(text);
    }
    return { units, withdrawn };
  }

  /** Synchronous, so a watch's baseline is taken before `watch()` returns. */
  #fingerprint(peeringDirs: readonly string[], ownGroup: string, groupDir: string, ownUnit: string): string {
    const parts: string[] = [];
    const add = (dir: string, skipFile?: string) => {
      for (const file of listSync(dir).sort()) {
        if (unitOf(file) === undefined || file === skipFile) continue;
        try {
          const s = statSync(join(dir, file));
          parts.push(`${dir}/${file}:${s.ino}:${s.mtimeMs}:${s.size}`);
        } catch {
          // gone meanwhile
        }
      }
    };
    for (const dir of peeringDirs)
      for (const group of listSync(dir).sort()) if (group !== ownGroup) add(join(dir, group));
    add(groupDir, `${ownUnit}${EXT}`);
    return parts.join('\n');
  }

  /** Write `file` unless it already holds exactly this record: each write wakes the other units' watches. */
  async #write(file: string, wire: PeerDataWire): Promise<void> {
    const text = encodeWire(wire);
    if ((await readFile(file, 'utf8').catch(() => undefined)) === text) return;
    try {
      // A writer that died between write and rename left its temp file
      // (by age: the writer may be another host on a shared mount).
      await removeStaleTemps(file, { olderThanMs: STALE_TEMP_MS });
      await writeFileAtomic(file, text, { mode: 0o644, dirMode: 0o755 });
      // Back after a withdrawal: the marker goes once the record is in place.
      await unlink(`${file.slice(0, -EXT.length)}${WITHDRAWN_EXT}`).catch((e) => {
        if (!isMissing(e)) throw e;
      });
    } catch (e) {
      throw this.#fail('publish', e);
    }
  }

  #fail(what: string, cause: unknown): ExchangeError {
    return new ExchangeError(NAME, `${what} under ${this.root} failed: ${(cause as Error).message}`, {
      cause,
      hint: 'check that the exchange directory exists, is writable and its mount is healthy',
    });
  }

  #open(): void {
    if (this.#closed) throw new ExchangeError(NAME, 'the exchange is closed');
  }
}
