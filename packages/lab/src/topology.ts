/**
 * Lab topology: a short description of sites, units and peerings, expanded
 * into every name and address the lab creates. Pure: no system calls.
 * @module
 */
import { LabError } from './lab-error.js';

/** Which WireGuard backend the units run (both drive userspace wireguard-go here). */
export type LabBackend = 'wgquick' | 'netlink';
/** Where units exchange peer data. */
export type LabExchange = 'dir' | 'etcd';

/** One site (a gateway group) as described. */
export interface SiteSpec {
  /** Short name (letters/digits, ≤ 4 chars): the group name and part of namespace names. */
  readonly name: string;
  /** Number of gateway units (default 2). */
  readonly units?: number;
  /** Advertised prefixes; the site LAN is the first /24 and the first /64 inside them. */
  readonly prefixes: readonly string[];
  /** VRRP VIPs in CIDR form; default: `.1` of the LAN in each family. */
  readonly vips?: readonly string[];
  /** Tunnels per remote unit (default 2). */
  readonly tunnels?: number;
  /**
   * Run BIRD and Keepalived in include mode: the lab writes a hand-written
   * main config per unit (with a protocol of its own, see
   * {@link HAND_WRITTEN_BIRD_PROTOCOL}) that includes the gateway's fragment.
   */
  readonly include?: boolean;
}

/** The hand-written BIRD protocol of an include-mode site's main config, and the route it holds. */
export const HAND_WRITTEN_BIRD_PROTOCOL = { name: 'hand_blackhole', route: '198.18.99.0/24' } as const;

/** A lab as described by a user or a test. */
export interface LabSpec {
  readonly sites: readonly SiteSpec[];
  /** `full-mesh` (default) or explicit pairs `[initiator, acceptor]` of site names. */
  readonly peerings?: 'full-mesh' | readonly (readonly [string, string])[];
  readonly exchange?: LabExchange;
  readonly backend?: LabBackend;
  /** Underlay MTU per unit name (`a-1`); default 1500. */
  readonly underlayMtu?: Readonly<Record<string, number>>;
  /**
   * OSPF hello/dead in seconds and BFD, as every unit's `ospf` config.
   * Default: none given, so the units run the product's defaults (what the
   * lab measures is what users get); `{ hello: 5, dead: 30, bfd: false }`
   * gives the reference's timers (the bench's reference rows).
   */
  readonly ospf?: LabOspf;
  /** Serve metrics on `LAB_METRICS_ADDRESS` inside every unit's namespace (default off). */
  readonly metrics?: boolean;
  /**
   * Units publish a host name (`<unit>.lab.example`) as their ingress
   * address, resolved through the lab's hosts file (default off: IPs).
   */
  readonly ingressNames?: boolean;
}

/** OSPF and BFD timers of a lab's units. */
export interface LabOspf {
  readonly hello?: number;
  readonly dead?: number;
  readonly bfd?: false | { readonly 'interval-ms': number; readonly multiplier: number };
}

/** One unit, fully expanded. */
export interface UnitPlan {
  /** `a-1`. */
  readonly name: string;
  readonly site: string;
  /** 1-based index within the site. */
  readonly index: number;
  /** Underlay (WAN) address, `203.0.113.N`. */
  readonly wanAddress: string;
  readonly wanMtu: number;
  /** LAN addresses (CIDR) on the site bridge. */
  readonly lanAddresses: readonly string[];
}

/** One site, fully expanded. */
export interface SitePlan {
  readonly name: string;
  readonly prefixes: readonly string[];
  readonly tunnels: number;
  readonly vips: readonly string[];
  /** Client host addresses (CIDR). */
  readonly clientAddresses: readonly string[];
  /** Client default gateways (the VIPs' addresses, one per family). */
  readonly clientGateways: readonly string[];
  readonly units: readonly UnitPlan[];
  /** Daemons in include mode beside a hand-written main config. */
  readonly include: boolean;
}

/** A peering between two sites. */
export interface PeeringPlan {
  /** `a-b`. */
  readonly id: string;
  readonly initiator: string;
  readonly acceptor: string;
}

/** Where a unit serves metrics when the lab has them on: loopback of the unit's own namespace. */
export const LAB_METRICS_ADDRESS = '127.0.0.1:9586';

/** Everything the lab builds, before anything is built. */
export interface TopologyPlan {
  readonly sites: readonly SitePlan[];
  readonly peerings: readonly PeeringPlan[];
  readonly exchange: LabExchange;
  readonly backend: LabBackend;
  readonly ospf: LabOspf;
  readonly metrics: boolean;
  /** See {@link LabSpec.ingressNames}; absent: off. */
  readonly ingressNames?: boolean;
}

