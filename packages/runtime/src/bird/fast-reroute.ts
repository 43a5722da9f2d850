/**
 * Fast reroute around a link that BFD declared dead.
 *
 * BIRD drops an OSPF neighbour the moment its BFD session fails, but it
 * recomputes routes only on its OSPF `tick` (whole seconds, 1 s at least),
 * so for up to a second after detection the kernel's multipath routes still
 * hash some flows into the dead tunnel. This watcher polls BIRD's OSPF
 * neighbours over the control socket and, when a link's adjacency leaves
 * `Full`, takes that link's next hops out of BIRD's kernel routes at once
 * (the same routes BIRD installs at its next tick). Nothing is added here; a
 * link coming (back) up is the early routes' concern (`early-routes.ts`,
 * fed by {@link FastRerouteOptions.onAdjacencies}). A few seconds after a
 * prune the kernel protocols are re-fed (`reload out`), so that an adjacency
 * that dropped and came back within one tick (BIRD's routes unchanged, hence
 * not re-exported) does not leave a next hop missing until BIRD's next
 * kernel scan; the same re-feed runs when the watcher starts and when an
 * adjacency comes back, so a prune whose re-feed was lost (the process was
 * killed right after it) is healed too.
 *
 * For {@link DOWN_WATCH_MS} after a link lost its adjacency, a link route
 * put back through it is pruned again: right after the re-feed, and on every
 * kernel route change ({@link FastReroute.routesChanged}). BIRD still holds
 * such routes while its own router LSA waits out MinLSInterval (5 s) after
 * a recent change, so the re-feed, or an SPF run on the stale LSAs, would
 * otherwise put the dead next hops back for a second or more: a whole
 * remote site that went down came back into the routes (and the VRRP
 * priorities) ~3 s later for ~1 s.
 * @module
 */
import type { Logger } from '../log.js';
import { CoalescedRun } from '../system/coalesced-run.js';
import type { CommandRunner } from '../system/command.js';
import { type PruneResult, pruneNexthops } from '../system/nexthop-prune.js';
import { BirdControl } from './bird-control.js';
import type { OspfNeighbor } from './bird-status.js';
import { GATEWAY_OSPF_PROTOCOLS } from './link-routing.js';

// The rendered OSPF protocols and the address family each carries.
const [OSPF4, OSPF6] = GATEWAY_OSPF_PROTOCOLS;
const FAMILY: Record<string, 4 | 6> = { [OSPF4]: 4, [OSPF6]: 6 };

/** The rendered kernel protocols (core's BIRD template). */
export const GATEWAY_KERNEL_PROTOCOLS = ['wg_gateway_kernel4', 'wg_gateway_kernel6'] as const;

/** Delay from a prune to re-feeding the kernel protocols: past BIRD's next 1 s tick, with margin. */
export const RESYNC_DELAY_MS = 2500;

/**
 * How long after a link lost its adjacency a link route through it is
 * pruned again: past BIRD's MinLSInterval (5 s) and the re-feed, with margin.
 */
export const DOWN_WATCH_MS = 15_000;

/** `family:interface` of every gateway OSPF neighbour in `Full`. */
export function fullAdjacencies(neighbors: readonly OspfNeighbor[]): Set<string> {
  const out = new Set<string>();
  for (const n of neighbors) {
    const family = FAMILY[n.protocol];
    if (family !== undefined && n.state === 'Full') out.add(`${family}:${n.interface}`);
  }
  return out;
}

/** Interfaces, per family, that were `Full` in `before` and are not in `now`. */
export function lostAdjacencies(
  before: ReadonlySet<string>,
  now: ReadonlySet<string>,
): Map<4 | 6, Set<string>> {
  const out = new Map<4 | 6, Set<string>>();
  for (const key of before) {
    if (now.has(key)) continue;
    const [family, ifname = ''] = key.split(/:(.*)/s);
    const f = family === '4' ? 4 : 6;
    const set = out.get(f) ?? new Set<string>();
    set.add(ifname);
    out.set(f, set);
  }
  return out;
}

/** Options of {@link FastReroute}. */
export interface FastRerouteOptions {
  /** BIRD's control socket. */
  readonly socketPath: string;
  /** How often to read the neighbours, ms (BFD's interval / 2 is a good value). */
  readonly pollMs: number;
  /** Runs `ip` in the gateway's network namespace. */
  readonly run: CommandRunner;
  readonly log: Logger;
  /** Called after each prune (tests, metrics). */
  readonly onPrune?: (lost: ReadonlyMap<4 | 6, ReadonlySet<string>>, result: PruneResult) => void;
  /**
   * Called after every poll that read BIRD with the Full adjacencies
   * (`family:interface`, {@link fullAdjacencies}); the early routes follow
   * them. Not called while BIRD cannot be read.
   */
  readonly onAdjacencies?: (full: ReadonlySet<string>) => void;
  /** Default {@link DOWN_WATCH_MS} (tests shorten it). */
  readonly downWatchMs?: number;
}

