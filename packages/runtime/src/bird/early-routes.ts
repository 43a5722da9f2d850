/**
 * Early routes: a link that has just come up carries traffic the moment its
 * OSPF adjacency is Full, not when BIRD's route calculation gets there.
 *
 * Between Full and BIRD's kernel route through a new link, BIRD 2 waits
 * whole seconds on fixed timers: its router LSA with the new link is
 * originated at the next `tick` (≤ 1 s) but at most once per MinLSInterval
 * (5 s), the receiver drops a copy arriving within MinLSArrival (1 s) of
 * the one it installed at Full, which then waits for `retransmit` (2 s), and
 * the routes follow at another tick. A new peering took 4.5–6.5 s from its
 * interfaces to full ECMP (docs/benchmarks.md). What OSPF will compute is
 * known earlier: every link costs the same, so a remote unit's own prefixes
 * are best reached over the direct links to it, and a Full adjacency proves
 * the tunnel carries packets both ways.
 *
 * So, while a link is *fresh* (Full in a family for less than
 * {@link EARLY_WINDOW_MS}) and BIRD's kernel route for one of its remote
 * unit's prefixes (as the import policy accepts them: core's
 * `linkNexthops`) does not use it yet, the runtime installs its own route
 * for that prefix: `proto 57`, metric {@link EARLY_ROUTE_METRIC} (preferred
 * over BIRD's 32), through the direct links that are Full and either fresh
 * or in BIRD's route. The same route stands in while BIRD's route still
 * holds a link whose adjacency is gone: BIRD's SPF runs on LSAs that
 * MinLSInterval can keep stale for seconds, and then re-adds a link that
 * fast reroute has just pruned. As soon as BIRD's route has exactly those
 * links, the early route is deleted and BIRD's takes over (no gap: the
 * kernel falls back to it).
 *
 * Routes are compared with BIRD's on every adjacency change (a lost link
 * leaves an early route at the same poll as fast reroute's prune), then
 * every {@link EARLY_RECHECK_MS} for {@link EARLY_GUARD_MS} after it and
 * while an early route exists; they are deleted when the window ends and
 * when the process stops (a config reload hands them to the next cycle),
 * so OSPF's view wins
 * within seconds. Nothing here adds a path OSPF would not: only direct
 * links, only the remote unit's accepted prefixes (already its AllowedIPs),
 * only while Full. A steady gateway runs none of it.
 * @module
 */
import { canonicalCidr, type LinkNexthop } from '@wg-gateway/core';
import type { Logger } from '../log.js';
import { CoalescedRun } from '../system/coalesced-run.js';
import type { CommandRunner } from '../system/command.js';
import {
  EARLY_ROUTE_PROTOCOL,
  type KernelNexthop,
  type KernelRoute,
  kernelRoutesOf,
  LINK_ROUTE_PROTOCOLS,
  nexthopsOf,
  type RouteEdit,
  routeEditArgv,
} from '../system/nexthop-prune.js';

/** Metric of the early routes: below BIRD's kernel metric (32), so they win while they exist. */
export const EARLY_ROUTE_METRIC = 31;

/**
 * How long after its adjacency reached Full a link may be used ahead of
 * BIRD. BIRD converges in 4–10 s (the reference's timers, 5 s retransmit:
 * ~12 s); past this, only BIRD's routes count.
 */
export const EARLY_WINDOW_MS = 15_000;

/** How often routes are compared with BIRD's again while an early route exists or after a change. */
export const EARLY_RECHECK_MS = 250;

/**
 * How long after an adjacency change BIRD's routes are watched: its SPF on
 * LSAs held back by MinLSInterval (5 s) plus two `tick`s.
 */
export const EARLY_GUARD_MS = 8000;

/** What {@link earlyRouteEdits} compares, for one family. */
export interface EarlyRouteInput {
  readonly family: 4 | 6;
  readonly links: readonly LinkNexthop[];
  /** Link interfaces whose adjacency of this family is Full now. */
  readonly full: ReadonlySet<string>;
  /** Of those, the ones Full for less than the window. */
  readonly fresh: ReadonlySet<string>;
  /** The family's kernel routes of BIRD and the early routes ({@link LINK_ROUTE_PROTOCOLS}). */
  readonly routes: readonly KernelRoute[];
}

