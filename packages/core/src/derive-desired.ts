/**
 * From the unit's links and config to the desired system state (DESIGN.md
 * "Desired system state derived from it").
 * @module
 */
import type { GroupConfig, PeeringRole } from './config.js';
import type {
  BirdModel,
  DesiredInterface,
  DesiredSystem,
  KeepalivedModel,
  LinkImport,
  TrackScript,
  VrrpInstance,
} from './desired.js';
import type { HostFacts } from './facts.js';
import { isHostname } from './ingress.js';
import type { LinkBook } from './link-book.js';
import { memoize } from './memo.js';
import { negotiateOspfTimers, type OspfTimers, REFERENCE_OSPF_TIMERS } from './ospf-timers.js';
import { PEER_DATA_KEYS } from './peer-data.js';
import { comparePrefixes, contains, overlaps, type Prefix, parsePrefix } from './prefix.js';
import type { Problem } from './problems.js';
import type { LinkRecord } from './state.js';
import { trackScriptGroups, VRRP_BASE_PRIORITY, VRRP_TRACK_WEIGHT } from './vrrp-priority.js';

/** Allowed IPs every link carries besides the peer's prefixes: OSPF multicast and link addresses. */
export const LINK_ALLOWED_IPS = ['224.0.0.0/24', 'ff02::/16', '169.254.0.0/24', 'fe80::/64'] as const;
/** Seconds; both ends keep NAT state alive. */
export const PERSISTENT_KEEPALIVE = 5;
/** BIRD's merged multipath limit. */
export const ECMP_LIMIT = 64;

/** Tunnel addresses by side. */
export function linkAddresses(role: PeeringRole): readonly string[] {
  return role === 'initiator' ? INITIATOR_ADDRESSES : ACCEPTOR_ADDRESSES;
}

// Shared by every link of a side (desired values are never mutated).
const INITIATOR_ADDRESSES: readonly string[] = Object.freeze(['169.254.0.1/24', 'fe80::1/64']);
const ACCEPTOR_ADDRESSES: readonly string[] = Object.freeze(['169.254.0.2/24', 'fe80::2/64']);

/** Interface name of a link. */
export const interfaceName = (port: number): string => `wg${port}`;

const parseAll = (texts: readonly string[]): Prefix[] =>
  texts.flatMap((t) => {
    const p = parsePrefix(t);
    return p.ok ? [p.value] : [];
  });

/** Allowed IPs of a link: the link subnets plus the peer's prefixes, canonical and sorted. */
function allowedIpsOf(peerPrefixes: readonly string[]): string[] {
  const allowed = parseAll([...LINK_ALLOWED_IPS, ...peerPrefixes]).sort(comparePrefixes);
  return [...new Set(allowed.map((p) => p.text))];
}

function toInterface(
  link: LinkRecord,
  role: PeeringRole,
  book: LinkBook,
  accepted: readonly string[],
  allowedIps: (prefixes: readonly string[]) => string[],
): DesiredInterface | undefined {
  const key = book.key(link.publicKey);
  if (!key) return undefined;
  return {
    name: interfaceName(link.port),
    listenPort: link.port,
    privateKey: key.privateKey,
    publicKey: key.publicKey,
    addresses: linkAddresses(role),
    mtu: link.mtu,
    peer: {
      publicKey: link.peerPublicKey,
      // The acceptor is a pure responder: it learns the endpoint from the
      // initiator's handshake, so the two ends never initiate at once.
      ...(role === 'initiator' && link.peerEndpoint !== undefined ? { endpoint: link.peerEndpoint } : {}),
      persistentKeepalive: PERSISTENT_KEEPALIVE,
      allowedIps: allowedIps(accepted),
    },
  };
}

/**
 * The route-import policy of one remote unit's prefixes: a default route or
 * a prefix overlapping one of ours is refused (each refusal reported) unless
 * an `import.allow` entry of the config covers it. What it returns is all a
 * link may carry: its AllowedIPs and its BIRD import filter.
 */
