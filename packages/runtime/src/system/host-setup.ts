/**
 * Host setup: the kernel switches a gateway needs before it routes, set on
 * every reconcile (so a host that lost them gets them back): IP forwarding
 * for both families and the multipath hash policy that spreads flows over
 * the ECMP tunnels. Both are per network namespace.
 * @module
 */
import type { HostSystem } from '@wg-gateway/core';
import { commandRunner } from './command.js';
import {
  enableIpForwarding,
  type ForwardingOptions,
  type ForwardingSysctl,
  ipForwardingStatus,
} from './ip-forwarding.js';
import {
  DEFAULT_MULTIPATH_HASH_POLICY,
  type MultipathHashPolicy,
  type MultipathHashSysctl,
  multipathHashStatus,
  setMultipathHashPolicy,
} from './multipath-hash.js';

/** Options of {@link SysctlHostSystem} and {@link hostSetupStatus}. */
export interface HostSetupOptions extends ForwardingOptions {
  /**
   * Multipath hash policy to set for IPv4 and IPv6 (default
   * {@link DEFAULT_MULTIPATH_HASH_POLICY}, layer 4); `'off'` leaves the
   * host's policy alone.
   */
  readonly multipathHashPolicy?: MultipathHashPolicy | 'off';
}

/** What the host has now, and what the gateway wants of it. */
export interface HostSetupStatus {
  /** Per forwarding sysctl: on, off, or unreadable (undefined). */
  readonly forwarding: Record<ForwardingSysctl, boolean | undefined>;
  /** Per family: the multipath hash policy in force (undefined: unreadable). */
  readonly multipathHash: Record<MultipathHashSysctl, number | undefined>;
  /** The policy the gateway sets; `'off'` when it leaves the host's alone. */
  readonly wantedMultipathHash: MultipathHashPolicy | 'off';
  /** Whether every value matches what the gateway sets. */
  readonly ok: boolean;
}

function withRunner(options: HostSetupOptions): HostSetupOptions {
  return {
    ...options,
    run: options.run ?? commandRunner(options.commandPrefix ? { prefix: options.commandPrefix } : {}),
  };
}

/** Read the host's forwarding and multipath hash sysctls. Equivalent to: `sysctl -n KEY` each. */
export async function hostSetupStatus(options: HostSetupOptions = {}): Promise<HostSetupStatus> {
  const o = withRunner(options);
  const wanted = options.multipathHashPolicy ?? DEFAULT_MULTIPATH_HASH_POLICY;
  const forwarding = await ipForwardingStatus(o);
  const multipathHash = await multipathHashStatus(o);
  const ok =
    Object.values(forwarding).every((v) => v === true) &&
    (wanted === 'off' || Object.values(multipathHash).every((v) => v === wanted));
  return { forwarding, multipathHash, wantedMultipathHash: wanted, ok };
}

/**
 * The gateway's {@link HostSystem} port: switches forwarding on and sets the
 * multipath hash policy with `sysctl`.
 */
export class SysctlHostSystem implements HostSystem {
  readonly #options: HostSetupOptions;
  constructor(options: HostSetupOptions = {}) {
    this.#options = withRunner(options);
  }

  /**
   * Equivalent to: `sysctl -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
   * net.ipv4.fib_multipath_hash_policy=1 net.ipv6.fib_multipath_hash_policy=1`;
   * throws `ForwardingError` or `MultipathHashError` naming the sysctl.
   */
  async enableForwarding(): Promise<void> {
    await enableIpForwarding(this.#options);
    const policy = this.#options.multipathHashPolicy ?? DEFAULT_MULTIPATH_HASH_POLICY;
    if (policy !== 'off') await setMultipathHashPolicy(policy, this.#options);
  }
}
