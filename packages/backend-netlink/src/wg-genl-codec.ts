/**
 * Our own codec for the kernel's `wireguard` generic-netlink family
 * (include/uapi/linux/wireguard.h). The npm `netlink` package's helpers for
 * this family are wrong against a real kernel (see docs/adr/0001), so the
 * attributes are encoded and decoded here; the package only moves bytes.
 * @module
 */

import { AF_INET, AF_INET6, bytesToIp, decodeSockaddr, encodeSockaddr, ipToBytes } from './ip-bytes.js';
import { type Attr, attr, nested, parseAttrs, readStr, strAttr, u8Attr, u16Attr, u32Attr } from './nla.js';
import {
  WGALLOWEDIP_A,
  WGDEVICE_A,
  WGDEVICE_F_REPLACE_PEERS,
  WGPEER_A,
  WGPEER_F,
} from './wg-genl-constants.js';

/** A peer to set (wgctrl's `PeerConfig`): absent fields are left alone. */
export interface WgPeerConfig {
  /** Base64 public key. */
  readonly publicKey: string;
  readonly remove?: boolean;
  readonly updateOnly?: boolean;
  readonly replaceAllowedIps?: boolean;
  /** `host:port`, IPv6 in brackets. */
  readonly endpoint?: string;
  readonly persistentKeepalive?: number;
  /** `address/length` prefixes. */
  readonly allowedIps?: readonly string[];
}

/** A device change (wgctrl's `Config`) for WG_CMD_SET_DEVICE. */
export interface WgDeviceConfig {
  readonly ifname: string;
  /** Base64 private key. */
  readonly privateKey?: string;
  readonly listenPort?: number;
  readonly replacePeers?: boolean;
  readonly peers?: readonly WgPeerConfig[];
}

/** A peer as the kernel reports it. */
export interface WgPeer {
  publicKey: string;
  endpoint?: string;
  persistentKeepalive: number;
  /** Epoch milliseconds; absent when there was no handshake. */
  lastHandshake?: number;
  rxBytes: number;
  txBytes: number;
  /** `address/length`, in the kernel's order. */
  allowedIps: string[];
}

/** A device as the kernel reports it; the private key is never kept. */
export interface WgDevice {
  ifindex: number;
  ifname: string;
  publicKey?: string;
  listenPort: number;
  fwmark: number;
  peers: WgPeer[];
}

function key(b64: string, what: string): Buffer {
  const raw = Buffer.from(b64, 'base64');
  if (raw.length !== 32) throw new TypeError(`${what} must be 32 bytes of base64`);
  return raw;
}

function encodeAllowedIp(prefix: string, index: number): Buffer {
  const [addr = '', len] = prefix.split('/');
  const bytes = ipToBytes(addr);
  const family = bytes.length === 4 ? AF_INET : AF_INET6;
  const cidr = len === undefined ? bytes.length * 8 : Number(len);
  // List entries are typed by their index; the kernel ignores the type.
  return nested(index, [
    u16Attr(WGALLOWEDIP_A.FAMILY, family),
    attr(WGALLOWEDIP_A.IPADDR, bytes),
    u8Attr(WGALLOWEDIP_A.CIDR_MASK, cidr),
  ]);
}

function encodePeer(p: WgPeerConfig, index: number): Buffer {
  const flags =
    (p.remove ? WGPEER_F.REMOVE_ME : 0) |
    (p.updateOnly ? WGPEER_F.UPDATE_ONLY : 0) |
    (p.replaceAllowedIps ? WGPEER_F.REPLACE_ALLOWEDIPS : 0);
  const parts = [attr(WGPEER_A.PUBLIC_KEY, key(p.publicKey, 'peer public key'))];
  if (flags !== 0) parts.push(u32Attr(WGPEER_A.FLAGS, flags));
  if (!p.remove) {
    if (p.endpoint !== undefined) parts.push(attr(WGPEER_A.ENDPOINT, encodeSockaddr(p.endpoint)));
    if (p.persistentKeepalive !== undefined)
      parts.push(u16Attr(WGPEER_A.PERSISTENT_KEEPALIVE_INTERVAL, p.persistentKeepalive));
    if (p.allowedIps !== undefined)
      parts.push(
        nested(
          WGPEER_A.ALLOWEDIPS,
          p.allowedIps.map((a, i) => encodeAllowedIp(a, i)),
        ),
      );
  }
  return nested(index, parts);
}

