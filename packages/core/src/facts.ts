/**
 * Facts about the host that reconcile needs and cannot compute itself.
 * @module
 */

/** Host facts, gathered by a backend (or given by a test). */
export interface HostFacts {
  /** Detected router id (an IPv4 address); the config's wins when set. */
  readonly routerId?: string;
  /** Path MTU to each remote address; absent = unknown (1500 assumed). */
  readonly pathMtu: Readonly<Record<string, number>>;
  /** The local interface that holds or routes to each address. */
  readonly interfaceOf: Readonly<Record<string, string>>;
  /**
   * Names of this gateway's interfaces that exist now. When given, closed
   * links whose interface is gone are garbage-collected.
   */
  readonly existingInterfaces?: readonly string[];
}

/** No facts known. */
export const NO_FACTS: HostFacts = { pathMtu: {}, interfaceOf: {} };
