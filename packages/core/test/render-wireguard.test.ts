import { describe, expect, it } from 'vitest';
import type { DesiredInterface } from '../src/desired.js';
import { GENERATED_HEADER, RenderError, renderWgConfig, renderWgQuickConfig } from '../src/render/index.js';
import { acceptorInterface, initiatorInterface, KEYS } from './render-fixtures.js';

const lines = (t: string) => t.split('\n');

describe('renderWgQuickConfig', () => {
  it('writes the interface with all addresses, MTU and no routing table', () => {
    const t = renderWgQuickConfig(initiatorInterface);
    expect(lines(t)[0]).toBe(GENERATED_HEADER);
    const [iface, peer] = t.split('\n\n');
    expect(iface).toBe(
      [
        GENERATED_HEADER,
        '[Interface]',
        `PrivateKey = ${KEYS.initiator.privateKey}`,
        'ListenPort = 50001',
        'Address = 169.254.0.1/24, fe80::1/64',
        'MTU = 1420',
        'Table = off',
        'PostUp = ip link set dev %i alias wg-gateway',
        'PostUp = ip link set dev %i addrgenmode none',
        'PostUp = ip -6 address flush dev %i scope link',
        'PostUp = ip -6 address add fe80::1/64 dev %i',
      ].join('\n'),
    );
    expect(peer).toBe(
      [
        '[Peer]',
        `PublicKey = ${KEYS.acceptor.publicKey}`,
        'Endpoint = [2001:db8::2]:50002',
        'PersistentKeepalive = 5',
        'AllowedIPs = 169.254.0.0/24, 224.0.0.0/24, 198.51.100.0/24, fe80::/64, ff02::/16',
        '',
      ].join('\n'),
    );
  });

  it('writes no Endpoint for the acceptor', () => {
    const t = renderWgQuickConfig(acceptorInterface);
    expect(t).not.toContain('Endpoint');
    expect(t).toContain('PersistentKeepalive = 5\n');
  });
});

describe('an interface without a peer', () => {
  it('renders no [Peer] section', () => {
    const { peer: _peer, ...bare } = initiatorInterface;
    expect(renderWgQuickConfig(bare)).not.toContain('[Peer]');
    expect(renderWgConfig(bare)).toMatch(/ListenPort = 50001\n$/);
  });
});

describe('renderWgConfig', () => {
  it('keeps only the keys wg accepts', () => {
    const t = renderWgConfig(initiatorInterface);
    const keys = lines(t)
      .filter((l) => l.includes(' = '))
      .map((l) => l.split(' = ')[0]);
    expect(keys).toEqual([
      'PrivateKey',
      'ListenPort',
      'PublicKey',
      'Endpoint',
      'PersistentKeepalive',
      'AllowedIPs',
    ]);
  });

  it('is the wg-quick render without Address, MTU, Table and PostUp', () => {
    const quick = lines(renderWgQuickConfig(acceptorInterface)).filter(
      (l) => !/^(Address|MTU|Table|PostUp) = /.test(l),
    );
    expect(lines(renderWgConfig(acceptorInterface))).toEqual(quick);
  });
});

describe('WireGuard render checks', () => {
  const secret = KEYS.initiator.privateKey;
  const bad: [string, Partial<DesiredInterface>, RegExp][] = [
    [
      'a malformed private key',
      { privateKey: `${secret.slice(0, 40)}\n[Peer]` },
      /privateKey: not a WireGuard key/,
    ],
    ['a malformed peer key', { peer: { ...initiatorInterface.peer, publicKey: 'abc' } }, /peer\.publicKey/],
    [
      'an endpoint with a newline',
      { peer: { ...initiatorInterface.peer, endpoint: '192.0.2.1:1\nX' } },
      /endpoint/,
    ],
    [
      'an endpoint without a port',
      { peer: { ...initiatorInterface.peer, endpoint: '192.0.2.1' } },
      /endpoint/,
    ],
    [
      'an endpoint port above 65535',
      { peer: { ...initiatorInterface.peer, endpoint: '[::1]:70000' } },
      /endpoint/,
    ],
    [
      'an allowed IP that is not a prefix',
      { peer: { ...initiatorInterface.peer, allowedIps: ['x'] } },
      /allowedIps/,
    ],
    ['an MTU below 68', { mtu: 60 }, /mtu/],
    ['an address without a length', { addresses: ['169.254.0.1'] }, /addresses\[0\]/],
  ];
  for (const [what, patch, message] of bad) {
    it(`refuses ${what}, never naming the private key`, () => {
      for (const render of [renderWgQuickConfig, renderWgConfig]) {
        let error: unknown;
        try {
          render({ ...initiatorInterface, ...patch });
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(RenderError);
        const text = `${(error as Error).message} ${(error as RenderError).hint}`;
        expect(text).toMatch(message);
        expect(text).toMatch(/^\[core\] \[render\] wg50001/);
        expect(text).not.toContain(secret.slice(0, 20));
      }
    });
  }

  it('accepts host names and IPv4 endpoints', () => {
    for (const endpoint of ['gw.example.net:51820', '198.51.100.7:50002']) {
      const t = renderWgConfig({ ...initiatorInterface, peer: { ...initiatorInterface.peer, endpoint } });
      expect(t).toContain(`Endpoint = ${endpoint}\n`);
    }
  });
});
