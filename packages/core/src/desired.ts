/**
 * The desired system state that `reconcile()` derives: WireGuard interfaces,
 * BIRD and Keepalived models, firewall ports, forwarding. Pure data; the
 * renderers and backends consume it.
 * @module
 */
import type { OspfTimers } from './ospf-timers.js';

/** The single peer of a link interface. */
export interface DesiredPeer {
  readonly publicKey: string;
  /**
   * `host:port` (IPv6 in brackets). Absent means "leave alone": the acceptor
   * side is a pure responder and learns the endpoint from the initiator's
   * handshake, so both ends never initiate at the same instant.
   */
  readonly endpoint?: string;
  /** Seconds; 0 = off. */
  readonly persistentKeepalive: number;
  /** Canonical prefixes, sorted. */
  readonly allowedIps: readonly string[];
}

/** One WireGuard interface with exactly one peer (a link). */
export interface DesiredInterface {
  /** `wg<listenPort>`. */
  readonly name: string;
  readonly listenPort: number;
  /** Never logged, published or put in an error. */
  readonly privateKey: string;
  readonly publicKey: string;
  /** `169.254.0.1/24`, `fe80::1/64` (initiator) or `.2`/`::2` (acceptor). */
  readonly addresses: readonly string[];
  readonly mtu: number;
  readonly peer: DesiredPeer;
}

/** What the remote unit at the other end of some links may announce over them. */
export interface LinkImport {
  /** The link interfaces to that unit. */
  readonly interfaces: readonly string[];
  /** Prefixes accepted by the import policy, per family (exact or more specific). */
  readonly ipv4: readonly string[];
  readonly ipv6: readonly string[];
}

/** Everything BIRD needs. */
export interface BirdModel {
  readonly routerId: string;
  /** Link interface names that run OSPF. */
  readonly interfaces: readonly string[];
  readonly ipv4Stubs: readonly string[];
  readonly ipv6Stubs: readonly string[];
  /** Hidden stubs: reachable but not advertised as the site's prefixes. */
  readonly ipv4HiddenStubs: readonly string[];
  /** Hello and dead of an interface that {@link interfaceTimers} does not name. */
  readonly helloSeconds: number;
  readonly deadSeconds: number;
  /**
   * Per-interface timers, negotiated per link through peer data (both ends
   * of a link must agree; `ospf-timers.ts`); absent entries run
   * {@link helloSeconds}/{@link deadSeconds}.
   */
  readonly interfaceTimers?: Readonly<Record<string, OspfTimers>>;
  readonly bfd?: { readonly intervalMs: number; readonly multiplier: number };
  /** Union of {@link linkImports}, per family: what Keepalived tracks. */
  readonly importIpv4: readonly string[];
  readonly importIpv6: readonly string[];
  /**
   * Route-import policy per link: a route is imported only when its next hop
   * is one of `interfaces` and it lies inside that entry's prefixes.
   */
  readonly linkImports: readonly LinkImport[];
  /** ECMP next-hop limit. */
  readonly ecmpLimit: number;
}

/** One VRRP instance (one per VIP). */
export interface VrrpInstance {
  readonly name: string;
  readonly interface: string;
  readonly virtualRouterId: number;
  readonly priority: number;
  /** `address/length`. */
  readonly vip: string;
  readonly family: 4 | 6;
}

/**
 * A track script: succeeds while the kernel has a BIRD route covering each of
 * `prefixes` (one prefix, or a group when there are very many); a failure
 * adds `weight` to the priority.
 */
export interface TrackScript {
  readonly name: string;
  readonly prefixes: readonly string[];
  /** Negative: a unit missing routes loses priority instead of going FAULT. */
  readonly weight: number;
}

/** Everything Keepalived needs; absent from the desired state when there are no VIPs. */
export interface KeepalivedModel {
  readonly syncGroup: string;
  readonly instances: readonly VrrpInstance[];
  readonly scripts: readonly TrackScript[];
  /** Path of the route-check script that the track scripts run. */
  readonly checkScript: string;
  /**
   * Directory of one track file per script (named like the script), which
   * the runtime sets to `1` the moment the script's routes go missing;
   * absent: track scripts only.
   */
  readonly trackFileDir?: string;
  /** Seconds between track script runs. */
  readonly intervalSeconds: number;
  /** Failed runs before a script counts as failed. */
  readonly fall: number;
  /** Successful runs before it recovers. */
  readonly rise: number;
  /** Seconds between VRRP adverts; fractional needs VRRPv3. */
  readonly advertIntervalSeconds: number;
}

/** The whole desired system state of a unit. */
export interface DesiredSystem {
  /** Sorted by name. */
  readonly interfaces: readonly DesiredInterface[];
  readonly bird: BirdModel;
  readonly keepalived?: KeepalivedModel;
  /** UDP ports to open: every existing interface's. Sorted. */
  readonly udpPorts: readonly number[];
  readonly forwarding: { readonly ipv4: boolean; readonly ipv6: boolean };
}
