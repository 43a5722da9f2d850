/**
 * Keepalived track files for the route checks: one file per track script
 * (core's keepalived.conf names it `TRACK_DIR/SCRIPT` and passes it to the
 * script with `--track-file`), holding `1` while
 * any prefix of that script has no link route (BIRD's, or an early route
 * standing in for it: `bird/early-routes.ts`) and `0` otherwise.
 * Keepalived watches the files with inotify and applies the weight as soon
 * as one is replaced, where a track script would wait for its next run (up
 * to its interval). Written when fast reroute prunes next hops, on every
 * kernel route change (`EventMonitor`), when a reconcile changes which files
 * Keepalived watches, and on a slow timer; the track scripts pass while their file
 * holds `1` (the loss counts once) and stay the check whenever nothing
 * writes the files.
 * @module
 */
import { basename } from 'node:path';
import { type Prefix, parsePrefix, prefixContains } from '@wg-gateway/core';
import type { Logger } from '../log.js';
import { writeFileAtomic } from '../state/atomic-file.js';
import { CoalescedRun } from '../system/coalesced-run.js';
import type { CommandRunner } from '../system/command.js';
import { type KernelRoute, kernelRoutesOf, LINK_ROUTE_PROTOCOLS } from '../system/nexthop-prune.js';

/**
 * The track files' directory inside Keepalived's run directory (made by the
 * adapter before Keepalived starts: it watches the directory with inotify
 * and cannot if it does not exist).
 */
export const TRACK_DIR_NAME = 'track';

/** One track script's prefixes and the track file that stands for them. */
export interface TrackGroup {
  /** Absolute path of the track file. */
  readonly file: string;
  readonly prefixes: readonly string[];
}

/**
 * The track groups a rendered keepalived.conf asks for: each track script
 * line `script "CHECK --track-file FILE PREFIX..."` (core's template). The
 * running config is the truth of which files Keepalived watches.
 */
export function trackGroupsOf(configText: string): TrackGroup[] {
  const out: TrackGroup[] = [];
  for (const m of configText.matchAll(/^\s*script "\S+ --track-file (\/\S+) ([^"]+)"\s*$/gm)) {
    const [, file = '', list = ''] = m;
    out.push({ file, prefixes: list.split(/\s+/).filter((p) => p !== '') });
  }
  return out;
}

function routePrefix(dst: string, family: 4 | 6): Prefix | undefined {
  const text = dst === 'default' ? (family === 4 ? '0.0.0.0/0' : '::/0') : dst;
  const p = parsePrefix(text);
  return p.ok ? p.value : undefined;
}

/**
 * Files of the groups with a prefix that no route of `routes` (the link
 * routes, both families) covers: what `check-route.sh` would fail on.
 * Equivalent to: `ip [-6] route show proto bird match PREFIX` (and `proto
 * 57`) for each prefix, empty for some.
 */
export function missingGroups(
  groups: readonly TrackGroup[],
  routes: Readonly<Record<4 | 6, readonly KernelRoute[]>>,
): Set<string> {
  const installed = ([4, 6] as const).flatMap((f) => routes[f].flatMap((r) => routePrefix(r.dst, f) ?? []));
  const out = new Set<string>();
  for (const g of groups) {
    const missing = g.prefixes.some((text) => {
      const p = parsePrefix(text);
      return !p.ok || !installed.some((r) => prefixContains(r, p.value));
    });
    if (missing) out.add(g.file);
  }
  return out;
}

/** Options of {@link RouteTrackFiles}. */
export interface RouteTrackFilesOptions {
  /** Runs `ip` in the gateway's network namespace. */
  readonly run: CommandRunner;
  readonly log: Logger;
}

/** Keeps the track files of the current Keepalived model equal to the kernel's routes; see the module doc. */
export class RouteTrackFiles {
  readonly #o: RouteTrackFilesOptions;
  #groups: readonly TrackGroup[] = [];
  /** Value last written per file; a file is rewritten only when its value changes. */
  readonly #written = new Map<string, string>();
  readonly #refresh = new CoalescedRun(() => this.#refreshOnce());
  #closed = false;

  constructor(options: RouteTrackFilesOptions) {
    this.#o = options;
  }

  /**
   * The files to keep: those the installed keepalived.conf names
   * ({@link trackGroupsOf}); none without it. True when they changed (the
   * files then need a {@link refresh}).
   */
  setConfig(configText: string | undefined): boolean {
    const groups = configText === undefined ? [] : trackGroupsOf(configText);
    const changed = JSON.stringify(groups) !== JSON.stringify(this.#groups);
    this.#groups = groups;
    return changed;
  }

  /**
   * Read the link routes and write every file whose value changed.
   * Calls while one runs coalesce into one more run after it. Never throws:
   * a failure is logged and the track scripts still check the routes.
   * Equivalent to: `ip -j -4 route show` (and `-6`), kept where the
   * protocol is `bird` or `57`, then
   * `echo 1 > FILE.tmp && mv FILE.tmp FILE` per change.
   */
  refresh(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return this.#refresh.run();
  }

  /** Stop: later {@link refresh} calls do nothing; the files keep their values. */
  close(): void {
    this.#closed = true;
  }

  /**
   * {@link close}, then write `0` to every file, so the track scripts alone
   * decide (this process is going away).
   */
  async release(): Promise<void> {
    this.close();
    await this.#refresh.idle();
    await this.#write(this.#groups.map((g) => [g.file, '0']));
  }

  async #refreshOnce(): Promise<void> {
    const groups = this.#groups;
    if (groups.length === 0) return;
    const routes = { 4: [] as KernelRoute[], 6: [] as KernelRoute[] };
    for (const family of [4, 6] as const) {
      const shown = await kernelRoutesOf(this.#o.run, family, LINK_ROUTE_PROTOCOLS);
      if ('failed' in shown) {
        this.#o.log.warn({ family, stderr: shown.failed.stderr }, 'track files: kernel routes not readable');
        return;
      }
      routes[family] = shown.routes;
    }
    const missing = missingGroups(groups, routes);
    await this.#write(groups.map((g) => [g.file, missing.has(g.file) ? '1' : '0']));
  }

  async #write(values: readonly (readonly [string, string])[]): Promise<void> {
    const changed: string[] = [];
    for (const [file, value] of values) {
      if (this.#written.get(file) === value) continue;
      try {
        // Atomic: Keepalived sees the rename (inotify IN_MOVED_TO) and reads
        // the whole new value, never an empty file mid-write. 0644:
        // Keepalived and the check script only read it.
        await writeFileAtomic(file, `${value}\n`, { mode: 0o644, dirMode: 0o755 });
        this.#written.set(file, value);
        changed.push(`${basename(file)}=${value}`);
      } catch (e) {
        this.#o.log.warn({ err: e, file }, 'track file not written; the track script still checks');
      }
    }
    if (changed.length > 0) this.#o.log.info({ changed }, 'track files: route coverage changed');
  }
}
