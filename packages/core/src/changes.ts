/**
 * Changes a plan asks a backend to make. Shaped like wgctrl's `Config`:
 * a field that is absent means "leave alone"; replacing is explicit.
 * @module
 */

/** A change to the interface's single peer. */
export interface PeerChange {
  readonly publicKey: string;
  /** Remove this peer instead of configuring it. */
  readonly remove?: boolean;
  readonly endpoint?: string;
  readonly persistentKeepalive?: number;
  /** Allowed IPs to set; with `replaceAllowedIps` they replace the current set. */
  readonly allowedIps?: readonly string[];
  readonly replaceAllowedIps?: boolean;
}

/** Create an interface with everything set. */
export interface CreateChange {
  readonly action: 'create';
  readonly name: string;
  readonly privateKey: string;
  readonly publicKey: string;
  readonly listenPort: number;
  readonly mtu: number;
  readonly addresses: readonly string[];
  readonly peer: PeerChange;
}

/** Update only the fields present. */
export interface UpdateChange {
  readonly action: 'update';
  readonly name: string;
  /** With `publicKey` beside it, for display; the private key is never shown. */
  readonly privateKey?: string;
  readonly publicKey?: string;
  readonly listenPort?: number;
  readonly mtu?: number;
  /** The full address set to hold (others are removed). */
  readonly addresses?: readonly string[];
  /** Bring the interface up. */
  readonly up?: true;
  /** Remove every peer but the one in `peer`. */
  readonly replacePeers?: boolean;
  readonly peer?: PeerChange;
}

/** Delete the interface. */
export interface DeleteChange {
  readonly action: 'delete';
  readonly name: string;
}

/** One change to one interface. */
export type InterfaceChange = CreateChange | UpdateChange | DeleteChange;

/** Field names an update touches, for reports (never values of secrets). */
export function changedFields(change: InterfaceChange): string[] {
  if (change.action !== 'update') return [];
  const fields: string[] = [];
  if (change.privateKey !== undefined) fields.push('private-key');
  if (change.listenPort !== undefined) fields.push('listen-port');
  if (change.mtu !== undefined) fields.push('mtu');
  if (change.addresses !== undefined) fields.push('addresses');
  if (change.up) fields.push('up');
  if (change.replacePeers) fields.push('replace-peers');
  const p = change.peer;
  if (p) {
    if (p.remove) fields.push('peer-remove');
    if (p.endpoint !== undefined) fields.push('endpoint');
    if (p.persistentKeepalive !== undefined) fields.push('persistent-keepalive');
    if (p.allowedIps !== undefined) fields.push('allowed-ips');
  }
  return fields;
}

/** True when the update touches only the peer (no socket rebind, no flap). */
export function isPeerOnly(change: UpdateChange): boolean {
  return (
    change.privateKey === undefined &&
    change.listenPort === undefined &&
    change.mtu === undefined &&
    change.addresses === undefined &&
    !change.up
  );
}
