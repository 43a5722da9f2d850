/**
 * Applying a plan's change to a link file's model (pure).
 * @module
 */
import type { CreateChange, PeerChange, UpdateChange } from '@wg-gateway/core';
import type { LinkConfig, LinkPeer } from './conf-file.js';

function nextPeer(prev: LinkPeer | undefined, p: PeerChange): LinkPeer {
  const same = prev?.publicKey === p.publicKey ? prev : undefined;
  const endpoint = p.endpoint ?? same?.endpoint;
  const allowed = p.replaceAllowedIps
    ? [...(p.allowedIps ?? [])]
    : [...new Set([...(same?.allowedIps ?? []), ...(p.allowedIps ?? [])])];
  return {
    publicKey: p.publicKey,
    ...(endpoint === undefined ? {} : { endpoint }),
    persistentKeepalive: p.persistentKeepalive ?? same?.persistentKeepalive ?? 0,
    allowedIps: allowed,
  };
}

/** The link file of a create. */
export function configOfCreate(c: CreateChange): LinkConfig {
  return {
    name: c.name,
    privateKey: c.privateKey,
    listenPort: c.listenPort,
    mtu: c.mtu,
    addresses: [...c.addresses],
    ...(c.peer.remove ? {} : { peer: nextPeer(undefined, c.peer) }),
  };
}

/**
 * The link file after an update. A link holds one peer, so a peer with
 * another key replaces the old one.
 */
export function configAfterUpdate(c: LinkConfig, u: UpdateChange): LinkConfig {
  let peer = c.peer;
  if (u.replacePeers && peer && peer.publicKey !== u.peer?.publicKey) peer = undefined;
  const p = u.peer;
  if (p) peer = p.remove ? (peer?.publicKey === p.publicKey ? undefined : peer) : nextPeer(peer, p);
  const { peer: _old, ...rest } = c;
  return {
    ...rest,
    ...(u.privateKey === undefined ? {} : { privateKey: u.privateKey }),
    ...(u.listenPort === undefined ? {} : { listenPort: u.listenPort }),
    ...(u.mtu === undefined ? {} : { mtu: u.mtu }),
    ...(u.addresses === undefined ? {} : { addresses: [...u.addresses] }),
    ...(peer ? { peer } : {}),
  };
}

/**
 * How the WireGuard side of an update is applied: `sync` (`wg syncconf` of
 * the whole file) for a new key, port or peer; `set` (`wg set IF peer ...`)
 * when only fields of the same peer change; `none` when WireGuard is untouched.
 */
export function wireguardStep(old: LinkConfig, u: UpdateChange): 'sync' | 'set' | 'none' {
  if (u.privateKey !== undefined || u.listenPort !== undefined) return 'sync';
  if (u.replacePeers || u.peer?.remove) return 'sync';
  if (u.peer === undefined) return 'none';
  return old.peer?.publicKey === u.peer.publicKey ? 'set' : 'sync';
}
