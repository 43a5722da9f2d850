/**
 * `facts()` through `ip -j`: path MTU from `ip -j route get` (cached), the
 * interface of a VIP from the subnets of `ip -j addr`, router id from `ip -j addr`.
 * @module
 */
import {
  type FactsQuery,
  type HeldAddress,
  HostAnswerCache,
  type HostFacts,
  interfaceOnSubnet,
  isManaged,
} from '@wg-gateway/core';
import type { CommandRunner } from './command-runner.js';
import { type IpAddrLink, type IpLink, parseIpAddrs, parseIpLinks } from './observe-parsers.js';

/** One route of `ip -j route get`. */
interface RouteGet {
  /** `local` when the host holds the address (then `dev` is `lo`). */
  readonly type?: string;
  readonly dev?: string;
  readonly metrics?: readonly { readonly mtu?: number }[];
  readonly mtu?: number;
}

const isGlobal4 = (a: { family: string; local: string; scope?: string }): boolean =>
  a.family === 'inet' &&
  a.scope === 'global' &&
  !a.local.startsWith('127.') &&
  !a.local.startsWith('169.254.');

/** The first global IPv4 address, by interface index: a stable router id. */
export function routerIdOf(links: readonly IpAddrLink[]): string | undefined {
  for (const l of [...links].sort((a, b) => a.ifindex - b.ifindex)) {
    const a = (l.addr_info ?? []).find(isGlobal4);
    if (a) return a.local;
  }
  return undefined;
}

/** The MTU of a route: its own (`mtu` metric or cached PMTU) else its device's. */
export function routeMtu(route: RouteGet | undefined, links: readonly IpAddrLink[]): number | undefined {
  const own = route?.metrics?.find((m) => typeof m.mtu === 'number')?.mtu ?? route?.mtu;
  if (typeof own === 'number') return own;
  return links.find((l) => l.ifname === route?.dev)?.mtu;
}

/** How long observe's dumps stand in for facts' own. */
const SNAPSHOT_MS = 2000;

/** `ip -j link` and `ip -j addr` as observe read them. */
export interface IpSnapshot {
  readonly links: readonly IpLink[];
  readonly addrs: readonly IpAddrLink[];
}

/** What the cached route answers depend on: links, their MTU and state, and every address. */
function fingerprintOf(s: IpSnapshot): string {
  return JSON.stringify([
    s.links.map((l) => [l.ifindex, l.ifname, l.mtu, l.flags?.includes('UP')]),
    s.addrs.map((l) => [l.ifname, (l.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`)]),
  ]);
}

/**
 * Gathers host facts through `ip -j`, reusing the link and address dumps
 * observe just took and caching `ip route get` answers until a link, MTU or
 * address changes, or for `ttlMs` (a route change alone is seen then).
 */
export class HostFactsReader {
  readonly #runner: CommandRunner;
  readonly #now: () => number;
  readonly #routes: HostAnswerCache<RouteGet>;
  #snapshot: { readonly at: number; readonly dumps: IpSnapshot } | undefined;

  constructor(runner: CommandRunner, options: { now?: () => number; ttlMs?: number } = {}) {
    this.#runner = runner;
    this.#now = options.now ?? (() => performance.now());
    this.#routes = new HostAnswerCache(options.ttlMs);
  }

  /** Hand over the dumps observe took; the next {@link gather} uses them instead of running `ip` again. */
  remember(snapshot: IpSnapshot): void {
    this.#snapshot = { at: this.#now(), dumps: snapshot };
  }

  /** Drop the dumps observe handed over (an apply is changing links). */
  forget(): void {
    this.#snapshot = undefined;
  }

  /** Forget cached route answers. */
  invalidate(): void {
    this.#routes.invalidate();
  }

  /**
   * Gather host facts. Commands: `ip -j addr` and `ip -j link` unless
   * observe just ran them, and `ip -j route get ADDR` per address not
   * answered from the cache. An address that has no route is left out.
   */
  async gather(q: FactsQuery): Promise<HostFacts> {
    const handed = this.#snapshot;
    this.#snapshot = undefined;
    // Only the dumps of an observe just before (the same reconcile) stand in for new ones.
    const snapshot =
      handed !== undefined && this.#now() - handed.at < SNAPSHOT_MS ? handed.dumps : await this.#dump();
    this.#routes.refresh(fingerprintOf(snapshot), this.#now());
    const { addrs } = snapshot;
    const existing = snapshot.links
      .filter((l) => isManaged(l.ifname, l.ifalias))
      .map((l) => l.ifname)
      .sort();
    const held: HeldAddress[] = addrs.flatMap((l) =>
      (l.addr_info ?? []).map((a) => ({ ifname: l.ifname, address: a.local, prefixLength: a.prefixlen })),
    );
    const interfaceOf: Record<string, string> = {};
    for (const addr of q.interfaceOf) {
      const dev =
        interfaceOnSubnet(addr, held) ?? held.find((h) => h.address === addr && h.ifname !== 'lo')?.ifname;
      if (dev !== undefined) interfaceOf[addr] = dev;
    }
    const wanted = [
      ...new Set([...q.pathMtuTo, ...q.interfaceOf.filter((a) => interfaceOf[a] === undefined)]),
    ];
    await Promise.all(wanted.map((addr) => this.#route(addr)));
    const pathMtu: Record<string, number> = {};
    for (const addr of q.pathMtuTo) {
      const route = this.#routes.get(addr);
      const mtu = route ? routeMtu(route, addrs) : undefined;
      if (mtu !== undefined) pathMtu[addr] = mtu;
    }
    for (const addr of q.interfaceOf) {
      const route = this.#routes.get(addr);
      // A local route (`dev lo`) says the host holds the address, not where it belongs.
      if (
        interfaceOf[addr] === undefined &&
        route?.dev !== undefined &&
        route.dev !== 'lo' &&
        route.type !== 'local'
      )
        interfaceOf[addr] = route.dev;
    }
    const routerId = q.routerId ? routerIdOf(addrs) : undefined;
    return {
      ...(routerId === undefined ? {} : { routerId }),
      pathMtu,
      interfaceOf,
      existingInterfaces: existing,
    };
  }

  async #dump(): Promise<IpSnapshot> {
    const [addrOut, linkOut] = await Promise.all([
      this.#runner.run(['ip', '-j', 'addr']),
      this.#runner.run(['ip', '-j', 'link']),
    ]);
    return { links: parseIpLinks(linkOut.stdout), addrs: parseIpAddrs(addrOut.stdout) };
  }

  async #route(addr: string): Promise<void> {
    if (this.#routes.get(addr) !== undefined) return;
    try {
      const { stdout } = await this.#runner.run(['ip', '-j', 'route', 'get', addr]);
      this.#routes.set(addr, (JSON.parse(stdout) as RouteGet[])[0] ?? null);
    } catch {
      // unreachable: no fact for this address (asked again after the next change)
      this.#routes.set(addr, null);
    }
  }
}
