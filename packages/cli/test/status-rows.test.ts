import type { LinkRecord } from '@wg-gateway/core';
import type { OspfNeighbor } from '@wg-gateway/runtime';
import { describe, expect, it } from 'vitest';
import { linkRows, statusText } from '../src/commands/status.js';

const link = (port: number, status: LinkRecord['status']): LinkRecord => ({
  peering: 'a-b',
  peerUnit: 'b-1',
  status,
  publicKey: `k${port}`,
  port,
  peerPublicKey: `p${port}`,
  peerPrefixes: [],
  mtu: 1420,
  openedAt: 0,
});
const full = (protocol: string, iface: string): OspfNeighbor => ({
  protocol,
  routerId: '203.0.113.12',
  priority: 1,
  state: 'Full',
  role: 'PtP',
  deadTime: 3,
  interface: iface,
  address: 'fe80::2',
});

describe('status link rows', () => {
  const links = [link(50001, 'open'), link(50003, 'open'), link(50005, 'half-open'), link(50007, 'closed')];
  // wg50003's BFD session failed: BIRD dropped its neighbours.
  const neighbors = [full('wg_gateway_ospf4', 'wg50001'), full('wg_gateway_ospf6', 'wg50001')];

  it('show routing up or down from the OSPF neighbours, unknown without BIRD or an interface', () => {
    const rows = linkRows(links, [], neighbors);
    expect(rows.map((r) => [r.interface, r.routing])).toEqual([
      ['wg50001', 'up'],
      ['wg50003', 'down'],
      ['wg50005', 'unknown'],
    ]);
    expect(linkRows(links, []).map((r) => r.routing)).toEqual(['unknown', 'unknown', 'unknown']);
  });

  it('print a ROUTING column', () => {
    const text = statusText(
      {
        unit: 'a-1',
        group: 'a',
        links: linkRows(links, [], neighbors),
        ospf: { neighbors },
        vrrp: null,
        problems: [],
        endpointNames: [],
        exchange: null,
        udpPorts: [],
        portRange: { min: 50000, max: 52000 },
        host: { error: 'not read in this test' },
      },
      0,
    );
    expect(text).toMatch(/INTERFACE\s+STATE\s+ROUTING/);
    expect(text).toMatch(/wg50003 \(absent\)\s+open\s+down/);
  });
});