function importPolicy(config: GroupConfig, link: LinkRecord, problems: Problem[]): Prefix[] {
  const accepted: Prefix[] = [];
  for (const p of parseAll(link.peerPrefixes)) {
    const allowed = config.import.allow.some(
      (a) => contains(a.prefix, p) && (a.peering === undefined || a.peering === link.peering),
    );
    const clash = config.advertisePrefixes.find((own) => overlaps(own, p));
    const why = allowed
      ? undefined
      : p.length === 0
        ? `default route ${p.text}`
        : clash
          ? `${p.text} overlaps our ${clash.text}`
          : undefined;
    if (why === undefined) accepted.push(p);
    else {
      problems.push({
        code: 'IMPORT_REFUSED',
        peering: link.peering,
        unit: link.peerUnit,
        message: `peering ${link.peering}: ${why} from ${link.peerUnit} refused by the import policy (allow it under import.allow)`,
        issues: [{ path: PEER_DATA_KEYS.advertisePrefixes, value: p.text, message: why }],
      });
    }
  }
  return accepted.sort(comparePrefixes);
}

function routerIdOf(config: GroupConfig, facts: HostFacts, problems: Problem[]): string {
  if (config.routerId) return config.routerId;
  if (facts.routerId) return facts.routerId;
  if (!config.ingressAddress.includes(':') && !isHostname(config.ingressAddress))
    return config.ingressAddress;
  problems.push({
    code: 'ROUTER_ID_UNKNOWN',
    message: 'no IPv4 router id could be found; set router-id in the config',
  });
  return '0.0.0.1';
}

function keepalivedModel(
  config: GroupConfig,
  facts: HostFacts,
  imported: readonly Prefix[],
  problems: Problem[],
): KeepalivedModel | undefined {
  if (config.vips.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const v of config.vips) {
    const ifname = facts.interfaceOf[v.address];
    if (ifname) counts.set(ifname, (counts.get(ifname) ?? 0) + 1);
  }
  const best = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
  if (!best) {
    problems.push({
      code: 'VIP_INTERFACE_UNKNOWN',
      message: `no local interface holds or routes to the VIPs (${config.vips.map((v) => v.cidr).join(', ')}); Keepalived not configured`,
    });
    return undefined;
  }
  const instances: VrrpInstance[] = config.vips.map((v, i) => ({
    name: `wg_gateway_vip_${i}`,
    interface: best[0],
    virtualRouterId: config.vrrpRouterIdBase + i,
    priority: VRRP_BASE_PRIORITY,
    vip: v.cidr,
    family: v.prefix.family,
  }));
  const scripts: TrackScript[] = trackScriptGroups(imported.map((p) => p.text)).map((prefixes, i) => ({
    name: `wg_gateway_route_${i}`,
    prefixes,
    weight: VRRP_TRACK_WEIGHT,
  }));
  return {
    syncGroup: 'wg_gateway',
    instances,
    scripts,
    checkScript: config.paths.routeCheckScript,
    ...(config.paths.trackFileDir === undefined ? {} : { trackFileDir: config.paths.trackFileDir }),
    intervalSeconds: config.vrrp.trackIntervalSeconds,
    fall: config.vrrp.trackFall,
    rise: config.vrrp.trackRise,
    advertIntervalSeconds: config.vrrp.advertIntervalSeconds,
  };
}

/** Whether a key's links run OSPF: not while a rotation drains it, not once retired. */
function routed(book: LinkBook, publicKey: string): boolean {
  const key = book.key(publicKey);
  return key !== undefined && !key.retired && key.drainingSince === undefined;
}

/**
 * Build the desired system from the book. `peerTimers` gives the OSPF timers
 * a remote unit asks for (absent: none, i.e. the reference's); each link runs
 * what {@link negotiateOspfTimers} makes of them and `config.routing`'s.
 */
