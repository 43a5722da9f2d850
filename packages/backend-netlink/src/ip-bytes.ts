/**
 * IP addresses as bytes (what netlink carries) and back to canonical text,
 * plus `struct sockaddr_in` / `sockaddr_in6` for WireGuard endpoints.
 * @module
 */
import { isIPv4, isIPv6 } from 'node:net';
import { formatEndpoint, parseAddress, parseEndpoint } from '@wg-gateway/core';

/** Linux address families. */
export const AF_INET = 2;
export const AF_INET6 = 10;

/** 4 or 16 bytes of an IPv4 or IPv6 address; throws on anything else. */
export function ipToBytes(text: string): Buffer {
  if (isIPv4(text)) return Buffer.from(text.split('.').map(Number));
  if (!isIPv6(text)) throw new TypeError(`not an IP address: ${text}`);
  let head = text;
  let tail4: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const dotted = text.slice(lastColon + 1);
  if (dotted.includes('.')) {
    // ::ffff:192.0.2.1 — the last 32 bits are written as IPv4.
    tail4 = dotted.split('.').map(Number);
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [left = '', right] = head.split('::');
  const groups = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)));
  const l = groups(left);
  const r = right === undefined ? [] : groups(right);
  const all = [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => {
    out.writeUInt16BE(g, i * 2);
  });
  if (tail4.length === 4) Buffer.from(tail4).copy(out, 12);
  return out;
}

/** Canonical text of a 4- or 16-byte address (IPv6 compressed, lower case). */
export function bytesToIp(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length !== 16) throw new TypeError(`an IP address is 4 or 16 bytes, got ${bytes.length}`);
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  const full = groups.join(':');
  const parsed = parseAddress(full);
  return parsed.ok ? parsed.value.text : full;
}

/** Family of an address text. */
export function familyOf(text: string): typeof AF_INET | typeof AF_INET6 {
  return text.includes(':') ? AF_INET6 : AF_INET;
}

/** Encode `host:port` / `[v6]:port` as `struct sockaddr_in` (16 bytes) or `sockaddr_in6` (28 bytes). */
export function encodeSockaddr(endpoint: string): Buffer {
  const ep = parseEndpoint(endpoint);
  if (!ep) throw new TypeError(`malformed endpoint: ${endpoint}`);
  const addr = ipToBytes(ep.address);
  if (addr.length === 4) {
    const out = Buffer.alloc(16);
    out.writeUInt16LE(AF_INET, 0);
    out.writeUInt16BE(ep.port, 2);
    addr.copy(out, 4);
    return out;
  }
  const out = Buffer.alloc(28);
  out.writeUInt16LE(AF_INET6, 0);
  out.writeUInt16BE(ep.port, 2);
  addr.copy(out, 8);
  return out;
}

/** Decode a sockaddr into `host:port`; undefined for an unset (AF_UNSPEC) address. */
export function decodeSockaddr(data: Buffer): string | undefined {
  if (data.length < 4) return undefined;
  const family = data.readUInt16LE(0);
  const port = data.readUInt16BE(2);
  if (family === AF_INET && data.length >= 8) return formatEndpoint(bytesToIp(data.subarray(4, 8)), port);
  if (family === AF_INET6 && data.length >= 24) return formatEndpoint(bytesToIp(data.subarray(8, 24)), port);
  return undefined;
}
