/** What a hostile or broken unit can publish, and that none of it widens what it may send. */
import { describe, expect, it } from 'vitest';
import { decodePeerData, PEER_DATA_LIMITS } from '../src/peer-data.js';
import { renderBirdConfig, renderWgQuickConfig } from '../src/render/index.js';
import { refKey } from './fixtures.js';
import { local, PEERING, remote, runScenario, scenarioConfig } from './support/scenario.js';

const k1 = refKey('a', 1);
const valid = { 'ingress-address': '198.51.100.1', 'public-keys': k1 };
const issuesOf = (wire: unknown) => {
  const r = decodePeerData(wire);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
};

describe('peer data decoder guards', () => {
  it.each([
    ['169.254.1.0/24', /link-local/],
    ['fe80::/64', /link-local/],
    ['224.0.0.0/24', /multicast/],
    ['ff02::/16', /multicast/],
    ['127.0.0.0/8', /loopback/],
    ['::1/128', /loopback/],
    ['0.0.0.0/8', /unspecified/],
    ['::/128', /unspecified/],
    ['255.255.255.255/32', /broadcast/],
  ])('refuses the advertised prefix %s', (prefix, why) => {
    expect(issuesOf({ ...valid, 'advertise-prefixes': `198.51.100.0/24, ${prefix}` })).toEqual([
      expect.stringMatching(why),
    ]);
  });

  it.each(['0.0.0.0', '::', '127.0.0.1', '::1', '224.0.0.5', 'ff02::1', '255.255.255.255'])(
    'refuses the ingress address %s',
    (address) => {
      expect(issuesOf({ ...valid, 'ingress-address': address })).toEqual([
        expect.stringMatching(/^ingress-address: .*cannot be an ingress address/),
      ]);
    },
  );

  it('refuses an MTU under 1280 and accepts 1280', () => {
    expect(issuesOf({ ...valid, mtu: '1279' })).toEqual(['mtu: must be an integer 1280-65535']);
    expect(issuesOf({ ...valid, mtu: '1280' })).toEqual([]);
  });

  it('never throws on data that is not an object of strings', () => {
    for (const wire of [null, undefined, 42, 'text', [], [valid], { ...valid, 'public-keys': 7 }]) {
      expect(decodePeerData(wire).ok).toBe(false);
    }
  });

  it('keys its memo so that no value can shift the fields', () => {
    // Under a joined key, this ingress address carried an advertise-prefixes value.
    const smuggled = { 'ingress-address': '198.51.100.1\u0001192.0.2.0/24', 'public-keys': k1 };
    expect(
      decodePeerData({ 'ingress-address': '198.51.100.1', 'advertise-prefixes': '192.0.2.0/24' }).ok,
    ).toBe(true);
    expect(decodePeerData(smuggled).ok).toBe(false);
  });

  it('bounds every list and value, refusing the unit', () => {
    const prefixes = Array.from(
      { length: PEER_DATA_LIMITS.prefixes + 1 },
      (_, i) => `10.${i >> 8}.${i & 255}.0/24`,
    );
    expect(issuesOf({ ...valid, 'advertise-prefixes': prefixes.join(',') })).toEqual([
      `advertise-prefixes: more than ${PEER_DATA_LIMITS.prefixes} entries`,
    ]);
    expect(issuesOf({ ...valid, 'ingress-address': 'x'.repeat(PEER_DATA_LIMITS.valueLength + 1) })).toEqual([
      `ingress-address: longer than ${PEER_DATA_LIMITS.valueLength} characters`,
    ]);
    const many = Array.from({ length: 200 }, (_, i) => `bad${i}`).join(',');
    const r = decodePeerData({ ...valid, 'listen-ports': many });
    expect(r.ok ? 0 : r.issues.length).toBe(PEER_DATA_LIMITS.issues + 1);
  });

  it('decodes the largest accepted data in linear time (no quadratic duplicate checks)', () => {
    // 64 KiB of distinct keys: over the entry limit, refused without parsing each.
    const keys = Array.from({ length: 1400 }, (_, i) => refKey('k', i)).join(',');
    expect(keys.length).toBeLessThanOrEqual(PEER_DATA_LIMITS.valueLength);
    expect(issuesOf({ ...valid, 'public-keys': keys })).toEqual([
      `public-keys: more than ${PEER_DATA_LIMITS.publicKeys} entries`,
    ]);
    const dupes = Array(PEER_DATA_LIMITS.prefixes).fill('198.51.100.0/24').join(',');
    const r = decodePeerData({ ...valid, 'advertise-prefixes': dupes });
    expect(r.ok && r.value.advertisePrefixes.map((p) => p.text)).toEqual(['198.51.100.0/24']);
  });
});

