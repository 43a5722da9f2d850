import { describe, expect, it } from 'vitest';
import { parseGroupConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

const base = {
  unit: 'site-a-0',
  group: 'site-a',
  'ingress-address': '198.51.100.10',
  'advertise-prefixes': ['3fff::/20', '192.0.2.0/24'],
  peerings: [{ id: 'a-b', role: 'initiator' }],
};

function issuesOf(raw: unknown): { path: string; value: string; message: string }[] {
  try {
    parseGroupConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).issues];
  }
  throw new Error('expected a ConfigError');
}

describe('group config', () => {
  it('applies defaults and canonicalises', () => {
    const c = parseGroupConfig({ ...base, 'advertise-prefixes': '3FFF::/20, 192.0.2.0/24' });
    expect(c.tunnels).toBe(2);
    expect(c.portRange).toEqual({ min: 50000, max: 52000 });
    expect(c.advertisePrefixes.map((p) => p.text)).toEqual(['192.0.2.0/24', '3fff::/20']);
    expect(c.vips).toEqual([]);
    expect(c.routing).toEqual({ helloSeconds: 1, deadSeconds: 4, bfd: { intervalMs: 100, multiplier: 4 } });
    expect(c.routerId).toBeUndefined();
  });

  it('parses vips, port range strings, bfd and router id', () => {
    const c = parseGroupConfig({
      ...base,
      vips: ['192.0.2.1/24', '3fff::1/64'],
      'port-range': '51000-51100',
      'router-id': '192.0.2.10',
      ospf: { bfd: { 'interval-ms': 300 } },
    });
    expect(c.vips.map((v) => v.cidr)).toEqual(['192.0.2.1/24', '3fff::1/64']);
    expect(c.portRange).toEqual({ min: 51000, max: 51100 });
    expect(c.routing.bfd).toEqual({ intervalMs: 300, multiplier: 4 });
    expect(parseGroupConfig({ ...base, ospf: { bfd: false } }).routing.bfd).toBeUndefined();
    expect(c.routerId).toBe('192.0.2.10');
  });

  it('names the field, the value and what is allowed', () => {
    const issues = issuesOf({ ...base, tunnels: 1 });
    expect(issues).toEqual([{ path: 'tunnels', value: '1', message: 'must be at least 2' }]);
    const roles = issuesOf({ ...base, peerings: [{ id: 'a-b', role: 'provider' }] });
    expect(roles[0]?.path).toBe('peerings[0].role');
    expect(roles[0]?.value).toBe('"provider"');
    expect(roles[0]?.message).toMatch(/initiator|acceptor/);
  });

  it('refuses empty, overlapping and special prefixes', () => {
    expect(issuesOf({ ...base, 'advertise-prefixes': [] })[0]?.message).toMatch(/at least one/);
    const overlap = issuesOf({ ...base, 'advertise-prefixes': ['10.0.0.0/8', '10.1.0.0/16'] });
    expect(overlap[0]?.message).toMatch(/overlap/);
    const special = issuesOf({
      ...base,
      'advertise-prefixes': ['169.254.0.0/16', '224.0.0.0/4', '127.0.0.0/8', '::/128'],
    });
    expect(special.map((i) => i.path)).toEqual([
      'advertise-prefixes[0]',
      'advertise-prefixes[1]',
      'advertise-prefixes[2]',
      'advertise-prefixes[3]',
    ]);
  });

  it('refuses unknown keys, bad addresses, duplicate peerings and bad ranges', () => {
    expect(issuesOf({ ...base, tunel: 3 })[0]?.message).toMatch(/tunel/);
    expect(issuesOf({ ...base, 'ingress-address': '192.0.2.0/24' })[0]?.path).toBe('ingress-address');
    expect(issuesOf({ ...base, vips: ['192.0.2.1'] })[0]?.message).toMatch(/CIDR/);
    expect(
      issuesOf({
        ...base,
        peerings: [
          { id: 'x', role: 'initiator' },
          { id: 'x', role: 'acceptor' },
        ],
      })[0]?.path,
    ).toBe('peerings[1].id');
    expect(issuesOf({ ...base, 'port-range': '52000-50000' })[0]?.path).toBe('port-range');
    expect(issuesOf({ ...base, 'router-id': '2001:db8::1' })[0]?.message).toMatch(/IPv4/);
    expect(issuesOf({ ...base, paths: { 'route-check-script': 'check route.sh' } })[0]?.path).toBe(
      'paths.route-check-script',
    );
  });

  it('error message lists every issue on its own line', () => {
    try {
      parseGroupConfig({ ...base, tunnels: 0, 'ingress-address': 'nope' }, 'site-a.yaml');
    } catch (e) {
      expect((e as Error).message).toMatch(/invalid site-a.yaml/);
      expect((e as Error).message).toMatch(/tunnels: must be at least 2 \(got 0\)/);
    }
  });
});

describe('group config: vrrp section', () => {
  it('defaults to 0.1 s adverts (VRRPv3) and a 1 s track script that falls after 1 run and rises after 2', () => {
    expect(parseGroupConfig(base).vrrp).toEqual({
      advertIntervalSeconds: 0.1,
      trackIntervalSeconds: 1,
      trackFall: 1,
      trackRise: 2,
    });
  });

  it('takes centisecond adverts and the track timers', () => {
    const c = parseGroupConfig({
      ...base,
      vrrp: { 'advert-interval': 0.1, 'track-interval': 1, 'track-fall': 1, 'track-rise': 3 },
    });
    expect(c.vrrp).toEqual({
      advertIntervalSeconds: 0.1,
      trackIntervalSeconds: 1,
      trackFall: 1,
      trackRise: 3,
    });
  });

  it('refuses adverts finer than 0.01 s or above 40.95 s, fractional track intervals and unknown keys', () => {
    expect([
      ...new Set(issuesOf({ ...base, vrrp: { 'advert-interval': 0.005 } }).map((i) => i.path)),
    ]).toEqual(['vrrp.advert-interval']);
    expect(issuesOf({ ...base, vrrp: { 'advert-interval': 0.123 } }).map((i) => i.path)).toEqual([
      'vrrp.advert-interval',
    ]);
    expect(issuesOf({ ...base, vrrp: { 'advert-interval': 41 } }).map((i) => i.path)).toEqual([
      'vrrp.advert-interval',
    ]);
    expect(issuesOf({ ...base, vrrp: { 'track-interval': 0.5 } }).map((i) => i.path)).toEqual([
      'vrrp.track-interval',
    ]);
    expect(issuesOf({ ...base, vrrp: { priority: 100 } })).toHaveLength(1);
  });
});
