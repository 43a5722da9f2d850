/**
 * From what netlink and the UAPI report to the core's observed model and
 * facts, and from the core's peer change to a device change. Pure functions.
 * @module
 */
import {
  canonicalCidr,
  comparePrefixes,
  isManaged,
  type ObservedInterface,
  type ObservedPeer,
  type PeerChange,
  parsePrefix,
} from '@wg-gateway/core';
import { AF_INET } from './ip-bytes.js';
import type { AddrInfo, LinkInfo } from './rtnl-client.js';
import type { WgDevice, WgPeerConfig } from './wg-genl-codec.js';

/** Links this gateway created: `wg<port>` with the managed alias. */
export function managedLinks(links: readonly LinkInfo[]): LinkInfo[] {
  return links.filter((l) => isManaged(l.name, l.alias));
}

/** Sort prefixes canonically (what observe promises). */
export function sortPrefixes(prefixes: readonly string[]): string[] {
  const parsed = prefixes.map((p) => parsePrefix(p));
  if (parsed.every((p) => p.ok)) {
    return parsed
      .map((p) => (p.ok ? p.value : undefined))
      .filter((p) => p !== undefined)
      .sort(comparePrefixes)
      .map((p) => p.text);
  }
  return [...prefixes].sort();
}

/** `address/length` of each address of link `index`, canonical and sorted. */
export function addressesOf(addrs: readonly AddrInfo[], index: number): string[] {
  return addrs
    .filter((a) => a.index === index)
    .map((a) => canonicalCidr(`${a.address}/${a.prefixLength}`))
    .sort();
}

/** One observed interface from its link, its addresses and its WireGuard device. */
export function toObserved(link: LinkInfo, addrs: readonly AddrInfo[], dev: WgDevice): ObservedInterface {
  const peers: ObservedPeer[] = dev.peers.map((p) => ({
    publicKey: p.publicKey,
    ...(p.endpoint === undefined ? {} : { endpoint: p.endpoint }),
    allowedIps: sortPrefixes(p.allowedIps),
    persistentKeepalive: p.persistentKeepalive,
    ...(p.lastHandshake === undefined ? {} : { lastHandshake: p.lastHandshake }),
    rxBytes: p.rxBytes,
    txBytes: p.txBytes,
  }));
  return {
    name: link.name,
    listenPort: dev.listenPort,
    ...(dev.publicKey === undefined ? {} : { publicKey: dev.publicKey }),
    mtu: link.mtu,
    addresses: addressesOf(addrs, link.index),
    up: link.up,
    peers,
  };
}

/** The core's peer change as a device's peer entry (absent fields stay absent). */
export function toPeerConfig(p: PeerChange, forceReplaceAllowedIps = false): WgPeerConfig {
  return {
    publicKey: p.publicKey,
    ...(p.remove ? { remove: true } : {}),
    ...(p.endpoint === undefined ? {} : { endpoint: p.endpoint }),
    ...(p.persistentKeepalive === undefined ? {} : { persistentKeepalive: p.persistentKeepalive }),
    ...(p.allowedIps === undefined ? {} : { allowedIps: p.allowedIps }),
    ...(p.replaceAllowedIps || forceReplaceAllowedIps ? { replaceAllowedIps: true } : {}),
  };
}

/** The first global IPv4 address by interface index, as the wg-quick backend picks it. */
export function routerIdOf(links: readonly LinkInfo[], addrs: readonly AddrInfo[]): string | undefined {
  const managed = new Set(managedLinks(links).map((l) => l.index));
  const candidates = addrs
    .filter((a) => a.family === AF_INET && a.scope === 0 && !managed.has(a.index))
    .sort((a, b) => a.index - b.index);
  return candidates[0]?.address;
}
