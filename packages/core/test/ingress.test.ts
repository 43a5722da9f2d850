import { describe, expect, it } from 'vitest';
import { parseGroupConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import { isHostname, parseHostname, parseIngress } from '../src/ingress.js';
import { decodePeerData } from '../src/peer-data.js';

describe('ingress addresses by name', () => {
  it('accepts RFC 1123 host names, lower-cased, one trailing dot dropped', () => {
    expect(parseHostname('GW-1.Example.NET.')).toEqual({ ok: true, value: 'gw-1.example.net' });
    expect(parseHostname(`${'a'.repeat(63)}.example.net`).ok).toBe(true);
    expect(parseHostname('1password.example.com').ok).toBe(true);
  });

  it.each([
    ['localhost', /domain/],
    ['-gw.example.net', /RFC 1123/],
    ['gw-.example.net', /RFC 1123/],
    ['gw_1.example.net', /RFC 1123/],
    ['gw..example.net', /RFC 1123/],
    [`${'a'.repeat(64)}.example.net`, /RFC 1123/],
    [`${'abcdefghi.'.repeat(26)}net`, /1-253/],
    ['gw.example.123', /all digits/],
    ['gw.exa mple.net', /RFC 1123/],
    ['gw.example.net..', /RFC 1123/],
    ['', /1-253/],
  ])('refuses %j', (text, why) => {
    const r = parseHostname(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(why);
  });

  it('reads digits-and-dots and anything with a colon as an IP, refused as one', () => {
    expect(parseIngress('203.0.113.7')).toEqual({
      ok: true,
      value: { kind: 'ip', text: '203.0.113.7', family: 4 },
    });
    expect(parseIngress('10.0.0.999').ok).toBe(false);
    const loop = parseIngress('127.0.0.1');
    expect(loop.ok ? '' : loop.error).toMatch(/ingress address/);
    expect(parseIngress('gw1.example.net')).toEqual({
      ok: true,
      value: { kind: 'name', text: 'gw1.example.net' },
    });
    expect(isHostname('2001:db8::1')).toBe(false);
    expect(isHostname('192.0.2.1')).toBe(false);
    expect(isHostname('gw1.example.net')).toBe(true);
  });

  it('peer data may publish a name; a bad one is refused naming the field', () => {
    const ok = decodePeerData({ 'ingress-address': 'GW1.example.net' });
    expect(ok.ok && ok.value.ingressAddress).toBe('gw1.example.net');
    for (const bad of [
      'gw1',
      'gw 1.example.net',
      'x'.repeat(300),
      'gw1.example.net;rm -rf /',
      '🦆.example',
    ]) {
      const r = decodePeerData({ 'ingress-address': bad });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.issues.map((i) => i.path)).toEqual(['ingress-address']);
    }
  });

  it('the config accepts a name and refuses garbage', () => {
    const base = { unit: 'u', group: 'g', 'advertise-prefixes': ['192.0.2.0/24'] };
    expect(parseGroupConfig({ ...base, 'ingress-address': 'GW.example.net' }).ingressAddress).toBe(
      'gw.example.net',
    );
    expect(() => parseGroupConfig({ ...base, 'ingress-address': 'gw!.example.net' })).toThrow(ConfigError);
  });
});
