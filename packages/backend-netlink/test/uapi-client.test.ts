import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeKeySource } from '@wg-gateway/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetlinkBackendError } from '../src/netlink-error.js';
import { formatUapiSet, parseUapiGet, UapiClient } from '../src/uapi-client.js';

const keys = new NodeKeySource();
const me = keys.generate();
const peer = keys.generate();
const hex = (b64: string): string => Buffer.from(b64, 'base64').toString('hex');

/** A fake UAPI daemon on a temporary UNIX socket: records requests, answers from a script. */
class FakeUapiDaemon {
  readonly requests: string[] = [];
  answer = (_req: string): string => 'errno=0\n\n';
  readonly #server: Server;
  constructor(readonly path: string) {
    this.#server = createServer((sock) => {
      let buf = '';
      sock.setEncoding('utf8');
      sock.on('data', (chunk: string) => {
        buf += chunk;
        if (!buf.endsWith('\n\n')) return;
        this.requests.push(buf);
        sock.end(this.answer(buf));
      });
    });
  }
  listen(): Promise<void> {
    return new Promise((resolve) => this.#server.listen(this.path, resolve));
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

describe('UAPI text protocol', () => {
  it('sends only the peer for a peer-only change (no listen_port: it would rebind)', () => {
    const text = formatUapiSet({
      ifname: 'wg50001',
      peers: [
        {
          publicKey: peer.publicKey,
          endpoint: '[2001:db8::1]:51820',
          allowedIps: ['10.0.0.0/8'],
          replaceAllowedIps: true,
        },
      ],
    });
    expect(text).toBe(
      `set=1\npublic_key=${hex(peer.publicKey)}\nendpoint=[2001:db8::1]:51820\nreplace_allowed_ips=true\nallowed_ip=10.0.0.0/8\n\n`,
    );
    expect(text).not.toContain('listen_port');
  });

  it('writes device fields, replace_peers and peer removal', () => {
    const text = formatUapiSet({
      ifname: 'wg50001',
      privateKey: me.privateKey,
      listenPort: 50001,
      replacePeers: true,
      peers: [{ publicKey: peer.publicKey, remove: true, endpoint: '192.0.2.1:1' }],
    });
    expect(text.split('\n')).toEqual([
      'set=1',
      `private_key=${hex(me.privateKey)}`,
      'listen_port=50001',
      'replace_peers=true',
      `public_key=${hex(peer.publicKey)}`,
      'remove=true',
      '',
      '',
    ]);
  });

  it('parses get=1, derives the public key and drops the private key', () => {
    const dev = parseUapiGet(
      [
        `private_key=${hex(me.privateKey)}`,
        'listen_port=50001',
        `public_key=${hex(peer.publicKey)}`,
        'protocol_version=1',
        'endpoint=192.0.2.7:50002',
        'last_handshake_time_sec=1700000000',
        'last_handshake_time_nsec=5000000',
        'tx_bytes=10',
        'rx_bytes=20',
        'persistent_keepalive_interval=25',
        'allowed_ip=10.0.0.0/8',
        'allowed_ip=2001:0db8::/32',
        'errno=0',
        '',
        '',
      ].join('\n'),
      'wg50001',
    );
    expect(dev).toEqual({
      ifindex: 0,
      ifname: 'wg50001',
      listenPort: 50001,
      fwmark: 0,
      publicKey: me.publicKey,
      peers: [
        {
          publicKey: peer.publicKey,
          endpoint: '192.0.2.7:50002',
          lastHandshake: 1_700_000_000_005,
          txBytes: 10,
          rxBytes: 20,
          persistentKeepalive: 25,
          allowedIps: ['10.0.0.0/8', '2001:db8::/32'],
        },
      ],
    });
    expect(JSON.stringify(dev)).not.toContain(me.privateKey);
  });
});

describe('UapiClient against a fake daemon socket', () => {
  let dir = '';
  let fake: FakeUapiDaemon;
  let client: UapiClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wn-uapi-'));
    fake = new FakeUapiDaemon(join(dir, 'wg50001.sock'));
    await fake.listen();
    client = new UapiClient({ dir, timeoutMs: 2000 });
  });
  afterAll(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends one request per set and counts it', async () => {
    fake.answer = () => 'errno=0\n\n';
    await client.set({ ifname: 'wg50001', peers: [{ publicKey: peer.publicKey, persistentKeepalive: 0 }] });
    expect(fake.requests.at(-1)).toBe(
      `set=1\npublic_key=${hex(peer.publicKey)}\npersistent_keepalive_interval=0\n\n`,
    );
    expect(client.requests).toBe(1);
  });

  it('turns errno=98 into EADDRINUSE, prefixed, without the private key', async () => {
    fake.answer = () => 'errno=98\n\n';
    const err = await client
      .set({ ifname: 'wg50001', privateKey: me.privateKey, listenPort: 1 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlinkBackendError);
    const e = err as NetlinkBackendError;
    expect(e.errno).toBe('EADDRINUSE');
    expect(e.message).toBe('[backend-netlink] [netlink] uapi set wg50001: EADDRINUSE');
    expect(`${e.message} ${e.hint} ${JSON.stringify(e)}`).not.toContain(me.privateKey);
    expect(`${e.message}`).not.toContain(hex(me.privateKey));
  });

  it('reports a missing daemon socket as ENOENT with a hint', async () => {
    const err = (await client.get('wg50099').catch((e: unknown) => e)) as NetlinkBackendError;
    expect(err.errno).toBe('ENOENT');
    expect(err.hint).toMatch(/wireguard-go/);
  });
});
