/**
 * What each unit of a lab looks like now, read from inside its namespace:
 * WireGuard interfaces (name, MTU, handshake), the kernel routes the links
 * carry (BIRD's, or the gateway's early route while one wins) with their next
 * hops, VRRP states, the gateway's last report. Never reads private keys.
 * @module
 */
import type { Problem } from '@wg-gateway/core';
import { EARLY_ROUTE_PROTOCOL, readVrrpStates, type VrrpState } from '@wg-gateway/runtime';
import { cliCommand, type Lab } from './lab.js';
import type { SitePlan, TopologyPlan, UnitPlan } from './topology.js';

/** One WireGuard interface of a unit. */
export interface InterfaceStatus {
  readonly name: string;
  readonly mtu: number | undefined;
  readonly listenPort: number | undefined;
  /** Unix seconds of the latest handshake; 0 = none yet. */
  readonly handshake: number;
}

/** The kernel route used for one remote prefix. */
export interface RouteStatus {
  readonly prefix: string;
  /** Next-hop devices (one per ECMP path). */
  readonly nexthops: readonly string[];
  /** `bird`, or `early`: the gateway's route for a link that came up before BIRD computed it. */
  readonly source: 'bird' | 'early';
}

/** Everything about one unit. */
export interface UnitStatus {
  readonly unit: string;
  readonly site: string;
  readonly running: boolean;
  readonly interfaces: readonly InterfaceStatus[];
  readonly routes: readonly RouteStatus[];
  readonly vrrp: readonly VrrpState[];
  /** Interfaces expected from the topology. */
  readonly expectedInterfaces: number;
  /** Remote prefixes still missing or with fewer next hops than expected. */
  readonly missing: readonly string[];
}

interface IpRoute {
  dst: string;
  protocol?: string;
  metric?: number;
  dev?: string;
  nexthops?: { dev?: string }[];
}

/**
 * The route the kernel uses for each destination among BIRD's and the early
 * routes (the lowest metric), from `ip -j -4 route show` and `-6` output.
 */
export function linkRoutes(...outputs: readonly string[]): RouteStatus[] {
  const best = new Map<string, IpRoute>();
  for (const text of outputs) {
    let all: IpRoute[];
    try {
      all = JSON.parse(text.trim() || '[]') as IpRoute[];
    } catch {
      continue;
    }
    for (const r of all) {
      if (r.protocol !== 'bird' && r.protocol !== EARLY_ROUTE_PROTOCOL) continue;
      const held = best.get(r.dst);
      if (!held || (r.metric ?? 0) < (held.metric ?? 0)) best.set(r.dst, r);
    }
  }
  return [...best.values()].map((r) => ({
    prefix: r.dst,
    nexthops: r.nexthops ? r.nexthops.map((n) => n.dev ?? '?') : r.dev ? [r.dev] : [],
    source: r.protocol === EARLY_ROUTE_PROTOCOL ? 'early' : 'bird',
  }));
}

/** Whether `routes` hold every wanted prefix with at least its number of next hops. */
export function missingRoutes(want: ReadonlyMap<string, number>, routes: readonly RouteStatus[]): string[] {
  return [...want]
    .filter(([prefix, n]) => !routes.some((r) => sameDst(r.prefix, prefix) && r.nexthops.length >= n))
    .map(([prefix]) => prefix);
}
interface IpLink {
  ifname: string;
  mtu?: number;
}

/** Sites `site` peers with directly. */
export function directPeers(plan: TopologyPlan, site: string): SitePlan[] {
  return plan.peerings
    .filter((p) => p.initiator === site || p.acceptor === site)
    .map((p) => (p.initiator === site ? p.acceptor : p.initiator))
    .map((name) => plan.sites.find((s) => s.name === name))
    .filter((s): s is SitePlan => s !== undefined);
}

/** What a converged unit of `site` has: its interface count and, per remote prefix, its ECMP path count. */
export function expectedOfSite(
  plan: TopologyPlan,
  site: SitePlan,
): { interfaces: number; routes: Map<string, number> } {
  let interfaces = 0;
  const routes = new Map<string, number>();
  for (const remote of directPeers(plan, site.name)) {
    const tunnels = Math.min(site.tunnels, remote.tunnels);
    interfaces += remote.units.length * tunnels;
    for (const p of remote.prefixes) routes.set(p, remote.units.length * tunnels);
  }
  return { interfaces, routes };
}

/** ` (N early)` when early routes stand in for BIRD's. */
const early = (s: UnitStatus): string => {
  const n = s.routes.filter((r) => r.source === 'early').length;
  return n > 0 ? ` (${n} early)` : '';
};

/** Canonical text of a route destination as `ip -j` prints it (`3fff::/20`, `192.0.2.0/24`). */
export function sameDst(dst: string, prefix: string): boolean {
  return dst === prefix || (!dst.includes('/') && `${dst}/${dst.includes(':') ? 128 : 32}` === prefix);
}