/**
 * Attributes of a WG_CMD_SET_DEVICE request (after the genl header).
 * Equivalent to `wg set IFNAME private-key … listen-port … peer …`.
 */
export function encodeSetDevice(c: WgDeviceConfig): Buffer {
  const parts = [strAttr(WGDEVICE_A.IFNAME, c.ifname)];
  if (c.privateKey !== undefined) parts.push(attr(WGDEVICE_A.PRIVATE_KEY, key(c.privateKey, 'private key')));
  if (c.listenPort !== undefined) parts.push(u16Attr(WGDEVICE_A.LISTEN_PORT, c.listenPort));
  if (c.replacePeers) parts.push(u32Attr(WGDEVICE_A.FLAGS, WGDEVICE_F_REPLACE_PEERS));
  if (c.peers !== undefined && c.peers.length > 0)
    parts.push(
      nested(
        WGDEVICE_A.PEERS,
        c.peers.map((p, i) => encodePeer(p, i)),
      ),
    );
  return Buffer.concat(parts);
}

// An attribute's length is a u16: keep each request's peer nest well below it.
const MAX_PEERS_BYTES = 32 * 1024;

// 1000 allowed-IP entries of at most 40 bytes stay below the u16 nest length.
const MAX_ALLOWED_IPS_PER_PIECE = 1000;

/** A peer with very many allowed IPs as several entries: the later ones add to the first. */
function splitPeer(p: WgPeerConfig): WgPeerConfig[] {
  const ips = p.allowedIps ?? [];
  if (ips.length <= MAX_ALLOWED_IPS_PER_PIECE) return [p];
  const pieces: WgPeerConfig[] = [{ ...p, allowedIps: ips.slice(0, MAX_ALLOWED_IPS_PER_PIECE) }];
  for (let i = MAX_ALLOWED_IPS_PER_PIECE; i < ips.length; i += MAX_ALLOWED_IPS_PER_PIECE) {
    pieces.push({ publicKey: p.publicKey, allowedIps: ips.slice(i, i + MAX_ALLOWED_IPS_PER_PIECE) });
  }
  return pieces;
}

/**
 * Split a device change into as many WG_CMD_SET_DEVICE requests as needed so
 * no nest overflows (a peer with very many allowed IPs continues in the next
 * entry under the same key, as wgctrl does); device fields and replace-peers go in the first one only
 * (later ones add peers to the replaced set).
 */
export function encodeSetDeviceMessages(c: WgDeviceConfig): Buffer[] {
  const peers = (c.peers ?? []).flatMap(splitPeer);
  const chunks: WgPeerConfig[][] = [[]];
  let size = 0;
  for (const p of peers) {
    const n = encodePeer(p, 0).length;
    const current = chunks[chunks.length - 1] as WgPeerConfig[];
    if (current.length > 0 && size + n > MAX_PEERS_BYTES) {
      chunks.push([p]);
      size = n;
    } else {
      current.push(p);
      size += n;
    }
  }
  return chunks.map((chunk, i) =>
    encodeSetDevice(i === 0 ? { ...c, peers: chunk } : { ifname: c.ifname, peers: chunk }),
  );
}

/** Attributes of a WG_CMD_GET_DEVICE dump request for one device (`wg showconf IFNAME`). */
export function encodeGetDevice(ifname: string): Buffer {
  return strAttr(WGDEVICE_A.IFNAME, ifname);
}

const u64 = (d: Buffer): number => Number(d.readBigUInt64LE(0));