/** `ip -j` prints a host route without its length. */
function dstOf(route: KernelRoute, family: 4 | 6): string {
  const text = route.dst.includes('/') ? route.dst : `${route.dst}/${family === 4 ? 32 : 128}`;
  try {
    return canonicalCidr(text);
  } catch {
    return text;
  }
}

const sameHops = (a: readonly KernelNexthop[], b: readonly KernelNexthop[]): boolean =>
  a.length === b.length && a.every((n) => b.some((m) => m.dev === n.dev && m.gateway === n.gateway));

/** What {@link earlyRouteEdits} asks for. */
export interface EarlyRoutePlan {
  readonly edits: readonly RouteEdit[];
  /** Early routes in the kernel once the edits are made. */
  readonly routes: number;
}

/**
 * The edits that make one family's early routes what the module doc says:
 * a route per accepted prefix whose BIRD route misses a fresh Full link or
 * holds a link that is not Full (while some link is), none elsewhere.
 */
export function earlyRouteEdits(input: EarlyRouteInput): EarlyRoutePlan {
  const { family, full, fresh } = input;
  const owners = new Map<string, LinkNexthop[]>();
  for (const link of input.links)
    for (const prefix of link.prefixes[family]) owners.set(prefix, [...(owners.get(prefix) ?? []), link]);
  const bird = new Map<string, KernelRoute>();
  const early = new Map<string, KernelRoute>();
  for (const route of input.routes) {
    const into = route.protocol === EARLY_ROUTE_PROTOCOL ? early : bird;
    if (!into.has(dstOf(route, family))) into.set(dstOf(route, family), route);
  }
  const edits: RouteEdit[] = [];
  let routes = 0;
  for (const [prefix, links] of owners) {
    const birdRoute = bird.get(prefix);
    const birdDevs = new Set(birdRoute ? nexthopsOf(birdRoute).map((n) => n.dev) : []);
    // Direct links only (they are OSPF's best paths to the unit's own
    // prefixes), each Full, and either fresh or already BIRD's next hop.
    const hops = links.filter(
      (l) => full.has(l.interface) && (fresh.has(l.interface) || birdDevs.has(l.interface)),
    );
    // BIRD's route is right when it has exactly those: it may lack a fresh
    // link, or still hold one whose adjacency is gone (an SPF on LSAs that
    // MinLSInterval keeps stale re-adds a link fast reroute just pruned).
    const right = hops.length === birdDevs.size && hops.every((l) => birdDevs.has(l.interface));
    const want: KernelNexthop[] = right
      ? []
      : hops.map((l) => ({ dev: l.interface, gateway: l.gateway[family] }));
    const current = early.get(prefix);
    if (want.length > 0) routes += 1;
    if (want.length === 0) {
      if (current) edits.push({ kind: 'delete', family, route: current });
    } else if (!current || !sameHops(nexthopsOf(current), want)) {
      const route: KernelRoute = { dst: prefix, protocol: EARLY_ROUTE_PROTOCOL, metric: EARLY_ROUTE_METRIC };
      edits.push({ kind: 'replace', family, route, nexthops: want });
    }
  }
  for (const [dst, route] of early) if (!owners.has(dst)) edits.push({ kind: 'delete', family, route });
  return { edits, routes };
}

/** Options of {@link EarlyRoutes}. */
export interface EarlyRoutesOptions {
  /** Runs `ip` in the gateway's network namespace. */
  readonly run: CommandRunner;
  readonly log: Logger;
  /**
   * The links of the config BIRD runs now (the BIRD adapter's last render);
   * undefined before the first render, when nothing is touched (early routes
   * handed over by a config reload stay until the links are known).
   */
  readonly links: () => readonly LinkNexthop[] | undefined;
  readonly now?: () => number;
  readonly windowMs?: number;
  readonly recheckMs?: number;
  readonly guardMs?: number;
  /** Called after every update that edited a route, with the early routes left (metrics). */
  readonly onChange?: (installed: number) => void;
}

