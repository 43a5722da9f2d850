/** Properties every settled world must have, as a list of violations (empty = fine). */
import { parseEndpoint } from '../../src/endpoint.js';
import type { LinkRecord } from '../../src/state.js';
import type { Unit, World } from './world.js';

const live = (l: LinkRecord) => l.status !== 'closed';

/** No port is used twice on a unit, and parity follows the role. */
export function portViolations(world: World): string[] {
  const out: string[] = [];
  for (const u of world.units.values()) {
    const ports = [...u.state.links.map((l) => l.port), ...u.state.quarantine.map((q) => q.port)];
    if (new Set(ports).size !== ports.length) out.push(`${u.id}: a port is used twice: ${ports.join(',')}`);
    for (const l of u.state.links) {
      const role = u.config.peerings.find((p) => p.id === l.peering)?.role;
      if (role === 'initiator' && l.port % 2 !== 1)
        out.push(`${u.id}: initiator link on even port ${l.port}`);
      if (role === 'acceptor' && l.port % 2 !== 0) out.push(`${u.id}: acceptor link on odd port ${l.port}`);
    }
  }
  return out;
}

/** A private key never leaves the unit that made it. */
export function keyLeakViolations(world: World): string[] {
  const out: string[] = [];
  for (const u of world.units.values()) {
    const secrets = u.state.keys.map((k) => k.privateKey);
    for (const other of world.units.values()) {
      const text = JSON.stringify(other.published ?? {}) + (other === u ? '' : JSON.stringify(other.state));
      for (const s of secrets) if (text.includes(s)) out.push(`${u.id}'s private key found at ${other.id}`);
    }
  }
  return out;
}

function peeringBetween(world: World, a: Unit, b: Unit) {
  return world.peerings.find(
    (p) =>
      (p.initiator === a.group && p.acceptor === b.group) ||
      (p.initiator === b.group && p.acceptor === a.group),
  );
}

/** Full mesh: every peered unit pair has min(tunnels) open links on both sides, matching. */
export function meshViolations(world: World): string[] {
  const out: string[] = [];
  const units = [...world.units.values()];
  for (const u of units) {
    for (const l of u.state.links) {
      if (l.status === 'half-open' || l.status === 'half-closed')
        out.push(`${u.id}: link ${l.port} stays ${l.status}`);
    }
    for (const v of units) {
      if (u === v || u.group === v.group) continue;
      const p = peeringBetween(world, u, v);
      const links = u.state.links.filter((l) => live(l) && l.peerUnit === v.id);
      if (!p) {
        if (links.length > 0) out.push(`${u.id}: ${links.length} live links to unpeered ${v.id}`);
        continue;
      }
      const want = Math.min(world.groups.get(u.group)?.tunnels ?? 0, world.groups.get(v.group)?.tunnels ?? 0);
      if (links.length !== want) out.push(`${u.id}→${v.id}: ${links.length} links, want ${want}`);
      for (const l of links) {
        const mirror = v.state.links.find(
          (m) => live(m) && m.publicKey === l.peerPublicKey && m.peerPublicKey === l.publicKey,
        );
        if (!mirror) {
          out.push(`${u.id}→${v.id}: link ${l.port} has no mirror`);
          continue;
        }
        const ep = parseEndpoint(l.peerEndpoint ?? '');
        if (ep?.address !== v.ingress || ep.port !== mirror.port) {
          out.push(
            `${u.id}→${v.id}: endpoint ${l.peerEndpoint} but ${v.id} listens on ${v.ingress}:${mirror.port}`,
          );
        }
      }
      // the desired interfaces carry exactly the open links
      const ifaces = (u.desired?.interfaces ?? []).filter((i) => links.some((l) => `wg${l.port}` === i.name));
      if (ifaces.length !== links.length)
        out.push(`${u.id}→${v.id}: ${ifaces.length} interfaces for ${links.length} links`);
    }
  }
  return out;
}

/** No live link and no publication for peering `id`. */
export function goneViolations(world: World, id: string): string[] {
  const out: string[] = [];
  for (const u of world.units.values()) {
    const n = u.state.links.filter((l) => live(l) && l.peering === id).length;
    if (n > 0) out.push(`${u.id}: ${n} live links of removed peering ${id}`);
    if (u.published?.peerings[id]) out.push(`${u.id}: still publishes removed peering ${id}`);
    const active = u.state.keys.filter((k) => k.peering === id && !k.retired).length;
    if (active > 0) out.push(`${u.id}: ${active} active keys of removed peering ${id}`);
  }
  return out;
}

/** Everything at once. */
export function allViolations(world: World): string[] {
  return [...portViolations(world), ...keyLeakViolations(world), ...meshViolations(world)];
}
