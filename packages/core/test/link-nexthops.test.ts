import { describe, expect, it } from 'vitest';
import { linkNexthops } from '../src/link-nexthops.js';
import { reconciledPair } from './render-reconciled.js';

describe('linkNexthops', () => {
  const { a, b } = reconciledPair();

  it('gives each link the other end’s address and the remote unit’s accepted prefixes', () => {
    const fromA = linkNexthops(a);
    expect(fromA.length).toBeGreaterThan(0);
    expect(fromA.map((l) => l.interface)).toEqual(a.interfaces.map((i) => i.name));
    for (const link of fromA) {
      // a is the initiator (.1 / ::1): its next hop is the acceptor's end.
      expect(link.gateway).toEqual({ 4: '169.254.0.2', 6: 'fe80::2' });
      expect(link.prefixes).toEqual({
        4: ['198.51.100.0/24', '203.0.113.0/24'],
        6: ['2001:db8:b::/48'],
      });
    }
    for (const link of linkNexthops(b)) {
      expect(link.gateway).toEqual({ 4: '169.254.0.1', 6: 'fe80::1' });
      expect(link.prefixes).toEqual({ 4: ['192.0.2.0/24'], 6: ['2001:db8:a::/48'] });
    }
  });

  it('leaves out links whose remote unit has no accepted prefix', () => {
    const none = { ...a, bird: { ...a.bird, linkImports: [] } };
    expect(linkNexthops(none)).toEqual([]);
  });
});