export function deriveDesired(
  config: GroupConfig,
  book: LinkBook,
  links: readonly LinkRecord[],
  facts: HostFacts,
  problems: Problem[],
  peerTimers: (peering: string, unit: string) => OspfTimers | undefined = () => undefined,
): DesiredSystem {
  const roles = new Map(config.peerings.map((p) => [p.id, p.role] as const));
  const interfaces: DesiredInterface[] = [];
  // Links to one remote unit share their prefixes: compute each list once.
  const allowedByPrefixes = memoize((joined) => allowedIpsOf(joined === '' ? [] : joined.split(',')));
  const allowedIps = (prefixes: readonly string[]) => allowedByPrefixes(prefixes.join(','));
  // The policy runs once per remote unit (its links carry the same prefixes),
  // so each refusal is reported once.
  const byUnit = new Map<string, { interfaces: string[]; prefixes: Prefix[] }>();
  const timersOf = new Map<string, OspfTimers>();
  const ask: OspfTimers = {
    helloSeconds: config.routing.helloSeconds,
    deadSeconds: config.routing.deadSeconds,
  };
  for (const link of links) {
    if (link.status !== 'open' && link.status !== 'half-closed') continue;
    const unitKey = JSON.stringify([link.peering, link.peerUnit, link.peerPrefixes]);
    let unit = byUnit.get(unitKey);
    if (!unit) {
      unit = { interfaces: [], prefixes: importPolicy(config, link, problems) };
      byUnit.set(unitKey, unit);
    }
    const accepted = unit.prefixes.map((p) => p.text);
    // A link of a removed peering is closed already; fall back for safety.
    const iface = toInterface(link, roles.get(link.peering) ?? 'acceptor', book, accepted, allowedIps);
    if (!iface) {
      problems.push({
        code: 'KEY_MISSING',
        peering: link.peering,
        message: `link ${interfaceName(link.port)} has no key record; it is not configured`,
      });
      continue;
    }
    interfaces.push(iface);
    unit.interfaces.push(iface.name);
    timersOf.set(iface.name, negotiateOspfTimers(ask, peerTimers(link.peering, link.peerUnit)));
  }
  interfaces.sort((a, b) => a.listenPort - b.listenPort);
  const linkImports: LinkImport[] = [...byUnit.values()]
    .filter((u) => u.interfaces.length > 0 && u.prefixes.length > 0)
    .map((u) => ({
      interfaces: u.interfaces.sort(),
      ipv4: u.prefixes.filter((p) => p.family === 4).map((p) => p.text),
      ipv6: u.prefixes.filter((p) => p.family === 6).map((p) => p.text),
    }))
    .sort((a, b) => (a.interfaces[0] ?? '').localeCompare(b.interfaces[0] ?? ''));
  const union = new Map<string, Prefix>();
  for (const u of byUnit.values())
    if (u.interfaces.length > 0) for (const p of u.prefixes) union.set(p.text, p);
  const imported = [...union.values()].sort(comparePrefixes);
  const own = config.advertisePrefixes;
  // A draining or retired key's links stay up for packets in flight but
  // leave OSPF: our router-LSA drops them, so both directions drain.
  const ospfInterfaces = interfaces.filter((i) => routed(book, i.publicKey)).map((i) => i.name);
  const bird: BirdModel = {
    routerId: routerIdOf(config, facts, problems),
    interfaces: ospfInterfaces,
    ipv4Stubs: own.filter((p) => p.family === 4).map((p) => p.text),
    ipv6Stubs: own.filter((p) => p.family === 6).map((p) => p.text),
    ipv4HiddenStubs: ['169.254.0.0/24'],
    helloSeconds: REFERENCE_OSPF_TIMERS.helloSeconds,
    deadSeconds: REFERENCE_OSPF_TIMERS.deadSeconds,
    interfaceTimers: Object.fromEntries(
      ospfInterfaces.map((n) => [n, timersOf.get(n) ?? REFERENCE_OSPF_TIMERS] as const),
    ),
    ...(config.routing.bfd ? { bfd: config.routing.bfd } : {}),
    importIpv4: imported.filter((p) => p.family === 4).map((p) => p.text),
    importIpv6: imported.filter((p) => p.family === 6).map((p) => p.text),
    linkImports,
    ecmpLimit: ECMP_LIMIT,
  };
  const keepalived = keepalivedModel(config, facts, imported, problems);
  return {
    interfaces,
    bird,
    ...(keepalived ? { keepalived } : {}),
    udpPorts: interfaces.map((i) => i.listenPort),
    forwarding: { ipv4: true, ipv6: true },
  };
}
