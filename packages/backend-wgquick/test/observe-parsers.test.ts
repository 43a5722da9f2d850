import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { joinObserved, parseIpAddrs, parseIpLinks, parseWgDump } from '../src/observe-parsers.js';

// Recorded in a namespace: two gateway links (wg50001 after a handshake,
// wg50003 at MTU 1380), a user's wg0 without the alias, a veth. Private keys
// in the dump were replaced by fakes.
const fixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const dump = fixture('wg-show-all-dump.txt');
const links = fixture('ip-link.json');
const addrs = fixture('ip-addr.json');

describe('parseWgDump', () => {
  it('reads interfaces and peers, and drops private keys', () => {
    const parsed = parseWgDump(dump);
    expect([...parsed.keys()].sort()).toEqual(['wg0', 'wg50001', 'wg50003']);
    const wg = parsed.get('wg50001');
    expect(wg).toMatchObject({
      listenPort: 50001,
      publicKey: 'w8+qotrqNVOmziBgOg3lSPSJ/hBJGKJzveYdWZS9cWY=',
    });
    expect(wg?.peers).toEqual([
      {
        publicKey: 'rCmTlvcC+8f3CARf2ybrYDvivE2pHqp/Fpwm6TY9sDk=',
        endpoint: '198.51.100.2:50002',
        allowedIps: [
          '169.254.0.0/24',
          '2001:db8::/32',
          '203.0.113.0/24',
          '224.0.0.0/24',
          'fe80::/64',
          'ff02::/16',
        ],
        persistentKeepalive: 5,
        lastHandshake: 1795621381000,
        rxBytes: 332,
        txBytes: 388,
      },
    ]);
    expect(parsed.get('wg50003')?.peers[0]).not.toHaveProperty('lastHandshake');
    expect(JSON.stringify([...parsed.values()])).not.toContain('FIXTURE/FAKE/PRIVATE');
  });

  it('reads (none), off, and an interface without a key', () => {
    const parsed = parseWgDump(
      'wg50009\t(none)\t(none)\t0\toff\nwg50009\tPEER=\t(none)\t(none)\t(none)\t0\t0\t0\toff\n',
    );
    expect(parsed.get('wg50009')).toEqual({
      name: 'wg50009',
      listenPort: 0,
      peers: [{ publicKey: 'PEER=', allowedIps: [], persistentKeepalive: 0, rxBytes: 0, txBytes: 0 }],
    });
  });

  it('reads an empty dump', () => {
    expect(parseWgDump('').size).toBe(0);
  });
});

describe('joinObserved', () => {
  it('returns only links named wg<port> with the gateway alias', () => {
    const observed = joinObserved(parseWgDump(dump), parseIpLinks(links), parseIpAddrs(addrs));
    expect(observed.map((o) => o.name)).toEqual(['wg50001', 'wg50003']);
    expect(observed[1]).toMatchObject({
      name: 'wg50003',
      listenPort: 50003,
      publicKey: 'b815jHFGEWFCut3AyUDRx2wi2Zve25N1a0wjPTKiC1A=',
      mtu: 1380,
      addresses: ['169.254.0.1/24', 'fe80::1/64'],
      up: true,
    });
  });

  it('keeps a managed link that WireGuard lost, with port 0 and no peers', () => {
    const link = [
      { ifindex: 7, ifname: 'wg50011', flags: ['POINTOPOINT'], mtu: 1420, ifalias: 'wg-gateway' },
    ];
    expect(joinObserved(new Map(), link, [])).toEqual([
      { name: 'wg50011', listenPort: 0, mtu: 1420, addresses: [], up: false, peers: [] },
    ]);
  });

  it('refuses output that is not a JSON array', () => {
    expect(() => parseIpLinks('{}')).toThrow(/JSON array/);
    expect(parseIpLinks('')).toEqual([]);
  });
});
