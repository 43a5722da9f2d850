/**
 * Parsers of `wg show all dump`, `ip -j link` and `ip -j addr`, and the join
 * of the three into observed interfaces. Pure: tested against recorded output.
 * @module
 */
import { canonicalCidr, isManaged, type ObservedInterface, type ObservedPeer } from '@wg-gateway/core';

/** One interface of `wg show all dump`, without its private key. */
export interface DumpInterface {
  readonly name: string;
  readonly publicKey?: string;
  readonly listenPort: number;
  readonly peers: ObservedPeer[];
}

const none = (v: string | undefined): string | undefined =>
  v === undefined || v === '(none)' ? undefined : v;

/**
 * Parse `wg show all dump`. Interface lines have 5 tab-separated fields
 * (name, private key, public key, listen port, fwmark), peer lines 9 (name,
 * public key, preshared key, endpoint, allowed IPs, latest handshake, rx, tx,
 * keepalive). The private key is dropped on the spot.
 */
export function parseWgDump(text: string): Map<string, DumpInterface> {
  const out = new Map<string, DumpInterface>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const f = line.split('\t');
    const name = f[0] as string;
    if (f.length === 5) {
      const publicKey = none(f[2]);
      out.set(name, {
        name,
        ...(publicKey === undefined ? {} : { publicKey }),
        listenPort: Number(f[3]) || 0,
        peers: [],
      });
    } else if (f.length === 9) {
      const iface = out.get(name);
      if (!iface) continue;
      const endpoint = none(f[3]);
      const allowed = none(f[4]);
      const handshake = Number(f[5]) || 0;
      iface.peers.push({
        publicKey: f[1] as string,
        ...(endpoint === undefined ? {} : { endpoint }),
        allowedIps: allowed === undefined ? [] : allowed.split(',').map(canonicalCidr).sort(),
        persistentKeepalive: f[8] === 'off' ? 0 : Number(f[8]) || 0,
        ...(handshake > 0 ? { lastHandshake: handshake * 1000 } : {}),
        rxBytes: Number(f[6]) || 0,
        txBytes: Number(f[7]) || 0,
      });
    }
  }
  return out;
}

/** A link of `ip -j link`. */
export interface IpLink {
  readonly ifindex: number;
  readonly ifname: string;
  readonly flags?: readonly string[];
  readonly mtu: number;
  readonly ifalias?: string;
}

/** An address of `ip -j addr`. */
export interface IpAddrInfo {
  readonly family: string;
  readonly local: string;
  readonly prefixlen: number;
  readonly scope?: string;
}

/** A link of `ip -j addr`, with its addresses. */
export interface IpAddrLink extends IpLink {
  readonly addr_info?: readonly IpAddrInfo[];
}

const parseJsonList = <T>(text: string, what: string): T[] => {
  const t = text.trim();
  if (t === '') return [];
  const v: unknown = JSON.parse(t);
  if (!Array.isArray(v)) throw new TypeError(`${what}: expected a JSON array`);
  // `ip -j` prints one object per link; entries without ifname are stray.
  return v.filter((x) => typeof x === 'object' && x !== null && typeof x.ifname === 'string') as T[];
};

/** Parse `ip -j link`. */
export const parseIpLinks = (text: string): IpLink[] => parseJsonList<IpLink>(text, 'ip -j link');

/** Parse `ip -j addr`. */
export const parseIpAddrs = (text: string): IpAddrLink[] => parseJsonList<IpAddrLink>(text, 'ip -j addr');

/** `address/length` of every address of a link, canonical and sorted. */
export function addressesOf(link: IpAddrLink | undefined): string[] {
  return (link?.addr_info ?? []).map((a) => canonicalCidr(`${a.local}/${a.prefixlen}`)).sort();
}

/**
 * Join the three outputs: only links named `wg<port>` with the gateway's
 * alias are returned (a user's `wg0` or another tool's interface never is).
 * A managed link that WireGuard does not know (its daemon died) is still
 * returned, with port 0 and no peers, so the plan repairs or reports it.
 */
export function joinObserved(
  dump: ReadonlyMap<string, DumpInterface>,
  links: readonly IpLink[],
  addrs: readonly IpAddrLink[],
): ObservedInterface[] {
  const byName = new Map(addrs.map((a) => [a.ifname, a]));
  return links
    .filter((l) => isManaged(l.ifname, l.ifalias))
    .map((l): ObservedInterface => {
      const wg = dump.get(l.ifname);
      return {
        name: l.ifname,
        listenPort: wg?.listenPort ?? 0,
        ...(wg?.publicKey === undefined ? {} : { publicKey: wg.publicKey }),
        mtu: l.mtu,
        addresses: addressesOf(byName.get(l.ifname)),
        up: (l.flags ?? []).includes('UP'),
        peers: wg?.peers ?? [],
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
