/**
 * Host switches set at most once a minute: a steady reconcile then spawns
 * no `sysctl` (each reads and sets two or more values with child processes).
 * @module
 */
import type { HostSystem } from '@wg-gateway/core';

/** Options of {@link throttledHost}. */
export interface ThrottleOptions {
  /** How long a successful set is trusted before it is checked again; default 60 s. */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

/**
 * Wrap a {@link HostSystem}: after `enableForwarding()` succeeds, the next
 * calls within `ttlMs` do nothing. A failure is not remembered, so the next
 * reconcile tries again; a host that loses a switch gets it back within `ttlMs`.
 */
export function throttledHost(host: HostSystem, options: ThrottleOptions = {}): HostSystem {
  const ttlMs = options.ttlMs ?? 60_000;
  const now = options.now ?? (() => performance.now());
  let setAt: number | undefined;
  return {
    async enableForwarding(): Promise<void> {
      if (setAt !== undefined && now() - setAt < ttlMs) return;
      await host.enableForwarding();
      setAt = now();
    },
  };
}
