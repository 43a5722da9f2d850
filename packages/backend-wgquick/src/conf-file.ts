/**
 * The `<dir>/<iface>.conf` files: a small model of one link, its wg-quick
 * rendering, the `wg syncconf` fragment for live changes, and a parser of
 * both formats (what we wrote, or `wg showconf`).
 * @module
 */
import { MANAGED_ALIAS } from '@wg-gateway/core';

/** The single peer of a link file. */
export interface LinkPeer {
  readonly publicKey: string;
  readonly endpoint?: string;
  readonly persistentKeepalive: number;
  readonly allowedIps: readonly string[];
}

/** What one link file holds. */
export interface LinkConfig {
  readonly name: string;
  /** Never logged; the file holding it is 0600. */
  readonly privateKey: string;
  readonly listenPort: number;
  readonly mtu: number;
  readonly addresses: readonly string[];
  readonly peer?: LinkPeer;
}

/** First line of every file this backend writes; a file without it is not ours. */
export const MANAGED_MARKER = '# Managed by wg-gateway: changes made here are overwritten.';

const isLinkLocal6 = (a: string): boolean => /^fe[89ab][0-9a-f]:/i.test(a);

function peerLines(p: LinkPeer): string[] {
  return [
    '[Peer]',
    `PublicKey = ${p.publicKey}`,
    ...(p.endpoint === undefined ? [] : [`Endpoint = ${p.endpoint}`]),
    `PersistentKeepalive = ${p.persistentKeepalive > 0 ? p.persistentKeepalive : 'off'}`,
    ...(p.allowedIps.length > 0 ? [`AllowedIPs = ${p.allowedIps.join(', ')}`] : []),
  ];
}

/**
 * A wg-quick file. `Table = off`: OSPF owns routing. The PostUp lines set the
 * ownership alias and drop the link-local address the kernel generates on
 * link up (then re-add ours), so the interface holds exactly its addresses.
 */
export function renderQuickConf(c: LinkConfig): string {
  const v6ll = c.addresses.filter(isLinkLocal6);
  const lines = [
    MANAGED_MARKER,
    '[Interface]',
    `PrivateKey = ${c.privateKey}`,
    `ListenPort = ${c.listenPort}`,
    ...(c.addresses.length > 0 ? [`Address = ${c.addresses.join(', ')}`] : []),
    `MTU = ${c.mtu}`,
    'Table = off',
    `PostUp = ip link set dev %i alias ${MANAGED_ALIAS}`,
    'PostUp = ip link set dev %i addrgenmode none',
    'PostUp = ip -6 address flush dev %i scope link',
    ...v6ll.map((a) => `PostUp = ip -6 address add ${a} dev %i`),
    '',
    ...(c.peer ? [...peerLines(c.peer), ''] : []),
  ];
  return lines.join('\n');
}

/**
 * The `wg syncconf` file: the whole WireGuard side (key, port, the peer).
 * syncconf sets every interface field, so a file without the private key or
 * port would clear them; and setting the port, even to the same value, makes
 * wireguard-go rebind its socket. Hence syncconf only for key, port or peer
 * replacement; same-peer changes go through `wg set` ({@link peerSetArgs}).
 */
export function renderSyncConf(c: LinkConfig): string {
  return [
    '[Interface]',
    `PrivateKey = ${c.privateKey}`,
    `ListenPort = ${c.listenPort}`,
    '',
    ...(c.peer ? [...peerLines(c.peer), ''] : []),
  ].join('\n');
}

/**
 * `wg set` arguments that change the fields of an existing peer present in
 * `fields`, from the peer's new state (allowed IPs given in full: `wg set`
 * replaces them). Equivalent to: `wg set IF peer KEY endpoint E persistent-keepalive N allowed-ips A,B`.
 */
export function peerSetArgs(
  peer: LinkPeer,
  fields: { endpoint: boolean; persistentKeepalive: boolean; allowedIps: boolean },
): string[] {
  return [
    'peer',
    peer.publicKey,
    ...(fields.endpoint && peer.endpoint !== undefined ? ['endpoint', peer.endpoint] : []),
    ...(fields.persistentKeepalive
      ? ['persistent-keepalive', String(peer.persistentKeepalive || 'off')]
      : []),
    ...(fields.allowedIps ? ['allowed-ips', peer.allowedIps.join(',')] : []),
  ];
}

const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Parse a file written by {@link renderQuickConf} (or `wg showconf` output). */
export function parseConf(name: string, text: string): LinkConfig {
  let privateKey = '';
  let listenPort = 0;
  let mtu = 1420;
  let addresses: string[] = [];
  let peer:
    | { publicKey: string; endpoint?: string; persistentKeepalive: number; allowedIps: string[] }
    | undefined;
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    if (line.startsWith('[')) {
      section = line.toLowerCase();
      if (section === '[peer]') peer = { publicKey: '', persistentKeepalive: 0, allowedIps: [] };
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    if (section === '[interface]') {
      if (key === 'privatekey') privateKey = value;
      else if (key === 'listenport') listenPort = Number(value);
      else if (key === 'mtu') mtu = Number(value);
      else if (key === 'address') addresses = [...addresses, ...list(value)];
    } else if (section === '[peer]' && peer) {
      if (key === 'publickey') peer.publicKey = value;
      else if (key === 'endpoint') peer.endpoint = value;
      else if (key === 'persistentkeepalive') peer.persistentKeepalive = value === 'off' ? 0 : Number(value);
      else if (key === 'allowedips') peer.allowedIps = [...peer.allowedIps, ...list(value)];
    }
  }
  return { name, privateKey, listenPort, mtu, addresses, ...(peer ? { peer } : {}) };
}
