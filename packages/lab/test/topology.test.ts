import { describe, expect, it } from 'vitest';
import { defaultSpec, expandTopology, findUnit, LabError, peeringsOf, presetSpec } from '../src/index.js';

describe('expandTopology', () => {
  it('expands the default 3 × 2 lab: full mesh, LAN hosts, VIPs, WAN addresses', () => {
    const plan = expandTopology(defaultSpec());
    expect(plan.sites.map((s) => s.name)).toEqual(['a', 'b', 'c']);
    expect(plan.peerings.map((p) => p.id)).toEqual(['a-b', 'a-c', 'b-c']);
    const a = plan.sites[0];
    expect(a?.vips).toEqual(['3fff::1/64', '192.0.2.1/24']);
    expect(a?.clientAddresses).toEqual(['3fff::100/64', '192.0.2.100/24']);
    expect(a?.clientGateways).toEqual(['3fff::1', '192.0.2.1']);
    expect(a?.units.map((u) => u.lanAddresses)).toEqual([
      ['3fff::11/64', '192.0.2.11/24'],
      ['3fff::12/64', '192.0.2.12/24'],
    ]);
    const wan = plan.sites.flatMap((s) => s.units.map((u) => u.wanAddress));
    expect(new Set(wan).size).toBe(6);
    expect(plan.ospf).toEqual({}); // the product's defaults: the lab measures what users get
    expect(plan.backend).toBe('wgquick');
    expect(plan.exchange).toBe('dir');
  });

  it('sets underlay MTU per unit and refuses unknown units', () => {
    const spec = { ...defaultSpec(2), underlayMtu: { 'a-1': 1400 } };
    expect(findUnit(expandTopology(spec), 'a-1').unit.wanMtu).toBe(1400);
    expect(findUnit(expandTopology(spec), 'b-1').unit.wanMtu).toBe(1500);
    expect(() => expandTopology({ ...spec, underlayMtu: { 'z-1': 1400 } })).toThrow(LabError);
  });

  it('takes explicit peerings and gives each site its role', () => {
    const plan = expandTopology({ ...defaultSpec(3), peerings: [['c', 'a']] });
    expect(peeringsOf(plan.peerings, 'a')).toEqual([{ id: 'c-a', role: 'acceptor' }]);
    expect(peeringsOf(plan.peerings, 'c')).toEqual([{ id: 'c-a', role: 'initiator' }]);
    expect(peeringsOf(plan.peerings, 'b')).toEqual([]);
    expect(() => expandTopology({ ...defaultSpec(2), peerings: [['a', 'x']] })).toThrow(/bad peering/);
  });

  it('refuses bad site names and counts', () => {
    expect(() => expandTopology({ sites: [{ name: 'Toolong', prefixes: ['192.0.2.0/24'] }] })).toThrow(
      LabError,
    );
    expect(() => expandTopology({ sites: [{ name: 'a', units: 0, prefixes: ['192.0.2.0/24'] }] })).toThrow(
      /units/,
    );
    expect(() => defaultSpec(4)).toThrow(/sites/);
  });

  it('expands the scale presets: 8 tunnels per unit pair, four IPv4 sites in a full mesh', () => {
    const t8 = expandTopology(presetSpec('tunnels-8', 'netlink'));
    expect(t8.sites.map((s) => [s.name, s.tunnels, s.units.length])).toEqual([
      ['a', 8, 2],
      ['b', 8, 2],
    ]);
    expect(t8.backend).toBe('netlink');
    const four = expandTopology(presetSpec('4-sites', 'wgquick', { units: 1 }));
    expect(four.peerings).toHaveLength(6);
    expect(four.sites.map((s) => s.prefixes)).toEqual([
      ['192.0.2.0/24'],
      ['198.51.100.0/24'],
      ['198.18.0.0/24'],
      ['198.18.1.0/24'],
    ]);
    expect(four.sites.every((s) => s.units.length === 1)).toBe(true);
    expect(expandTopology(presetSpec('3x2', 'netlink')).sites).toHaveLength(3);
  });
});