describe('reconcile with refused peer data', () => {
  const good = (n: number) => ({
    'ingress-address': `198.51.100.${n}`,
    'public-keys': `${remote(n, 0)},${remote(n, 1)}`,
    'advertise-prefixes': `203.0.113.${n * 16}/28`,
  });

  it('never throws on null, arrays or numbers from a custom exchange; the other units carry on', () => {
    for (const bad of [null, 42, 'x', [], { 'ingress-address': null }]) {
      const r = runScenario(scenarioConfig('initiator'), { 'remote/1': good(1), 'remote/2': bad });
      expect(r.problems.map((p) => [p.code, p.peering, p.unit])).toEqual([
        ['PEER_DATA_INVALID', PEERING, 'remote/2'],
      ]);
      expect(r.state.links.filter((l) => l.peerUnit === 'remote/1')).toHaveLength(2);
      expect(r.state.links.filter((l) => l.peerUnit === 'remote/2')).toHaveLength(0);
    }
  });

  it('never throws when the exchange hands over garbage for a whole peering', () => {
    const r = runScenario(scenarioConfig('initiator'), null as never);
    expect(r.problems.map((p) => [p.code, p.peering])).toEqual([['PEER_DATA_INVALID', PEERING]]);
  });

  it('holds the links of a unit whose data turns invalid, and ignores nothing else', () => {
    const config = scenarioConfig('initiator');
    const first = runScenario(config, { 'remote/1': good(1) });
    const entries = first.state.links.map(
      (l) => `${remote(1, l.peerPublicKey === remote(1, 0) ? 0 : 1)}:${l.publicKey}:${l.port + 1}`,
    );
    const open = runScenario(
      config,
      { 'remote/1': { ...good(1), 'listen-ports': entries.join(',') } },
      first.state,
    );
    expect(open.state.links.map((l) => l.status)).toEqual(['open', 'open']);
    const held = runScenario(config, { 'remote/1': { ...good(1), 'listen-ports': 'garbage' } }, open.state);
    expect(held.state.links).toEqual(open.state.links);
    expect(held.desired.interfaces).toEqual(open.desired.interfaces);
  });

  it('builds AllowedIPs and the BIRD import only from accepted prefixes; default routes and overlaps are problems', () => {
    const config = scenarioConfig('acceptor');
    const data = {
      'ingress-address': '198.51.100.1',
      'public-keys': remote(1, 0),
      'advertise-prefixes': '0.0.0.0/0, ::/0, 192.0.2.128/25, 203.0.113.0/24',
      'listen-ports': `${remote(1, 0)}:${local(0)}:50001`,
    };
    const r = runScenario(config, { 'remote/1': data });
    const iface = r.desired.interfaces[0] ?? expect.fail('no interface');
    expect(iface.peer.allowedIps).toEqual([
      '169.254.0.0/24',
      '203.0.113.0/24',
      '224.0.0.0/24',
      'fe80::/64',
      'ff02::/16',
    ]);
    expect(r.problems[0]?.issues?.[0]).toEqual({
      path: 'advertise-prefixes',
      value: '0.0.0.0/0',
      message: 'default route 0.0.0.0/0',
    });
    expect(r.problems.map((p) => [p.code, p.unit])).toEqual([
      ['IMPORT_REFUSED', 'remote/1'],
      ['IMPORT_REFUSED', 'remote/1'],
      ['IMPORT_REFUSED', 'remote/1'],
    ]);
    const bird = renderBirdConfig(r.desired.bird);
    expect(bird).not.toMatch(/0\.0\.0\.0\/0|::\/0|192\.0\.2\.128/);
    expect(renderWgQuickConfig(iface)).not.toMatch(/0\.0\.0\.0\/0|::\/0|192\.0\.2\.128/);

    // The config's import.allow lets them in, for that peering only.
    const allowed = runScenario(
      scenarioConfig('acceptor', {
        import: { allow: [{ prefix: '0.0.0.0/0', peering: PEERING }, { prefix: '192.0.2.0/24' }] },
      }),
      { 'remote/1': data },
    );
    expect(allowed.desired.interfaces[0]?.peer.allowedIps).toContain('0.0.0.0/0');
    expect(allowed.desired.interfaces[0]?.peer.allowedIps).toContain('192.0.2.128/25');
    expect(allowed.problems.map((p) => p.message)).toEqual([expect.stringMatching(/default route ::\/0/)]);
  });
});
