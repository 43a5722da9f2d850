/**
 * `plan()`: the difference between desired and observed WireGuard interfaces
 * as a list of changes. Empty when nothing differs. New tunnels come before
 * old ones go, so traffic always has a path.
 * @module
 */
import type { CreateChange, InterfaceChange, PeerChange, UpdateChange } from './changes.js';
import type { DesiredInterface, DesiredPeer } from './desired.js';
import type { ObservedInterface, ObservedPeer } from './observed.js';
import { canonicalCidr } from './prefix.js';

const sameSet = (a: readonly string[], b: readonly string[]): boolean => {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((x) => s.has(x));
};

const canonicalAll = (list: readonly string[]): string[] => list.map(canonicalCidr);

function fullPeer(peer: DesiredPeer): PeerChange {
  return {
    publicKey: peer.publicKey,
    ...(peer.endpoint === undefined ? {} : { endpoint: peer.endpoint }),
    persistentKeepalive: peer.persistentKeepalive,
    allowedIps: peer.allowedIps,
    replaceAllowedIps: true,
  };
}

function createOf(d: DesiredInterface): CreateChange {
  return {
    action: 'create',
    name: d.name,
    privateKey: d.privateKey,
    publicKey: d.publicKey,
    listenPort: d.listenPort,
    mtu: d.mtu,
    addresses: d.addresses,
    peer: fullPeer(d.peer),
  };
}

/** Only the peer fields that differ; undefined when none do. */
function peerDiff(want: DesiredPeer, have: ObservedPeer): PeerChange | undefined {
  const endpoint = want.endpoint !== undefined && want.endpoint !== have.endpoint;
  const keepalive = want.persistentKeepalive !== have.persistentKeepalive;
  const allowed = !sameSet(canonicalAll(want.allowedIps), canonicalAll(have.allowedIps));
  if (!endpoint && !keepalive && !allowed) return undefined;
  return {
    publicKey: want.publicKey,
    ...(endpoint ? { endpoint: want.endpoint as string } : {}),
    ...(keepalive ? { persistentKeepalive: want.persistentKeepalive } : {}),
    ...(allowed ? { allowedIps: want.allowedIps, replaceAllowedIps: true } : {}),
  };
}

function updateOf(d: DesiredInterface, o: ObservedInterface): UpdateChange | undefined {
  const only = o.peers.length === 1 && o.peers[0]?.publicKey === d.peer.publicKey ? o.peers[0] : undefined;
  const peer = only ? peerDiff(d.peer, only) : fullPeer(d.peer);
  const change: UpdateChange = {
    action: 'update',
    name: d.name,
    ...(o.publicKey === d.publicKey ? {} : { privateKey: d.privateKey, publicKey: d.publicKey }),
    ...(o.listenPort === d.listenPort ? {} : { listenPort: d.listenPort }),
    ...(o.mtu === d.mtu ? {} : { mtu: d.mtu }),
    ...(sameSet(canonicalAll(d.addresses), canonicalAll(o.addresses)) ? {} : { addresses: d.addresses }),
    ...(o.up ? {} : { up: true as const }),
    ...(only ? {} : { replacePeers: true }),
    ...(peer ? { peer } : {}),
  };
  return Object.keys(change).length > 2 ? change : undefined;
}

/**
 * Diff desired against observed interfaces. `observed` must hold only this
 * gateway's interfaces (backends guarantee it): anything observed and not
 * desired is deleted.
 */
export function plan(
  desired: readonly DesiredInterface[],
  observed: readonly ObservedInterface[],
): InterfaceChange[] {
  const have = new Map(observed.map((o) => [o.name, o]));
  const want = new Set(desired.map((d) => d.name));
  const creates: InterfaceChange[] = [];
  const updates: InterfaceChange[] = [];
  for (const d of desired) {
    const o = have.get(d.name);
    if (!o) creates.push(createOf(d));
    else {
      const u = updateOf(d, o);
      if (u) updates.push(u);
    }
  }
  const deletes: InterfaceChange[] = observed
    .filter((o) => !want.has(o.name))
    .map((o) => ({ action: 'delete', name: o.name }));
  return [...creates, ...updates, ...deletes];
}
