/**
 * The WireGuard backend contract, alone in its file. Every backend
 * (`wgquick`, `netlink`, the dry run, your own) implements it.
 * @module
 */
import type { InterfaceChange } from './changes.js';
import type { WgGatewayError } from './errors.js';
import type { HostFacts } from './facts.js';
import type { ObservedInterface } from './observed.js';

/** What a backend can do, as data. */
export interface BackendCapabilities {
  /** Drives kernel WireGuard. */
  readonly kernel: boolean;
  /** Drives a userspace implementation (wireguard-go, boringtun). */
  readonly userspace: boolean;
  /** Changes a peer without touching the interface's socket. */
  readonly livePeerUpdate: boolean;
  /** Answers path-MTU and router-id queries. */
  readonly facts: boolean;
}

/** The outcome of one change. */
export interface ChangeResult {
  readonly name: string;
  readonly action: InterfaceChange['action'];
  readonly ok: boolean;
  /** Set when `ok` is false. */
  readonly error?: WgGatewayError;
  /** System commands or netlink requests this change took. */
  readonly operations: number;
}

/** The outcome of `apply()`: one result per change, in order. */
export interface ApplyReport {
  readonly results: readonly ChangeResult[];
  /** System commands or netlink requests in all; 0 for an empty plan. */
  readonly operations: number;
}

/** What `facts()` is asked. */
export interface FactsQuery {
  /** Remote addresses whose path MTU is wanted. */
  readonly pathMtuTo: readonly string[];
  /** Addresses whose holding (or routing) local interface is wanted. */
  readonly interfaceOf: readonly string[];
  /** Detect a router id. */
  readonly routerId: boolean;
}

/** A WireGuard backend: observe, apply, host facts. */
export interface WireGuardBackend {
  /** Short name for messages: `wgquick`, `netlink`, `dry-run`. */
  readonly name: string;
  readonly capabilities: BackendCapabilities;
  /**
   * Every interface this gateway manages, and nothing else: interfaces it did
   * not create are never returned, changed or deleted.
   */
  observe(): Promise<readonly ObservedInterface[]>;
  /**
   * Apply changes in order. A failing change is reported and does not stop
   * independent ones; nothing fails silently.
   */
  apply(changes: readonly InterfaceChange[]): Promise<ApplyReport>;
  /** Host facts for reconcile. */
  facts(query: FactsQuery): Promise<HostFacts>;
  /** Release sockets and child processes. Safe to call twice. */
  close(): Promise<void>;
}
