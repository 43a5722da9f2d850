import { renderWgConfig, renderWgQuickConfig } from '@wg-gateway/core';
import { describe, expect, it } from 'vitest';
import { type LinkConfig, parseConf, peerSetArgs } from '../src/conf-file.js';
import { configAfterUpdate, wireguardStep } from '../src/link-update.js';

// Reference-style test keys (base64 of 32 bytes).
const PRIVATE = 'private/key/a/1/AAAAAAAAAAAAAAAAAAAAAAAAAAA=';
const PEER = 'public/key/b/1/AAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
const OTHER = 'public/key/b/2/AAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

const base: LinkConfig = {
  name: 'wg50001',
  privateKey: PRIVATE,
  listenPort: 50001,
  mtu: 1400,
  addresses: ['169.254.0.1/24', 'fe80::1/64'],
  peer: {
    publicKey: PEER,
    endpoint: '198.51.100.2:50002',
    persistentKeepalive: 5,
    allowedIps: ['169.254.0.0/24', 'fe80::/64'],
  },
};

describe('link files', () => {
  it('render and parse back to the same model', () => {
    expect(parseConf('wg50001', renderWgQuickConfig(base))).toEqual(base);
  });

  it('set the alias and keep only the desired link-local address', () => {
    const text = renderWgQuickConfig(base);
    expect(text).toContain('PostUp = ip link set dev %i alias wg-gateway');
    expect(text).toContain('PostUp = ip -6 address add fe80::1/64 dev %i');
    expect(text).toContain('Table = off');
  });

  it('write a syncconf file with key and port (syncconf would clear them otherwise)', () => {
    const text = renderWgConfig(base);
    expect(text).toContain(`PrivateKey = ${PRIVATE}`);
    expect(text).toContain('ListenPort = 50001');
    expect(text).not.toContain('Address');
    expect(parseConf('wg50001', text).peer).toEqual(base.peer);
  });

  it('give wg set arguments for the changed peer fields only', () => {
    const peer = base.peer as NonNullable<LinkConfig['peer']>;
    expect(peerSetArgs(peer, { endpoint: true, persistentKeepalive: false, allowedIps: false })).toEqual([
      'peer',
      PEER,
      'endpoint',
      '198.51.100.2:50002',
    ]);
    expect(
      peerSetArgs(
        { ...peer, persistentKeepalive: 0 },
        { endpoint: false, persistentKeepalive: true, allowedIps: true },
      ),
    ).toEqual(['peer', PEER, 'persistent-keepalive', 'off', 'allowed-ips', '169.254.0.0/24,fe80::/64']);
  });
});

describe('updates of a link file', () => {
  it('leave absent fields alone and add allowed IPs unless replacing', () => {
    const next = configAfterUpdate(base, {
      action: 'update',
      name: 'wg50001',
      peer: { publicKey: PEER, allowedIps: ['192.0.2.0/24'] },
    });
    expect(next.peer?.allowedIps).toEqual(['169.254.0.0/24', 'fe80::/64', '192.0.2.0/24']);
    expect(next.peer?.endpoint).toBe('198.51.100.2:50002');
    expect(next.mtu).toBe(1400);
  });

  it('replace the peer on replacePeers', () => {
    const next = configAfterUpdate(base, {
      action: 'update',
      name: 'wg50001',
      replacePeers: true,
      peer: {
        publicKey: OTHER,
        persistentKeepalive: 5,
        allowedIps: ['fe80::/64'],
        replaceAllowedIps: true,
      },
    });
    expect(next.peer).toEqual({ publicKey: OTHER, persistentKeepalive: 5, allowedIps: ['fe80::/64'] });
  });

  it('choose wg set for the same peer, syncconf for key, port or another peer', () => {
    const u = (x: object) => ({ action: 'update' as const, name: 'wg50001', ...x });
    expect(wireguardStep(base, u({ peer: { publicKey: PEER, endpoint: '198.51.100.3:1' } }))).toBe('set');
    expect(wireguardStep(base, u({ peer: { publicKey: OTHER } }))).toBe('sync');
    expect(wireguardStep(base, u({ listenPort: 50003 }))).toBe('sync');
    expect(wireguardStep(base, u({ privateKey: 'K', publicKey: 'P' }))).toBe('sync');
    expect(wireguardStep(base, u({ mtu: 1300 }))).toBe('none');
  });
});
