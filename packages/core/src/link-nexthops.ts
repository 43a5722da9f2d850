/**
 * Each link as a next hop: the address of its other end and the prefixes
 * the unit there may announce over it (what the import policy accepts).
 * This is what BIRD's routes through a link look like once OSPF has
 * computed them; runtime's early routes install the same next hops for a
 * link that has just come up, before BIRD's route calculation gets there.
 * @module
 */
import { linkAddresses } from './derive-desired.js';
import type { DesiredSystem } from './desired.js';

/** One link interface as a next hop for its remote unit's prefixes. */
export interface LinkNexthop {
  readonly interface: string;
  /** The other end's tunnel address per family (`169.254.0.2`, `fe80::2` seen from the initiator). */
  readonly gateway: { readonly 4: string; readonly 6: string };
  /** Canonical prefixes the remote unit may announce over this link, per family. */
  readonly prefixes: { readonly 4: readonly string[]; readonly 6: readonly string[] };
}

const bare = (cidr: string): string => cidr.split('/')[0] ?? cidr;
const INITIATOR = linkAddresses('initiator').map(bare);
const ACCEPTOR = linkAddresses('acceptor').map(bare);

/** The link interfaces of `desired` that carry remote prefixes, with their next-hop addresses. */
export function linkNexthops(desired: DesiredSystem): LinkNexthop[] {
  const out: LinkNexthop[] = [];
  const byName = new Map(desired.interfaces.map((i) => [i.name, i] as const));
  for (const imp of desired.bird.linkImports) {
    for (const name of imp.interfaces) {
      const iface = byName.get(name);
      if (!iface) continue;
      // The other end holds the other side's addresses.
      const [four = '', six = ''] = iface.addresses.map(bare).includes(INITIATOR[0] ?? '')
        ? ACCEPTOR
        : INITIATOR;
      out.push({ interface: name, gateway: { 4: four, 6: six }, prefixes: { 4: imp.ipv4, 6: imp.ipv6 } });
    }
  }
  return out.sort((a, b) => a.interface.localeCompare(b.interface));
}
