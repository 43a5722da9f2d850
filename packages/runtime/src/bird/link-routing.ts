/**
 * Whether a link carries routes: its OSPF adjacencies, as BIRD reports them.
 * @module
 */
import type { OspfNeighbor } from './bird-status.js';

/** The gateway's OSPF protocols (IPv4 and IPv6 address families), as rendered. */
export const GATEWAY_OSPF_PROTOCOLS = ['wg_gateway_ospf4', 'wg_gateway_ospf6'] as const;

/**
 * Routing state of a link interface: `up` when every gateway OSPF protocol
 * has a `Full` neighbour on it, else `down`. BIRD drops an OSPF neighbour as
 * soon as its BFD session fails, so a silently dead tunnel reads `down`
 * after BFD's detection time even while WireGuard still looks fine.
 */
export function linkRouting(ifname: string, neighbors: readonly OspfNeighbor[]): 'up' | 'down' {
  const full = (protocol: string) =>
    neighbors.some((n) => n.protocol === protocol && n.interface === ifname && n.state === 'Full');
  return GATEWAY_OSPF_PROTOCOLS.every(full) ? 'up' : 'down';
}
