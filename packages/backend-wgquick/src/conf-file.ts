/**
 * The `<dir>/<iface>.conf` files: a small model of one link, the `wg set`
 * arguments for live peer changes, and a parser of what we wrote (or of
 * `wg showconf`).
 * @module
 */

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

/**
 * The files themselves are rendered by core: `renderWgQuickConfig` (the
 * wg-quick file, whose PostUp lines set the ownership alias and keep only
 * our link-local address) and `renderWgConfig` (the `wg syncconf` file, with
 * key and port: syncconf sets every interface field, so a file without them
 * would clear them; and setting the port, even to the same value, makes
 * wireguard-go rebind its socket — hence syncconf only for key, port or peer
 * replacement, and `wg set` ({@link peerSetArgs}) for fields of the same peer).
 * Every file starts with core's `GENERATED_HEADER`; a file without it is not ours.
 */

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

/** Parse a file rendered by core's `renderWgQuickConfig` (or `wg showconf` output). */
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
