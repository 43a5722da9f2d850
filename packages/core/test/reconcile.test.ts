import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { parseGroupConfig } from '../src/config.js';
import { decodePeerData } from '../src/peer-data.js';
import { reconcile } from '../src/reconcile.js';
import { emptyState } from '../src/state.js';
import { FakeKeySource } from './support/fake-key-source.js';
import { allViolations, goneViolations } from './support/invariants.js';
import { World } from './support/world.js';

const twoSites = () =>
  new World(
    [
      { name: 'a', units: 2, tunnels: 2 },
      { name: 'b', units: 2, tunnels: 3 },
    ],
    [{ id: 'a-b', initiator: 'a', acceptor: 'b' }],
  );

describe('reconcile: the link protocol', () => {
  it('makes `tunnels` keys per peering and publishes them, no listen-ports before seeing the remote', () => {
    const w = twoSites();
    const [a1] = [...w.units.values()];
    if (!a1) throw new Error('no unit');
    w.step(a1.id);
    const pub = a1.published?.peerings['a-b'];
    expect(pub?.['public-keys']?.split(',')).toHaveLength(2);
    expect(pub?.['listen-ports']).toBe('');
    expect(pub?.['advertise-prefixes']).toBe('192.0.2.0/24, 2001:db8:1::/48');
    expect(a1.state.links).toEqual([]);
  });

  it('walks half-open → open on both sides with matching ports and endpoints', () => {
    const w = twoSites();
    const [a1, , b1] = [...w.units.values()];
    if (!a1 || !b1) throw new Error('no unit');
    w.step(b1.id); // acceptor publishes keys
    a1.view.set(b1.id, b1.published as never);
    w.step(a1.id); // initiator opens: half-open, odd ports
    expect(a1.state.links.map((l) => l.status)).toEqual(['half-open', 'half-open']);
    expect(a1.state.links.every((l) => l.port % 2 === 1)).toBe(true);
    expect(a1.desired?.interfaces).toEqual([]); // half-open links have no interface
    b1.view.set(a1.id, a1.published as never);
    w.step(b1.id); // acceptor answers: open, even ports
    expect(b1.state.links.map((l) => [l.status, l.port % 2])).toEqual([
      ['open', 0],
      ['open', 0],
    ]);
    expect(b1.desired?.interfaces.map((i) => i.peer.endpoint)).toEqual([undefined, undefined]);
    a1.view.set(b1.id, b1.published as never);
    w.step(a1.id);
    expect(a1.state.links.map((l) => l.status)).toEqual(['open', 'open']);
    for (const l of a1.state.links) {
      const m = b1.state.links.find((x) => x.peerPublicKey === l.publicKey);
      expect(l.peerEndpoint).toBe(`${b1.ingress}:${m?.port}`);
      expect(m?.peerEndpoint).toBe(`${a1.ingress}:${l.port}`);
    }
    const iface = a1.desired?.interfaces[0];
    expect(iface?.addresses).toEqual(['169.254.0.1/24', 'fe80::1/64']);
    expect(iface?.peer.allowedIps).toEqual([
      '169.254.0.0/24',
      '198.51.100.0/24',
      '224.0.0.0/24',
      '2001:db8:2::/48',
      'fe80::/64',
      'ff02::/16',
    ]);
    expect(iface?.peer.persistentKeepalive).toBe(5);
    expect(b1.desired?.interfaces[0]?.addresses).toEqual(['169.254.0.2/24', 'fe80::2/64']);
  });

  it('converges to a full mesh of min(tunnels) links', () => {
    const w = twoSites();
    w.settle();
    expect(allViolations(w)).toEqual([]);
    const a1 = [...w.units.values()][0];
    expect(a1?.state.links.filter((l) => l.status === 'open')).toHaveLength(4); // 2 units × min(2,3)
    expect(a1?.desired?.bird.interfaces).toHaveLength(4);
    expect(a1?.desired?.udpPorts).toEqual(a1?.desired?.interfaces.map((i) => i.listenPort));
  });

  it('is idempotent once settled: same state, same publication, stateChanged false', () => {
    const w = twoSites();
    w.settle();
    for (const u of w.units.values()) {
      const again = reconcile({
        config: u.config,
        state: u.state,
        remote: {},
        group: {},
        facts: { pathMtu: {}, interfaceOf: {} },
        clock: w.clock,
        keys: u.keys,
      });
      // no remote data: the links close, so the state must report a change
      expect(again.stateChanged).toBe(true);
    }
    const before = [...w.units.values()].map((u) => JSON.stringify([u.state, u.published]));
    for (const u of w.units.values()) w.step(u.id);
    expect([...w.units.values()].map((u) => JSON.stringify([u.state, u.published]))).toEqual(before);
  });

  it('removing a peering closes every link and withdraws its data; re-adding rebuilds the mesh', () => {
    const w = twoSites();
    w.settle();
    w.peerings = [];
    w.reconfigure();
    w.settle();
    expect(goneViolations(w, 'a-b')).toEqual([]);
    for (const u of w.units.values()) {
      expect(u.desired?.interfaces).toEqual([]);
      // closed links whose interface is gone are collected; their ports rest in quarantine
      expect(u.state.links).toEqual([]);
      expect(u.state.keys).toEqual([]);
      expect(u.state.quarantine.length).toBeGreaterThan(0);
    }
    w.peerings = [{ id: 'a-b', initiator: 'a', acceptor: 'b' }];
    w.reconfigure();
    w.settle();
    expect(allViolations(w)).toEqual([]);
  });

  it('a departed unit loses its links everywhere', () => {
    const w = twoSites();
    w.settle();
    const gone = [...w.units.values()][3];
    if (!gone) throw new Error('no unit');
    w.removeUnit(gone.id);
    w.settle();
    expect(allViolations(w)).toEqual([]);
    for (const u of w.units.values()) {
      expect(u.state.links.filter((l) => l.peerUnit === gone.id && l.status !== 'closed')).toEqual([]);
    }
  });

  it('invalid data from one remote unit holds only the links of that unit, with a problem naming peering and unit', () => {
    const w = new World(
      [
        { name: 'a', units: 1, tunnels: 2 },
        { name: 'b', units: 1, tunnels: 2 },
        { name: 'c', units: 1, tunnels: 2 },
      ],
      [
        { id: 'a-b', initiator: 'a', acceptor: 'b' },
        { id: 'a-c', initiator: 'a', acceptor: 'c' },
      ],
    );
    w.settle();
    const [a, b] = [...w.units.values()];
    if (!a || !b?.published) throw new Error('no unit');
    const linksBefore = JSON.stringify(a.state.links.filter((l) => l.peering === 'a-b'));
    const bad = {
      ...b.published,
      peerings: { 'a-b': { ...b.published.peerings['a-b'], 'listen-ports': 'x:y:z' } },
    };
    a.view.set(b.id, bad as never);
    w.step(a.id);
    expect(a.problems.map((p) => [p.code, p.peering, p.unit])).toEqual([['PEER_DATA_INVALID', 'a-b', b.id]]);
    expect(a.problems[0]?.message).toMatch(/listen-ports/);
    expect(JSON.stringify(a.state.links.filter((l) => l.peering === 'a-b'))).toBe(linksBefore);
    expect(a.desired?.interfaces).toHaveLength(4); // both peerings keep their tunnels
  });

  it('negotiates the MTU: path MTU minus 80, minimum over the group and the remote units', () => {
    const cfg = (unit: string, group: string, role: 'initiator' | 'acceptor', ingress: string) =>
      parseGroupConfig({
        unit,
        group,
        'ingress-address': ingress,
        'advertise-prefixes': ['192.0.2.0/24'],
        peerings: [{ id: 'p', role }],
      });
    const a = cfg('a-1', 'a', 'initiator', '198.18.0.1');
    const keys = new FakeKeySource('m');
    const clock = new ManualClock(0);
    const b = reconcile({
      config: cfg('b-1', 'b', 'acceptor', '198.18.1.1'),
      state: emptyState(50000),
      remote: {},
      group: {},
      facts: { pathMtu: {}, interfaceOf: {} },
      clock,
      keys,
    });
    const first = reconcile({
      config: a,
      state: emptyState(50000),
      remote: { p: { 'b-1': b.publish.peerings.p as Record<string, string> } },
      group: { 'a-2': { mtu: '1300' } },
      facts: { pathMtu: { '198.18.1.1': 1400 }, interfaceOf: {} },
      clock,
      keys,
    });
    expect(first.publish.peerings.p?.mtu).toBe('1320');
    expect(first.publish.group.mtu).toBe('1320');
    expect(first.state.links.every((l) => l.mtu === 1300)).toBe(true);
    const decoded = decodePeerData(first.publish.peerings.p as Record<string, string>);
    expect(decoded.ok).toBe(true);
  });

  it('reports port exhaustion naming the range, for that peering only', () => {
    const w = new World(
      [
        { name: 'a', units: 1, tunnels: 4 },
        { name: 'b', units: 1, tunnels: 4 },
      ],
      [{ id: 'a-b', initiator: 'a', acceptor: 'b' }],
    );
    const [a] = [...w.units.values()];
    if (!a) throw new Error('no unit');
    a.config = { ...a.config, portRange: { min: 50000, max: 50003 } };
    w.settle();
    expect(a.problems.some((p) => p.code === 'PORT_EXHAUSTED' && /50000-50003/.test(p.message))).toBe(true);
    expect(a.state.links.filter((l) => l.status === 'open')).toHaveLength(2);
  });
});
