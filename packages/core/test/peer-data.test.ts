import { describe, expect, it } from 'vitest';
import { decodeGroupPeerData, decodePeerData, encodePeerData, isWireGuardKey } from '../src/peer-data.js';
import { refKey } from './fixtures.js';

const a1 = refKey('a', 1);
const a2 = refKey('a', 2);
const b1 = refKey('b', 1);

describe('peer data codec', () => {
  it('accepts reference-style keys and real keys', () => {
    expect(isWireGuardKey(a1)).toBe(true);
    expect(isWireGuardKey('yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=')).toBe(true);
    expect(isWireGuardKey('yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmB=')).toBe(false); // non-zero padding bits
    expect(isWireGuardKey('short=')).toBe(false);
  });

  it('reads data written by the reference: spaces after commas, upper-case IPv6', () => {
    const r = decodePeerData({
      'ingress-address': '2001:DB8::10',
      'advertise-prefixes': '2001:DB8::/32, 192.0.2.0/24',
      'public-keys': `${a1}, ${a2}`,
      'listen-ports': `${a1}:${b1}:50001, ${a2}:${refKey('b', 2)}:50003`,
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.ingressAddress).toBe('2001:db8::10');
    expect(r.value.advertisePrefixes.map((p) => p.text)).toEqual(['192.0.2.0/24', '2001:db8::/32']);
    expect(r.value.publicKeys).toEqual([a1, a2]);
    expect(r.value.listenPorts).toEqual([
      { publicKey: a1, peerPublicKey: b1, port: 50001 },
      { publicKey: a2, peerPublicKey: refKey('b', 2), port: 50003 },
    ]);
    expect(r.value.mtu).toBeUndefined();
  });

  it('round-trips: decode(encode(x)) == x and encode(decode(w)) is canonical and stable', () => {
    const wire = {
      'ingress-address': '203.0.113.7',
      'advertise-prefixes': '198.51.100.0/24, 3fff::/20',
      'public-keys': `${a1},${a2}`,
      'listen-ports': `${a1}:${b1}:50000`,
      mtu: '1380',
      'ospf-timers': '1/4',
    };
    const d = decodePeerData(wire);
    if (!d.ok) throw new Error('decode failed');
    expect(encodePeerData(d.value)).toEqual(wire);
    const again = decodePeerData(encodePeerData(d.value));
    expect(again).toEqual(d);
  });

  it('reports every bad field with its value and why', () => {
    const r = decodePeerData({
      'ingress-address': 'not-an-ip',
      'advertise-prefixes': '10.0.0.0/8, 10.0.0.0/99',
      'public-keys': `${a1}, garbage`,
      'listen-ports': `${a2}:${b1}:50000, ${a1}:${b1}:70000, nonsense`,
      mtu: '20',
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.issues.map((i) => i.path);
    expect(paths).toEqual([
      'ingress-address',
      'advertise-prefixes',
      'public-keys',
      'listen-ports',
      'listen-ports',
      'listen-ports',
      'mtu',
    ]);
    expect(r.issues.find((i) => i.value.includes('10.0.0.0/99'))?.message).toMatch(/length/);
    expect(r.issues.some((i) => i.path === 'listen-ports' && /1-65535/.test(i.message))).toBe(true);
    // a listen-ports key must be one of the unit's public keys
    expect(r.issues.find((i) => i.message.includes('public-keys'))?.value).toContain('public/key/a/2');
    expect(r.issues.find((i) => i.path === 'mtu')?.message).toMatch(/1280-65535/);
  });

  it('reads ospf-timers; an invalid value is ignored (reported), not a refusal of the unit', () => {
    const base = { 'ingress-address': '192.0.2.1' };
    const ok = decodePeerData({ ...base, 'ospf-timers': ' 2 / 10 ' });
    expect(ok).toEqual({
      ok: true,
      value: expect.objectContaining({ ospfTimers: { helloSeconds: 2, deadSeconds: 10 } }),
    });
    for (const bad of ['4/4', '0/4', '1/65536', 'fast', '1/4/8']) {
      const r = decodePeerData({ ...base, 'ospf-timers': bad });
      expect(r.ok, bad).toBe(true);
      if (!r.ok) continue;
      expect(r.value.ospfTimers).toBeUndefined();
      expect(r.ignored?.map((i) => i.path)).toEqual(['ospf-timers']);
      expect(r.ignored?.[0]?.message).toMatch(/HELLO\/DEAD/);
    }
    // Beside a refusing issue it is listed with the others.
    const both = decodePeerData({ ...base, mtu: '20', 'ospf-timers': '9/3' });
    expect(both.ok ? [] : both.issues.map((i) => i.path)).toEqual(['mtu', 'ospf-timers']);
  });

  it('shortens long bad values', () => {
    const r = decodePeerData({
      'ingress-address': 'x'.repeat(500),
      'advertise-prefixes': '',
      'public-keys': '',
      'listen-ports': '',
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]?.value.length).toBeLessThanOrEqual(40);
  });

  it('reads absent lists as empty, as the reference does; ingress-address is required', () => {
    expect(decodePeerData({ 'ingress-address': '192.0.2.1' })).toEqual({
      ok: true,
      value: { ingressAddress: '192.0.2.1', advertisePrefixes: [], publicKeys: [], listenPorts: [] },
    });
    const r = decodePeerData({ 'public-keys': a1 });
    expect(r.ok ? [] : r.issues.map((i) => `${i.path}:${i.message}`)).toEqual(['ingress-address:missing']);
  });

  it('decodes group data', () => {
    expect(decodeGroupPeerData({ mtu: '1400' })).toEqual({ ok: true, value: { mtu: 1400 } });
    expect(decodeGroupPeerData({})).toEqual({ ok: true, value: {} });
    expect(decodeGroupPeerData({ mtu: 'big' }).ok).toBe(false);
  });
});