/** Polls BIRD's OSPF neighbours and prunes the next hops of links that lost theirs; see the module doc. */
export class FastReroute {
  readonly #o: FastRerouteOptions;
  #timer: NodeJS.Timeout | undefined;
  #resync: NodeJS.Timeout | undefined;
  #control: BirdControl | undefined;
  #full: Set<string> | undefined;
  #stopped = false;
  #busy = false;
  /** `family:interface` of links that lost their adjacency → until when routes through them are pruned again. */
  readonly #down = new Map<string, number>();
  readonly #reprune = new CoalescedRun(
    () => this.#repruneOnce(),
    () => !this.#stopped,
  );

  constructor(options: FastRerouteOptions) {
    this.#o = options;
  }

  /** Start polling (idempotent). */
  start(): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = setInterval(() => void this.#poll(), this.#o.pollMs);
    this.#timer.unref();
  }

  /** Stop polling and close the control connection. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#resync) clearTimeout(this.#resync);
    this.#timer = undefined;
    this.#resync = undefined;
    this.#control?.close();
    this.#control = undefined;
  }

  /**
   * A kernel route changed: take out again any next hop that a link route
   * has through a link that lost its adjacency less than
   * {@link DOWN_WATCH_MS} ago (see the module doc). Nothing is read when no
   * link went down lately. Never throws.
   */
  routesChanged(): Promise<void> {
    if (this.#stopped || this.#down.size === 0) return Promise.resolve();
    return this.#reprune.run();
  }

  async #repruneOnce(): Promise<void> {
    const now = Date.now();
    for (const [key, until] of this.#down) if (until <= now) this.#down.delete(key);
    // The same `family:interface` keys as the polls: grouped per family the same way.
    const lost = lostAdjacencies(new Set(this.#down.keys()), new Set());
    if (lost.size === 0 || this.#stopped) return;
    try {
      const result = await this.#prune(lost);
      if (result.edits === 0 && result.failed.length === 0) return;
      this.#report(lost, result, 'fast reroute: pruned next hops put back through links still down');
    } catch (e) {
      this.#o.log.warn({ err: e }, 'fast reroute: re-prune failed; BIRD drops the dead next hops itself');
    }
  }

  async #prune(lost: ReadonlyMap<4 | 6, ReadonlySet<string>>): Promise<PruneResult> {
    const results = await Promise.all(
      [...lost].map(([family, ifs]) => pruneNexthops(this.#o.run, ifs, [family])),
    );
    return {
      edits: results.reduce((n, r) => n + r.edits, 0),
      failed: results.flatMap((r) => r.failed),
    };
  }

  #report(lost: ReadonlyMap<4 | 6, ReadonlySet<string>>, result: PruneResult, msg: string): void {
    const interfaces = Object.fromEntries([...lost].map(([f, s]) => [`ipv${f}`, [...s]]));
    if (result.failed.length > 0) {
      this.#o.log.warn({ interfaces, failed: result.failed }, 'fast reroute: some next hops not pruned');
    } else {
      this.#o.log.info({ interfaces, routes: result.edits }, msg);
    }
    this.#o.onPrune?.(lost, result);
  }

  /** Re-feed BIRD's kernel protocols once, {@link RESYNC_DELAY_MS} after the last prune. */
  #scheduleResync(): void {
    if (this.#resync) clearTimeout(this.#resync);
    this.#resync = setTimeout(() => {
      this.#resync = undefined;
      if (this.#stopped) return;
      // Equivalent to: `birdc reload out wg_gateway_kernel4` (and 6).
      const control = this.#control;
      if (!control) return;
      void Promise.all(GATEWAY_KERNEL_PROTOCOLS.map((p) => control.request(`reload out ${p}`)))
        .catch((e) =>
          this.#o.log.warn(
            { err: e },
            'fast reroute: kernel routes not re-fed; BIRD fixes them at its next scan',
          ),
        )
        // The re-feed puts back what BIRD holds, dead next hops included.
        .then(() => this.routesChanged());
    }, RESYNC_DELAY_MS);
    this.#resync.unref();
  }

  async #poll(): Promise<void> {
    // One poll at a time: a slow BIRD or `ip` must not pile polls up.
    if (this.#busy || this.#stopped) return;
    this.#busy = true;
    try {
      this.#control ??= await BirdControl.connect(this.#o.socketPath, { timeoutMs: 2000 });
      const now = fullAdjacencies(await this.#control.ospfNeighbors());
      const before = this.#full;
      this.#full = now;
      this.#o.onAdjacencies?.(now);
      for (const key of now) this.#down.delete(key);
      // A prune whose re-feed never ran (this process was killed within
      // RESYNC_DELAY_MS of it, or BIRD restarted) leaves next hops missing
      // that BIRD believes installed: re-feed once at the start and whenever
      // an adjacency comes back (rare events; `reload out` is idempotent).
      if (!before || [...now].some((k) => !before.has(k))) this.#scheduleResync();
      if (!before) return;
      const lost = lostAdjacencies(before, now);
      if (lost.size === 0) return;
      const until = Date.now() + (this.#o.downWatchMs ?? DOWN_WATCH_MS);
      for (const [family, ifs] of lost) for (const i of ifs) this.#down.set(`${family}:${i}`, until);
      this.#report(lost, await this.#prune(lost), 'fast reroute: pruned next hops of links that lost OSPF');
      this.#scheduleResync();
    } catch (e) {
      // BIRD restarting or not started yet: drop the connection, and forget
      // the old adjacencies (a restarted BIRD starts with none).
      this.#o.log.debug({ err: e }, 'fast reroute: BIRD not readable');
      this.#control?.close();
      this.#control = undefined;
      this.#full = undefined;
      // A restarted BIRD re-learns everything; its first routes are its own.
      this.#down.clear();
    } finally {
      this.#busy = false;
    }
  }
}
