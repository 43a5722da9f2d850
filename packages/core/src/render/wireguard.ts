/**
 * WireGuard configuration files for one link interface: the wg-quick form
 * (with Address, MTU, `Table = off`) and the plain form `wg setconf` and
 * `wg syncconf` accept. These are the only renders that hold a private key:
 * write them 0600.
 * @module
 */
import type { DesiredInterface, DesiredPeer } from '../desired.js';
import { MANAGED_ALIAS } from '../ownership.js';
import { Guard } from './guards.js';
import { renderTemplate } from './templates.js';

/**
 * What a WireGuard file holds: a {@link DesiredInterface} fits, and so does an
 * interface whose peer was removed (backends render files for those too).
 */
export type WireGuardFileModel = Pick<
  DesiredInterface,
  'name' | 'privateKey' | 'listenPort' | 'addresses' | 'mtu'
> & {
  readonly peer?: DesiredPeer;
};

const isLinkLocal6 = (cidr: string): boolean => /^fe[89ab][0-9a-f]:/i.test(cidr);

function view(iface: WireGuardFileModel, quick: boolean, file: string) {
  const g = new Guard(file);
  const peer = iface.peer;
  const addresses = iface.addresses.map((a, i) => g.cidr(`addresses[${i}]`, a));
  return {
    quick,
    alias: MANAGED_ALIAS,
    privateKey: g.privateKey('privateKey', iface.privateKey),
    listenPort: g.int('listenPort', iface.listenPort, 1, 65535),
    addresses: addresses.join(', '),
    linkLocal6: addresses.filter(isLinkLocal6),
    mtu: g.int('mtu', iface.mtu, 68, 65535),
    peer: peer && {
      publicKey: g.publicKey('peer.publicKey', peer.publicKey),
      endpoint: peer.endpoint === undefined ? '' : g.endpoint('peer.endpoint', peer.endpoint),
      persistentKeepalive: g.int('peer.persistentKeepalive', peer.persistentKeepalive, 0, 65535),
      allowedIps: peer.allowedIps.map((p, i) => g.prefix(`peer.allowedIps[${i}]`, p)).join(', '),
    },
  };
}

/**
 * Render `<name>.conf` for `wg-quick up`: [Interface] PrivateKey, ListenPort,
 * Address (all), MTU, `Table = off` (BIRD owns the routes), PostUp lines that
 * set the ownership alias and keep only our IPv6 link-local address; [Peer]
 * PublicKey, Endpoint (only when set: the acceptor learns it from the
 * handshake), PersistentKeepalive, AllowedIPs.
 *
 * Holds the private key: write it with mode 0600.
 * @throws {RenderError} when a model value cannot be written safely (never with the key in the message).
 */
export function renderWgQuickConfig(iface: WireGuardFileModel): string {
  return renderTemplate('wireguard.conf', view(iface, true, `${iface.name}.conf`));
}

/**
 * Render the same interface with only the keys `wg` itself accepts, for
 * `wg setconf <name> FILE` or `wg syncconf <name> FILE`; equal to
 * `wg-quick strip` of {@link renderWgQuickConfig}'s output.
 *
 * Holds the private key: write it with mode 0600.
 * @throws {RenderError} when a model value cannot be written safely (never with the key in the message).
 */
export function renderWgConfig(iface: WireGuardFileModel): string {
  return renderTemplate('wireguard.conf', view(iface, false, `${iface.name} (wg setconf)`));
}
