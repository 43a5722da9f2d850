import { describe, expect, it } from 'vitest';
import { HostAnswerCache, interfaceOnSubnet } from '../src/index.js';

describe('interfaceOnSubnet', () => {
  const held = [
    { ifname: 'lo', address: '127.0.0.1', prefixLength: 8 },
    { ifname: 'eth0', address: '192.0.2.1', prefixLength: 24 },
    { ifname: 'eth1', address: '192.0.2.129', prefixLength: 25 },
    { ifname: 'eth2', address: '2001:db8::1', prefixLength: 64 },
  ];

  it('picks the longest subnet holding the address', () => {
    expect(interfaceOnSubnet('192.0.2.10', held)).toBe('eth0');
    expect(interfaceOnSubnet('192.0.2.200', held)).toBe('eth1');
    expect(interfaceOnSubnet('2001:db8::10', held)).toBe('eth2');
    expect(interfaceOnSubnet('198.51.100.1', held)).toBeUndefined();
  });

  it('ignores the VIP itself, host addresses and lo: the answer stays once Keepalived adds the VIP', () => {
    const withVip = [
      { ifname: 'lo', address: '192.0.2.10', prefixLength: 32 },
      { ifname: 'eth9', address: '192.0.2.10', prefixLength: 24 },
      { ifname: 'eth8', address: '192.0.2.11', prefixLength: 32 },
      ...held,
    ];
    expect(interfaceOnSubnet('192.0.2.10', withVip)).toBe('eth0');
  });
});

describe('HostAnswerCache', () => {
  it('keeps answers until the fingerprint changes, invalidate() or the ttl', () => {
    const c = new HostAnswerCache<number>(1000);
    c.refresh('a', 0);
    c.set('x', 1);
    c.set('y', null);
    c.refresh('a', 999);
    expect([c.get('x'), c.get('y'), c.get('z')]).toEqual([1, null, undefined]);
    c.refresh('b', 999);
    expect(c.get('x')).toBeUndefined();
    c.set('x', 2);
    c.refresh('b', 1999);
    expect(c.get('x')).toBeUndefined();
    c.set('x', 3);
    c.invalidate();
    c.refresh('b', 2000);
    expect(c.get('x')).toBeUndefined();
  });
});
