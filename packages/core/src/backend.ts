/**
 * The WireGuard backend contract, alone in its file. Every backend
 * (`wgquick`, `netlink`, the dry run, your own) implements it.
 * @module
 */
import type { InterfaceChange } from './changes.js';
import type { WgGatewayError } from './errors.js';
import type { HostFacts } from './facts.js';
import type { ObservedInterface } from './observed.js';

/** A program a backend runs, and the Debian package that installs it. */
export interface BackendProgram {
  /** Name looked up on `$PATH` (or an absolute path), e.g. `wg-quick`. */
  readonly program: string;
  /** Debian package that installs it, for the "install with" hint. */
  readonly debianPackage: string;
  /** Why the backend needs it, for messages. */
  readonly why: string;
}

/**
 * What a backend can do, as data. Callers read these fields, never the
 * backend's name: a backend with `kernel` or `userspace` drives real
 * WireGuard and so needs root (preflight checks root and `programs`; one
 * with neither, like the dry run, needs nothing); {@link BaseBackend} raises
 * {@link BackendNotSupportedError} from `facts()` when `facts` is false; the
 * test suites check in-place changes only when `livePeerUpdate` is true.
 */
export interface BackendCapabilities {
  /** Drives kernel WireGuard. */
  readonly kernel: boolean;
  /** Drives a userspace implementation (wireguard-go, boringtun). */
  readonly userspace: boolean;
  /**
   * Changes a peer, MTU or address in place: the link keeps its index and
   * stays up (the system suite checks this when true).
   */
  readonly livePeerUpdate: boolean;
  /**
   * Answers `facts()` (path MTU, router id, interface of an address). When
   * false, `facts()` raises {@link BackendNotSupportedError} and callers use
   * `NO_FACTS`.
   */
  readonly facts: boolean;
  /** Programs the backend runs, checked on `$PATH` before it is used; empty for none. */
  readonly programs: readonly BackendProgram[];
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
  /**
   * Host facts for reconcile. Raises {@link BackendNotSupportedError} when
   * `capabilities.facts` is false. Called right after `observe()` in every
   * reconcile: a backend may reuse what that observe read and cache route
   * answers, as long as a link, address or route change shows in the next
   * answer (the built-in backends: netlink at once, on rtnetlink events;
   * wgquick at once for links and addresses, within 60 s for a route alone).
   */
  facts(query: FactsQuery): Promise<HostFacts>;
  /**
   * Release sockets and child processes. Safe to call twice; any other call
   * after it raises {@link BackendClosedError}.
   */
  close(): Promise<void>;
}