async function json<T>(lab: Lab, unit: string, argv: string[]): Promise<T[]> {
  const r = await lab.ns(unit).tryExec(argv, 10_000);
  if (!r.ok || r.stdout.trim() === '') return [];
  return JSON.parse(r.stdout) as T[];
}

/** Read one unit's status. */
export async function unitStatus(lab: Lab, site: SitePlan, unit: UnitPlan): Promise<UnitStatus> {
  const ns = lab.ns(unit.name);
  const want = expectedOfSite(lab.plan, site);
  const [hs, ports, links, r4, r6, vrrp, pid] = await Promise.all([
    ns.tryExec(['wg', 'show', 'all', 'latest-handshakes'], 10_000),
    ns.tryExec(['wg', 'show', 'all', 'listen-port'], 10_000),
    json<IpLink>(lab, unit.name, ['ip', '-j', 'link', 'show']),
    ns.tryExec(['ip', '-j', '-4', 'route', 'show'], 10_000),
    ns.tryExec(['ip', '-j', '-6', 'route', 'show'], 10_000),
    readVrrpStates(lab.paths(unit.name).keepalivedRun).catch(() => [] as VrrpState[]),
    lab.driverPid(unit.name),
  ]);
  const handshakes = new Map<string, number>();
  for (const line of hs.stdout.split('\n')) {
    const [name, , ts] = line.split('\t');
    if (name && ts !== undefined) handshakes.set(name, Math.max(handshakes.get(name) ?? 0, Number(ts)));
  }
  const listen = new Map<string, number>();
  for (const line of ports.stdout.split('\n')) {
    const [name, port] = line.split('\t');
    if (name && port) listen.set(name, Number(port));
  }
  const names = [...new Set([...handshakes.keys(), ...listen.keys()])].sort();
  const interfaces = names.map((name) => ({
    name,
    mtu: links.find((l) => l.ifname === name)?.mtu,
    listenPort: listen.get(name),
    handshake: handshakes.get(name) ?? 0,
  }));
  const routes = linkRoutes(r4.stdout, r6.stdout);
  const missing = missingRoutes(want.routes, routes);
  return {
    unit: unit.name,
    site: site.name,
    running: pid !== undefined,
    interfaces,
    routes,
    vrrp,
    expectedInterfaces: want.interfaces,
    missing,
  };
}

/** Status of every unit. */
export async function labStatus(lab: Lab): Promise<UnitStatus[]> {
  const out: UnitStatus[] = [];
  for (const site of lab.plan.sites) {
    out.push(...(await Promise.all(site.units.map((u) => unitStatus(lab, site, u)))));
  }
  return out;
}

/** Whether a unit looks converged: expected links all handshaked, every remote prefix with full ECMP. */
export function isConverged(s: UnitStatus): boolean {
  return (
    s.running &&
    s.interfaces.length === s.expectedInterfaces &&
    s.interfaces.every((i) => i.handshake > 0) &&
    s.missing.length === 0
  );
}

/** One line per unit for humans. */
export function formatStatus(statuses: readonly UnitStatus[]): string {
  return statuses
    .map((s) => {
      const up = s.interfaces.filter((i) => i.handshake > 0).length;
      const mtus = [...new Set(s.interfaces.map((i) => i.mtu))].join('/');
      const vrrp =
        s.vrrp
          .filter((v) => v.kind === 'INSTANCE')
          .map((v) => v.state)
          .join(',') || '-';
      return `  ${s.unit.padEnd(6)} ${s.running ? 'running' : 'STOPPED'}  links ${up}/${s.interfaces.length} (want ${s.expectedInterfaces}) mtu ${mtus || '-'}  routes ${s.routes.length}${early(s)}${s.missing.length ? ` missing ${s.missing.join(' ')}` : ''}  vrrp ${vrrp}`;
    })
    .join('\n');
}

/** The problems a unit reports now: what `wg-gateway --config FILE status --json` says. */
export async function unitProblems(lab: Lab, unit: string): Promise<readonly Problem[] | undefined> {
  const r = await lab.ns(unit).tryExec([...cliCommand(lab.paths(unit).config), 'status', '--json'], 30_000);
  if (!r.ok) return undefined;
  return (JSON.parse(r.stdout) as { problems?: Problem[] }).problems;
}

/**
 * Which units hold each VIP of `site` on their LAN interface (the VRRP
 * master's doing). Equivalent to: `ip -o addr show dev lan0` on each unit.
 */
export async function vipHolders(
  lab: Lab,
  site: SitePlan,
  except: readonly string[] = [],
): Promise<Map<string, string[]>> {
  const holders = new Map<string, string[]>(site.vips.map((v) => [v.split('/')[0] ?? v, []]));
  for (const unit of site.units) {
    if (except.includes(unit.name)) continue;
    const r = await lab.ns(unit.name).tryExec(['ip', '-o', 'addr', 'show', 'dev', 'lan0'], 10_000);
    for (const [vip, list] of holders) if (r.stdout.includes(` ${vip}/`)) list.push(unit.name);
  }
  return holders;
}
