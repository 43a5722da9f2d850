/**
 * Ports the one-shot gateway reconcile drives, besides the WireGuard backend.
 * Runtime implements them (files, etcd, BIRD, Keepalived); tests use fakes.
 * @module
 */
import type { ExchangeUnreachableError } from './errors.js';
import type { PeerDataWire } from './peer-data.js';
import type { Publication, UnitDataMap } from './reconcile.js';
import type { UnitState } from './state.js';

/** Persisted unit state. Implementations write atomically and keep files 0600. */
export interface StateStore {
  /** The saved state, or undefined when none was saved yet. */
  load(): Promise<UnitState | undefined>;
  /** Persist durably before returning. */
  save(state: UnitState): Promise<void>;
  /** Exclusive lock so two processes never reconcile one unit at once; resolves to its release. */
  lock(): Promise<() => Promise<void>>;
}

/** Who is reading or publishing. */
export interface UnitAddress {
  readonly group: string;
  readonly unit: string;
}

/** A unit's explicit withdrawal (a tombstone the exchange keeps where its entry was). */
export interface Withdrawal {
  /** When it withdrew, epoch ms. */
  readonly at: number;
}

/**
 * What an exchange holds for one unit. Per remote unit exactly one of three
 * things is true: it has an entry (in `peerings` / `group`), it withdrew
 * (in `withdrawn`), or neither: its entry is missing (a lease that ran out, a
 * file gone), which is not a departure. An exchange that cannot be read at
 * all throws {@link ExchangeUnreachableError} from `read()` instead.
 */
export interface ExchangeSnapshot {
  /** Per peering id: every unit of other groups that published under it. */
  readonly peerings: Readonly<Record<string, UnitDataMap>>;
  /** The other units of this unit's group. */
  readonly group: UnitDataMap;
  /** Units that withdrew explicitly and have no entry now: per peering id, and in the group. */
  readonly withdrawn: {
    readonly peerings: Readonly<Record<string, Readonly<Record<string, Withdrawal>>>>;
    readonly group: Readonly<Record<string, Withdrawal>>;
  };
}

/** Where units publish and read peer data (Juju relations did this for the reference). */
export interface Exchange {
  /**
   * Remote units' data for `peerings` (this unit's group excluded) and the
   * group peers' data (self excluded), with the withdrawals among them.
   * Throws {@link ExchangeUnreachableError} when the exchange cannot be read
   * at all, so that an outage is never mistaken for every unit leaving.
   */
  read(self: UnitAddress, peerings: readonly string[]): Promise<ExchangeSnapshot>;
  /**
   * Replace everything `self` publishes: the peerings in the publication and
   * its group entry. Peerings absent from it are withdrawn: their entries are
   * replaced by a {@link Withdrawal} marker.
   */
  publish(self: UnitAddress, publication: Publication): Promise<void>;
  /** Withdraw everything `self` published, at once, leaving withdrawal markers (a unit leaving for good). Optional. */
  withdraw?(self: UnitAddress): Promise<void>;
  /** Call `onChange` (possibly more than once per change) when data visible to `self` changes. Returns a stop function. */
  watch(self: UnitAddress, peerings: readonly string[], onChange: () => void): () => void;
  close(): Promise<void>;
}

/** Outcome of handing a daemon a new config. */
export interface DaemonApplyResult {
  /** False when the rendered text equals what is running: nothing was written or reloaded. */
  readonly changed: boolean;
}

/** A daemon whose config the gateway renders (BIRD, Keepalived); one entry of the gateway's daemon list holds it (see `DaemonSpec`). */
export interface DaemonConfigurator {
  /** `bird`, `keepalived`: for messages. */
  readonly name: string;
  /**
   * Check, install and reload `text`; undefined means the daemon is not
   * wanted (Keepalived without VIPs): stop it. A failed check throws and
   * leaves the running config in place.
   */
  apply(text: string | undefined): Promise<DaemonApplyResult>;
  /** The config text installed now (undefined: none), for `plan`'s diff. */
  installed(): Promise<string | undefined>;
}

/** Host switches the gateway needs (IP forwarding, the multipath hash policy), set before every WireGuard apply. */
export interface HostSystem {
  /**
   * Switch IPv4 and IPv6 forwarding on and set the host's routing switches
   * (layer-4 multipath hashing, so flows spread over the ECMP tunnels);
   * throws naming the sysctl it could not set.
   */
  enableForwarding(): Promise<void>;
}

/**
 * Takes link interfaces out of the kernel's routes just before the gateway
 * deletes them. Linux removes a whole IPv4 multipath route when one of its
 * next-hop devices disappears (IPv6 drops only that next hop), so deleting a
 * link that still carries part of an ECMP route would blackhole every flow of
 * that route until the routing daemon installs it again. Runtime implements
 * it like fast reroute: `ip route replace` without the interfaces' next hops.
 */
export interface RouteReleaser {
  /**
   * Remove every next hop through `interfaces` from the routing daemon's
   * kernel routes; a route left with none is deleted. Resolves to the
   * failures (each a one-line reason); never throws for a failed edit.
   */
  releaseInterfaces(interfaces: readonly string[]): Promise<readonly string[]>;
}

/** What the routing stack shows about one link interface (BIRD and the kernel). */
export interface LinkRoutingObservation {
  /** OSPF is Full on it for both address families. */
  readonly ospfFull: boolean;
  /** Kernel routes installed by BIRD with a next hop through it (both families). */
  readonly kernelRoutes: number;
}

/**
 * Routing observations for key rotation (OSPF adjacency per link, kernel
 * routes per link). Asked only while a rotation runs; runtime implements it
 * with BIRD's control socket and the kernel's routing table.
 */
export interface RoutingObserver {
  /** Per link interface name; an interface missing from the answer has no adjacency and no route. */
  observe(): Promise<Readonly<Record<string, LinkRoutingObservation>>>;
}

export type { PeerDataWire };
