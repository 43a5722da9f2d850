import { describe, expect, it } from 'vitest';
import type { OspfNeighbor } from '../src/bird/bird-status.js';
import { linkRouting } from '../src/bird/link-routing.js';
import { GatewayMetrics } from '../src/metrics/gateway-metrics.js';

const neighbor = (protocol: string, iface: string, state = 'Full'): OspfNeighbor => ({
  protocol,
  routerId: '192.0.2.2',
  priority: 1,
  state,
  role: 'PtP',
  deadTime: 30,
  interface: iface,
  address: 'fe80::2',
});

describe('link routing state', () => {
  const both = [neighbor('wg_gateway_ospf4', 'wg50001'), neighbor('wg_gateway_ospf6', 'wg50001')];

  it('is up only with a Full neighbour of both address families on the interface', () => {
    expect(linkRouting('wg50001', both)).toBe('up');
    // BFD down: BIRD removes the neighbour of each family.
    expect(linkRouting('wg50001', both.slice(1))).toBe('down');
    expect(
      linkRouting('wg50001', [both[0] as OspfNeighbor, neighbor('wg_gateway_ospf6', 'wg50001', 'Init')]),
    ).toBe('down');
    expect(linkRouting('wg50003', both)).toBe('down');
    expect(linkRouting('wg50001', [neighbor('ospf4', 'wg50001'), neighbor('ospf6', 'wg50001')])).toBe('down');
  });

  it('is a metric per open link', async () => {
    const link = (port: number, status: 'open' | 'half-open') => ({
      peering: 'a-b',
      peerUnit: 'b-0',
      port,
      status,
    });
    const m = new GatewayMetrics();
    // Only the fields setLinkRouting reads.
    m.setLinkRouting([link(50001, 'open'), link(50003, 'open'), link(50005, 'half-open')] as never, both);
    const text = await m.registry.metrics();
    expect(text).toContain('wg_gateway_link_routing_up{interface="wg50001",peering="a-b",peer_unit="b-0"} 1');
    expect(text).toContain('wg_gateway_link_routing_up{interface="wg50003",peering="a-b",peer_unit="b-0"} 0');
    expect(text).not.toContain('wg50005');
  });
});
