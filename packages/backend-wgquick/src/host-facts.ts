/**
 * `facts()` through `ip -j`: path MTU and the interface towards an address
 * from `ip -j route get`, router id from `ip -j addr`.
 * @module
 */
import { type FactsQuery, type HostFacts, isManaged } from '@wg-gateway/core';
import type { CommandRunner } from './command-runner.js';
import { type IpAddrLink, parseIpAddrs, parseIpLinks } from './observe-parsers.js';

/** One route of `ip -j route get`. */
interface RouteGet {
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

/**
 * Gather host facts. Commands: `ip -j addr`, `ip -j link` (for the list of
 * this gateway's interfaces) and one `ip -j route get ADDR` per distinct
 * address asked about. An address that has no route is left out.
 */
export async function gatherFacts(runner: CommandRunner, q: FactsQuery): Promise<HostFacts> {
  const [addrOut, linkOut] = await Promise.all([
    runner.run(['ip', '-j', 'addr']),
    runner.run(['ip', '-j', 'link']),
  ]);
  const addrs = parseIpAddrs(addrOut.stdout);
  const existing = parseIpLinks(linkOut.stdout)
    .filter((l) => isManaged(l.ifname, l.ifalias))
    .map((l) => l.ifname)
    .sort();
  const holder = new Map<string, string>();
  for (const l of addrs) for (const a of l.addr_info ?? []) holder.set(a.local, l.ifname);

  const wanted = [...new Set([...q.pathMtuTo, ...q.interfaceOf.filter((a) => !holder.has(a))])];
  const routes = new Map<string, RouteGet>();
  await Promise.all(
    wanted.map(async (addr) => {
      try {
        const { stdout } = await runner.run(['ip', '-j', 'route', 'get', addr]);
        const r = (JSON.parse(stdout) as RouteGet[])[0];
        if (r) routes.set(addr, r);
      } catch {
        // unreachable: no fact for this address
      }
    }),
  );
  const pathMtu: Record<string, number> = {};
  for (const addr of q.pathMtuTo) {
    const mtu = routes.has(addr) ? routeMtu(routes.get(addr), addrs) : undefined;
    if (mtu !== undefined) pathMtu[addr] = mtu;
  }
  const interfaceOf: Record<string, string> = {};
  for (const addr of q.interfaceOf) {
    const dev = holder.get(addr) ?? routes.get(addr)?.dev;
    if (dev !== undefined) interfaceOf[addr] = dev;
  }
  const routerId = q.routerId ? routerIdOf(addrs) : undefined;
  return {
    ...(routerId === undefined ? {} : { routerId }),
    pathMtu,
    interfaceOf,
    existingInterfaces: existing,
  };
}