/** Default prefixes of the first three sites, from the documentation ranges. */
export const DEFAULT_SITE_PREFIXES: readonly (readonly string[])[] = [
  ['3fff::/20', '192.0.2.0/24'],
  ['2001:db8::/32', '198.51.100.0/24'],
  ['3fff:1000::/20', '198.18.0.0/24'],
];

/** The default lab: `sites` sites of `units` units, full mesh (3 × 2 when not given). */
export function defaultSpec(sites = 3, units = 2): LabSpec {
  if (sites < 1 || sites > DEFAULT_SITE_PREFIXES.length) {
    throw new LabError(`--sites must be 1..${DEFAULT_SITE_PREFIXES.length}`, 'ask for fewer sites');
  }
  return {
    sites: DEFAULT_SITE_PREFIXES.slice(0, sites).map((prefixes, i) => ({
      name: String.fromCharCode(97 + i),
      units,
      prefixes,
    })),
  };
}

/** `192.0.2.0/24` → `192.0.2.` + host; `3fff::/20` → `3fff::` + host (the first /64). */
function lanHost(prefix: string, host: number): string {
  const [net = ''] = prefix.split('/');
  if (net.includes(':')) {
    const base = net.endsWith('::') ? net : `${net}::`;
    // Decimal digits read as hex groups: host 100 is `::100`, like `.100` in IPv4.
    return `${base}${host}`;
  }
  const octets = net.split('.');
  return `${octets.slice(0, 3).join('.')}.${host}`;
}

function lanLength(prefix: string): number {
  return prefix.includes(':') ? 64 : 24;
}

/** Expand a description into the plan; throws {@link LabError} on a bad one. */
export function expandTopology(spec: LabSpec): TopologyPlan {
  if (spec.sites.length === 0) throw new LabError('a lab needs at least one site', 'add a site');
  const names = new Set<string>();
  let wanHost = 10;
  const sites: SitePlan[] = spec.sites.map((s) => {
    if (!/^[a-z][a-z0-9]{0,3}$/.test(s.name)) {
      throw new LabError(`site name "${s.name}" must be 1-4 lowercase letters/digits`, 'rename the site');
    }
    if (names.has(s.name)) throw new LabError(`duplicate site "${s.name}"`, 'rename the site');
    names.add(s.name);
    const count = s.units ?? 2;
    if (count < 1 || count > 9) throw new LabError(`site ${s.name}: units must be 1..9`, 'use fewer units');
    const vips = s.vips ?? s.prefixes.map((p) => `${lanHost(p, 1)}/${lanLength(p)}`);
    const units: UnitPlan[] = [];
    for (let i = 1; i <= count; i++) {
      const name = `${s.name}-${i}`;
      units.push({
        name,
        site: s.name,
        index: i,
        wanAddress: `203.0.113.${wanHost++}`,
        wanMtu: spec.underlayMtu?.[name] ?? 1500,
        lanAddresses: s.prefixes.map((p) => `${lanHost(p, 10 + i)}/${lanLength(p)}`),
      });
    }
    return {
      name: s.name,
      prefixes: [...s.prefixes],
      tunnels: s.tunnels ?? 2,
      vips,
      clientAddresses: s.prefixes.map((p) => `${lanHost(p, 100)}/${lanLength(p)}`),
      clientGateways: vips.map((v) => v.split('/')[0] ?? v),
      units,
      include: s.include ?? false,
    };
  });
  for (const unit of Object.keys(spec.underlayMtu ?? {})) {
    if (!sites.some((s) => s.units.some((u) => u.name === unit))) {
      throw new LabError(`underlayMtu names unknown unit "${unit}"`, 'use unit names like a-1');
    }
  }
  const pairs: (readonly [string, string])[] =
    spec.peerings === undefined || spec.peerings === 'full-mesh'
      ? sites.flatMap((a, i) => sites.slice(i + 1).map((b) => [a.name, b.name] as const))
      : [...spec.peerings];
  const peerings = pairs.map(([initiator, acceptor]) => {
    if (!names.has(initiator) || !names.has(acceptor) || initiator === acceptor) {
      throw new LabError(`bad peering ${initiator}-${acceptor}`, 'peer two different known sites');
    }
    return { id: `${initiator}-${acceptor}`, initiator, acceptor };
  });
  return {
    sites,
    peerings,
    exchange: spec.exchange ?? 'dir',
    backend: spec.backend ?? 'wgquick',
    ospf: spec.ospf ?? {},
    metrics: spec.metrics ?? false,
    ...(spec.ingressNames ? { ingressNames: true } : {}),
  };
}

/** The site a unit belongs to, and the unit. */
export function findUnit(plan: TopologyPlan, unit: string): { site: SitePlan; unit: UnitPlan } {
  for (const site of plan.sites) {
    const u = site.units.find((x) => x.name === unit);
    if (u) return { site, unit: u };
  }
  throw new LabError(`no unit "${unit}" in this lab`, 'see `wg-gateway-lab status` for unit names');
}
