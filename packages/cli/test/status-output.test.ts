import type { LinkRecord, ObservedInterface } from '@wg-gateway/core';
import { describe, expect, it } from 'vitest';
import { linkRows, type StatusReport, statusText } from '../src/commands/status.js';

const NOW = 1_800_000_000_000;
const KEY = `${'k'.repeat(43)}=`;

function link(port: number, peerUnit: string): LinkRecord {
  return {
    peering: 'a-b',
    peerUnit,
    status: 'open',
    publicKey: KEY,
    port,
    peerPublicKey: `${peerUnit}-key`,
    peerPrefixes: [],
    mtu: 1420,
    openedAt: NOW - 600_000,
  };
}

function iface(port: number, peerKey: string, lastHandshake: number | undefined): ObservedInterface {
  return {
    name: `wg${port}`,
    listenPort: port,
    publicKey: KEY,
    mtu: 1420,
    up: true,
    addresses: [],
    peers: [
      {
        publicKey: peerKey,
        allowedIps: [],
        persistentKeepalive: 0,
        rxBytes: 1,
        txBytes: 2,
        ...(lastHandshake === undefined ? {} : { lastHandshake }),
      },
    ],
  };
}

describe('status', () => {
  it('counts an open link as up only with a handshake under 180 s old', () => {
    const rows = linkRows(
      [link(50001, 'b0'), link(50003, 'b1'), link(50005, 'b2')],
      [
        iface(50001, 'b0-key', NOW - 10_000),
        iface(50003, 'b1-key', undefined),
        iface(50005, 'b2-key', NOW - 200_000),
      ],
      undefined,
      NOW,
    );
    expect(rows.map((r) => [r.interface, r.state, r.up])).toEqual([
      ['wg50001', 'open', true],
      ['wg50003', 'open', false],
      ['wg50005', 'open', false],
    ]);
  });

  it('prints the link column and the UDP ports to open', () => {
    const report: StatusReport = {
      unit: 'a0',
      group: 'a',
      links: linkRows([link(50003, 'b1')], [iface(50003, 'b1-key', undefined)], undefined, NOW),
      ospf: { neighbors: [] },
      vrrp: null,
      problems: [],
      endpointNames: [],
      exchange: null,
      udpPorts: [50001, 50003],
      portRange: { min: 50000, max: 52000 },
      host: { error: 'not read in this test' },
    };
    const text = statusText(report, NOW);
    expect(text).toMatch(/wg50003\s+open\s+unknown\s+a-b\s+b1\s+-\s+never\s+down/);
    expect(text).toContain('UDP ports to open (port-range 50000-52000): 50001 50003');
  });

  it("shows a peer's ingress name next to its resolved address, in the link row and the names table", () => {
    const names = [
      {
        name: 'b1.example.net',
        address: '198.51.100.7',
        resolvedAt: NOW - 30_000,
        attemptedAt: NOW - 30_000,
        users: [{ peering: 'a-b', unit: 'b1' }],
      },
    ];
    const withEndpoint = { ...link(50003, 'b1'), peerEndpoint: '198.51.100.7:50002' };
    const links = linkRows([withEndpoint], [], undefined, NOW, names);
    expect(links[0]?.endpointName).toBe('b1.example.net');
    const text = statusText(
      {
        unit: 'a0',
        group: 'a',
        links,
        ospf: { neighbors: [] },
        vrrp: null,
        problems: [],
        endpointNames: names,
        exchange: null,
        udpPorts: [],
        portRange: { min: 50000, max: 52000 },
        host: { error: 'not read in this test' },
      },
      NOW,
    );
    expect(text).toContain('198.51.100.7:50002 (b1.example.net)');
    expect(text).toMatch(
      /Ingress names:\n\s+NAME\s+ADDRESS\s+RESOLVED\s+PEER UNITS\s+LAST ERROR\n\s+b1\.example\.net\s+198\.51\.100\.7\s+30s ago\s+b1 \(a-b\)\s+-/,
    );
  });
});
