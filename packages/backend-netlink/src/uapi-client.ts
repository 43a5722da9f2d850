/**
 * The WireGuard cross-platform userspace API (wireguard.com/xplatform):
 * `get=1` / `set=1` key=value text over `/run/wireguard/<iface>.sock`, spoken
 * by wireguard-go and boringtun. Same model as the kernel codec.
 * @module
 */
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { canonicalCidr, NodeKeySource } from '@wg-gateway/core';
import { errnoName, NetlinkBackendError } from './netlink-error.js';
import type { WgDevice, WgDeviceConfig, WgPeer } from './wg-genl-codec.js';

const hex = (b64: string): string => Buffer.from(b64, 'base64').toString('hex');
const b64 = (h: string): string => Buffer.from(h, 'hex').toString('base64');
const keys = new NodeKeySource();

/**
 * The `set=1` request for a change. Only the fields present are sent: a
 * change to the peer alone carries no `listen_port` (setting it, even to the
 * same value, makes wireguard-go rebind its socket).
 */
export function formatUapiSet(c: WgDeviceConfig): string {
  const lines = ['set=1'];
  if (c.privateKey !== undefined) lines.push(`private_key=${hex(c.privateKey)}`);
  if (c.listenPort !== undefined) lines.push(`listen_port=${c.listenPort}`);
  if (c.replacePeers) lines.push('replace_peers=true');
  for (const p of c.peers ?? []) {
    lines.push(`public_key=${hex(p.publicKey)}`);
    if (p.remove) {
      lines.push('remove=true');
      continue;
    }
    if (p.updateOnly) lines.push('update_only=true');
    if (p.endpoint !== undefined) lines.push(`endpoint=${p.endpoint}`);
    if (p.persistentKeepalive !== undefined)
      lines.push(`persistent_keepalive_interval=${p.persistentKeepalive}`);
    if (p.replaceAllowedIps) lines.push('replace_allowed_ips=true');
    for (const ip of p.allowedIps ?? []) lines.push(`allowed_ip=${ip}`);
  }
  return `${lines.join('\n')}\n\n`;
}

/** Parse a `get=1` answer (without its final `errno=` line handling). The private key is not kept. */
export function parseUapiGet(text: string, ifname: string): WgDevice {
  const dev: WgDevice = { ifindex: 0, ifname, listenPort: 0, fwmark: 0, peers: [] };
  let peer: WgPeer | undefined;
  let sec = 0;
  let nsec = 0;
  const endPeer = (): void => {
    if (peer && (sec !== 0 || nsec !== 0)) peer.lastHandshake = sec * 1000 + Math.floor(nsec / 1e6);
    sec = 0;
    nsec = 0;
  };
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const k = line.slice(0, eq);
    const v = line.slice(eq + 1);
    switch (k) {
      case 'private_key':
        // Only its public key is reported; zero means no key.
        if (!/^0+$/.test(v)) dev.publicKey = keys.publicKeyOf(b64(v));
        break;
      case 'listen_port':
        dev.listenPort = Number(v);
        break;
      case 'fwmark':
        dev.fwmark = Number(v);
        break;
      case 'public_key':
        endPeer();
        peer = { publicKey: b64(v), persistentKeepalive: 0, rxBytes: 0, txBytes: 0, allowedIps: [] };
        dev.peers.push(peer);
        break;
      case 'endpoint':
        if (peer) peer.endpoint = v;
        break;
      case 'persistent_keepalive_interval':
        if (peer) peer.persistentKeepalive = Number(v);
        break;
      case 'last_handshake_time_sec':
        sec = Number(v);
        break;
      case 'last_handshake_time_nsec':
        nsec = Number(v);
        break;
      case 'rx_bytes':
        if (peer) peer.rxBytes = Number(v);
        break;
      case 'tx_bytes':
        if (peer) peer.txBytes = Number(v);
        break;
      case 'allowed_ip':
        if (peer) peer.allowedIps.push(canonicalCidr(v));
        break;
    }
  }
  endPeer();
  return dev;
}

/** A UAPI client for the sockets in one directory. */
export class UapiClient {
  readonly #dir: string;
  readonly #timeoutMs: number;
  /** Requests sent so far. */
  requests = 0;

  constructor(options: { dir?: string; timeoutMs?: number } = {}) {
    this.#dir = options.dir ?? '/run/wireguard';
    this.#timeoutMs = options.timeoutMs ?? 5000;
  }

  /** `/run/wireguard/<ifname>.sock`. */
  socketPath(ifname: string): string {
    return join(this.#dir, `${ifname}.sock`);
  }

  /** Equivalent to `wg show IFNAME dump` against a userspace daemon. */
  async get(ifname: string): Promise<WgDevice> {
    const text = await this.#exchange(ifname, 'get', 'get=1\n\n');
    return parseUapiGet(text, ifname);
  }

  /** Equivalent to `wg set IFNAME …` against a userspace daemon. */
  async set(config: WgDeviceConfig): Promise<void> {
    await this.#exchange(config.ifname, 'set', formatUapiSet(config));
  }

  /** Send one request, read until the blank line, check `errno=`. */
  #exchange(ifname: string, op: 'get' | 'set', request: string): Promise<string> {
    this.requests += 1;
    const what = `uapi ${op} ${ifname}`;
    return new Promise((resolve, reject) => {
      const sock = createConnection(this.socketPath(ifname));
      let buf = '';
      const timer = setTimeout(() => {
        sock.destroy();
        reject(
          new NetlinkBackendError(what, { errno: 'ETIMEDOUT', hint: 'the userspace daemon did not answer' }),
        );
      }, this.#timeoutMs);
      sock.setEncoding('utf8');
      sock.on('data', (chunk: string) => {
        buf += chunk;
        if (!buf.endsWith('\n\n')) return;
        clearTimeout(timer);
        sock.end();
        const m = /(?:^|\n)errno=(-?\d+)\n\n$/.exec(buf);
        const errno = m ? Number(m[1]) : Number.NaN;
        if (errno === 0) resolve(buf);
        else
          reject(new NetlinkBackendError(what, { errno: Number.isNaN(errno) ? 'EPROTO' : errnoName(errno) }));
      });
      sock.on('error', (e) => {
        clearTimeout(timer);
        reject(new NetlinkBackendError(what, { cause: e }));
      });
      sock.on('close', () => {
        clearTimeout(timer);
        if (!buf.endsWith('\n\n'))
          reject(new NetlinkBackendError(what, { errno: 'EPROTO', hint: 'connection closed early' }));
      });
      sock.write(request);
    });
  }
}
