/**
 * MTU negotiation (DESIGN.md step 6): each unit measures the path MTU to
 * every remote unit, subtracts WireGuard's overhead and publishes the
 * minimum; links use the minimum of everything published.
 * @module
 */

/** WireGuard over IPv6 adds at most 80 bytes (40 IPv6 + 8 UDP + 32 WireGuard). */
export const WIREGUARD_OVERHEAD = 80;
/** Assumed when a path MTU is unknown. */
export const DEFAULT_PATH_MTU = 1500;
/** IPv6 (hence OSPFv3) needs at least this. */
export const IPV6_MIN_MTU = 1280;

/** This unit's MTU for a peering: min over its remote units' path MTUs minus overhead. */
export function ownMtu(
  remoteAddresses: readonly string[],
  pathMtu: Readonly<Record<string, number>>,
): number | undefined {
  let min: number | undefined;
  for (const a of remoteAddresses) {
    const m = (pathMtu[a] ?? DEFAULT_PATH_MTU) - WIREGUARD_OVERHEAD;
    if (min === undefined || m < min) min = m;
  }
  return min;
}

/** The minimum of the defined values, or `fallback` when there is none. */
export function minOf(values: Iterable<number | undefined>, fallback: number): number {
  let min: number | undefined;
  for (const v of values) if (v !== undefined && (min === undefined || v < min)) min = v;
  return min ?? fallback;
}