function decodeAllowedIp(entry: Attr): string | undefined {
  let family = 0;
  let addr: Buffer | undefined;
  let cidr = 0;
  for (const a of parseAttrs(entry.data)) {
    if (a.type === WGALLOWEDIP_A.FAMILY) family = a.data.readUInt16LE(0);
    else if (a.type === WGALLOWEDIP_A.IPADDR) addr = a.data;
    else if (a.type === WGALLOWEDIP_A.CIDR_MASK) cidr = a.data.readUInt8(0);
  }
  if (addr === undefined || (family !== AF_INET && family !== AF_INET6)) return undefined;
  return `${bytesToIp(addr)}/${cidr}`;
}

function decodePeer(entry: Attr): WgPeer {
  const peer: WgPeer = { publicKey: '', persistentKeepalive: 0, rxBytes: 0, txBytes: 0, allowedIps: [] };
  for (const a of parseAttrs(entry.data)) {
    switch (a.type) {
      case WGPEER_A.PUBLIC_KEY:
        peer.publicKey = a.data.toString('base64');
        break;
      case WGPEER_A.ENDPOINT: {
        const ep = decodeSockaddr(a.data);
        if (ep !== undefined) peer.endpoint = ep;
        break;
      }
      case WGPEER_A.PERSISTENT_KEEPALIVE_INTERVAL:
        peer.persistentKeepalive = a.data.readUInt16LE(0);
        break;
      case WGPEER_A.LAST_HANDSHAKE_TIME: {
        // struct __kernel_timespec { s64 sec; s64 nsec; }; zero = never.
        const sec = Number(a.data.readBigInt64LE(0));
        const nsec = Number(a.data.readBigInt64LE(8));
        if (sec !== 0 || nsec !== 0) peer.lastHandshake = sec * 1000 + Math.floor(nsec / 1e6);
        break;
      }
      case WGPEER_A.RX_BYTES:
        peer.rxBytes = u64(a.data);
        break;
      case WGPEER_A.TX_BYTES:
        peer.txBytes = u64(a.data);
        break;
      case WGPEER_A.ALLOWEDIPS:
        // Entries are nests typed 0 (or their index) whether or not NLA_F_NESTED is set.
        for (const e of parseAttrs(a.data)) {
          const ip = decodeAllowedIp(e);
          if (ip !== undefined) peer.allowedIps.push(ip);
        }
        break;
    }
  }
  return peer;
}

/**
 * Decode the messages of one WG_CMD_GET_DEVICE dump (payloads after the genl
 * header) into one device. The kernel splits a large device over several
 * messages, and a peer with many allowed IPs over several messages, each
 * continuation starting with the same public key: those are merged.
 */
export function decodeDevice(messages: readonly Buffer[]): WgDevice {
  const dev: WgDevice = { ifindex: 0, ifname: '', listenPort: 0, fwmark: 0, peers: [] };
  for (const msg of messages) {
    for (const a of parseAttrs(msg)) {
      switch (a.type) {
        case WGDEVICE_A.IFINDEX:
          dev.ifindex = a.data.readUInt32LE(0);
          break;
        case WGDEVICE_A.IFNAME:
          dev.ifname = readStr(a.data);
          break;
        case WGDEVICE_A.PUBLIC_KEY:
          dev.publicKey = a.data.toString('base64');
          break;
        case WGDEVICE_A.LISTEN_PORT:
          dev.listenPort = a.data.readUInt16LE(0);
          break;
        case WGDEVICE_A.FWMARK:
          dev.fwmark = a.data.readUInt32LE(0);
          break;
        case WGDEVICE_A.PEERS:
          for (const e of parseAttrs(a.data)) mergePeer(dev.peers, decodePeer(e));
          break;
        // WGDEVICE_A_PRIVATE_KEY is deliberately not kept.
      }
    }
  }
  return dev;
}

function mergePeer(peers: WgPeer[], p: WgPeer): void {
  const last = peers[peers.length - 1];
  if (last !== undefined && last.publicKey === p.publicKey) {
    last.allowedIps.push(...p.allowedIps);
    return;
  }
  peers.push(p);
}

/** True when a device's public key is set (an all-zero key means none). */
export function hasKey(b64: string | undefined): b64 is string {
  return b64 !== undefined && b64 !== Buffer.alloc(32).toString('base64');
}