/** Installs and withdraws the early routes; fed by fast reroute's neighbour polls (see the module doc). */
export class EarlyRoutes {
  readonly #o: EarlyRoutesOptions;
  /** `family:interface` → when its adjacency was first seen Full (this process). */
  readonly #since = new Map<string, number>();
  #full: ReadonlySet<string> = new Set();
  #installed = 0;
  /** Compare again until then (an adjacency changed). */
  #watchUntil = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #sync = new CoalescedRun(
    () => this.#syncOnce(),
    () => !this.#stopped,
  );
  #stopped = false;

  constructor(options: EarlyRoutesOptions) {
    this.#o = options;
  }

  /** Early routes in the kernel after the last update. */
  get installed(): number {
    return this.#installed;
  }

  /**
   * The Full adjacencies (`family:interface`) of a neighbour poll. None
   * come while BIRD cannot be read (restarting): the last known ones stand
   * and the windows run on, so an early route neither outlives its window
   * nor leaves a gap that BIRD's kernel routes, kept across its restart,
   * would not cover.
   */
  observe(full: ReadonlySet<string>): void {
    if (this.#stopped) return;
    const now = this.#now();
    let changed = false;
    for (const key of full) {
      if (this.#since.has(key)) continue;
      this.#since.set(key, now);
      changed = true;
    }
    for (const key of [...this.#since.keys()]) {
      if (full.has(key)) continue;
      this.#since.delete(key);
      changed = true;
    }
    this.#full = full;
    if (!changed) return;
    this.#watchUntil = now + (this.#o.guardMs ?? EARLY_GUARD_MS);
    this.#update();
  }

  /**
   * Stop, and delete every early route (BIRD's routes stay). With
   * `withdraw: false` (a config reload: the next instance takes them over
   * at its first poll) they stay, so a reload in the seconds before BIRD's
   * routes exist cuts no traffic.
   */
  async stop(options: { readonly withdraw?: boolean } = {}): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#sync.idle();
    if (options.withdraw === false) return;
    this.#full = new Set();
    this.#since.clear();
    await this.#syncOnce();
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }

  #update(): void {
    void this.#sync.run();
  }

  /** One comparison of both families with BIRD's routes, and the edits it asks for. */
  async #syncOnce(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const now = this.#now();
    const window = this.#o.windowMs ?? EARLY_WINDOW_MS;
    // Stopping withdraws them all, links known or not.
    const links = this.#stopped ? [] : this.#o.links();
    if (links === undefined) {
      if (!this.#stopped) {
        this.#timer = setTimeout(() => this.#update(), this.#o.recheckMs ?? EARLY_RECHECK_MS);
        this.#timer.unref();
      }
      return;
    }
    let installed = 0;
    let edited = 0;
    const failed: string[] = [];
    for (const family of [4, 6] as const) {
      const shown = await kernelRoutesOf(this.#o.run, family, LINK_ROUTE_PROTOCOLS);
      if ('failed' in shown) {
        failed.push(`${shown.failed.argv.join(' ')}: ${shown.failed.stderr}`);
        continue;
      }
      const full = new Set<string>();
      const fresh = new Set<string>();
      for (const key of this.#full) {
        const [f, name = ''] = key.split(/:(.*)/s);
        if (f !== String(family)) continue;
        full.add(name);
        if (now - (this.#since.get(key) ?? now) < window) fresh.add(name);
      }
      const plan = earlyRouteEdits({ family, links, full, fresh, routes: shown.routes });
      installed += plan.routes;
      for (const edit of plan.edits) {
        const argv = routeEditArgv(edit);
        const r = await this.#o.run(argv);
        if (r.code === 0) edited += 1;
        else failed.push(`${argv.join(' ')}: ${r.stderr.trim() || 'failed'}`);
      }
    }
    const had = this.#installed;
    this.#installed = installed;
    if (failed.length > 0) this.#o.log.warn({ failed }, 'early routes: not all edits made');
    if (edited > 0) {
      this.#o.onChange?.(installed);
      this.#o.log.info(
        { routes: installed, before: had },
        installed > 0
          ? 'early routes: new links carry traffic ahead of BIRD'
          : "early routes: withdrawn, BIRD's routes carry every link",
      );
    }
    // Compare again while any is installed (BIRD catching up, the window
    // ending) and for a while after a change (BIRD re-adding a lost link);
    // a steady gateway runs nothing.
    if ((installed > 0 || now < this.#watchUntil || (failed.length > 0 && had > 0)) && !this.#stopped) {
      this.#timer = setTimeout(() => this.#update(), this.#o.recheckMs ?? EARLY_RECHECK_MS);
      this.#timer.unref();
    }
  }
}
