import { describe, expect, it } from 'vitest';
import {
  canonicalCidr,
  contains,
  findOverlap,
  overlaps,
  parseAddress,
  parsePrefix,
  refusalOf,
} from '../src/prefix.js';

const p = (s: string) => {
  const r = parsePrefix(s);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

describe('prefixes', () => {
  it('canonicalises: IPv6 compressed lower case, host bits cleared', () => {
    expect(p('2001:DB8:0:0::/32').text).toBe('2001:db8::/32');
    expect(p('2001:0db8:0000::1/128').text).toBe('2001:db8::1/128');
    expect(p(' 192.0.2.77/24 ').text).toBe('192.0.2.0/24');
    expect(p('198.51.100.1').text).toBe('198.51.100.1/32');
  });

  it('refuses garbage with a reason', () => {
    for (const bad of [
      '',
      'x',
      '10.0.0.0/33',
      '2001:db8::/129',
      '300.1.1.1/8',
      '10.0.0.0/-1',
      '10.0.0/8',
      '2001:db8::/3a',
    ]) {
      const r = parsePrefix(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.error).not.toBe('');
    }
  });

  it('detects overlap and containment across families', () => {
    expect(overlaps(p('10.0.0.0/8'), p('10.1.0.0/16'))).toBe(true);
    expect(overlaps(p('10.0.0.0/16'), p('10.1.0.0/16'))).toBe(false);
    expect(overlaps(p('::/0'), p('10.0.0.0/8'))).toBe(false);
    expect(contains(p('2001:db8::/32'), p('2001:db8:1::/48'))).toBe(true);
    expect(contains(p('2001:db8:1::/48'), p('2001:db8::/32'))).toBe(false);
    expect(findOverlap([p('192.0.2.0/24'), p('3fff::/20'), p('192.0.2.128/25')])?.map((x) => x.text)).toEqual(
      ['192.0.2.0/24', '192.0.2.128/25'],
    );
    expect(findOverlap([p('192.0.2.0/25'), p('192.0.2.128/25')])).toBeUndefined();
  });

  it('refuses link-local, multicast, loopback, unspecified and broadcast; allows default routes', () => {
    expect(refusalOf(p('169.254.1.0/24'))).toMatch(/link-local/);
    expect(refusalOf(p('fe80::/64'))).toMatch(/link-local/);
    expect(refusalOf(p('224.0.0.0/24'))).toMatch(/multicast/);
    expect(refusalOf(p('ff02::/16'))).toMatch(/multicast/);
    expect(refusalOf(p('127.0.0.0/8'))).toMatch(/loopback/);
    expect(refusalOf(p('::1/128'))).toMatch(/loopback/);
    expect(refusalOf(p('0.0.0.0/8'))).toMatch(/unspecified/);
    expect(refusalOf(p('::/128'))).toMatch(/unspecified/);
    expect(refusalOf(p('255.255.255.255/32'))).toMatch(/broadcast/);
    expect(refusalOf(p('192.0.2.0/24'))).toBeUndefined();
    expect(refusalOf(p('0.0.0.0/0'))).toBeUndefined();
  });

  it('parses addresses and keeps host bits in interface CIDRs', () => {
    expect(parseAddress('2001:DB8::0:1')).toMatchObject({
      ok: true,
      value: { text: '2001:db8::1', family: 6 },
    });
    expect(parseAddress('192.0.2.1/24').ok).toBe(false);
    expect(canonicalCidr('FE80::0001/64')).toBe('fe80::1/64');
    expect(canonicalCidr('169.254.0.2/24')).toBe('169.254.0.2/24');
  });
});
