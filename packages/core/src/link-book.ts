/**
 * A mutable working copy of a unit's keys and links, indexed for the link
 * protocol. `reconcile()` builds one from the persisted state, changes it and
 * turns it back into an immutable {@link UnitState}. Links are keyed by port,
 * which is unique among a unit's links.
 * @module
 */
import type { KeyRecord, LinkRecord, LinkStatus } from './state.js';

/** Statuses whose link still exists for the protocol. */
export const LIVE: ReadonlySet<LinkStatus> = new Set(['half-open', 'open', 'half-closed']);

/** Keys and links with the lookups the protocol needs, all O(1). */
export class LinkBook {
  readonly #keys = new Map<string, KeyRecord>();
  readonly #links = new Map<number, LinkRecord>();
  readonly #byUnit = new Map<string, Set<number>>();
  #dirty = false;

  constructor(keys: readonly KeyRecord[], links: readonly LinkRecord[]) {
    for (const k of keys) this.#keys.set(k.publicKey, k);
    for (const l of links) this.setLink(l);
    this.#dirty = false;
  }

  /** True once any key or link was added, replaced or removed since construction. */
  get dirty(): boolean {
    return this.#dirty;
  }

  #unitKey(peering: string, unit: string): string {
    return `${peering}\u0000${unit}`;
  }

  /** All keys, in creation order. */
  keys(): KeyRecord[] {
    return [...this.#keys.values()];
  }

  /** All links, in creation order. */
  links(): LinkRecord[] {
    return [...this.#links.values()];
  }

  /** Links (any status) of one peering to one remote unit. */
  linksTo(peering: string, unit: string): LinkRecord[] {
    const ports = this.#byUnit.get(this.#unitKey(peering, unit));
    return ports ? [...ports].map((p) => this.#links.get(p) as LinkRecord) : [];
  }

  /** Remote units that one peering has links with. */
  unitsWithLinks(peering: string): string[] {
    const prefix = `${peering}\u0000`;
    const units: string[] = [];
    for (const [k, ports] of this.#byUnit)
      if (k.startsWith(prefix) && ports.size > 0) units.push(k.slice(prefix.length));
    return units;
  }

  /** The key record of one of our public keys. */
  key(publicKey: string): KeyRecord | undefined {
    return this.#keys.get(publicKey);
  }

  /** Non-retired keys of a peering, oldest first. */
  activeKeys(peering: string): KeyRecord[] {
    const out: KeyRecord[] = [];
    for (const k of this.#keys.values()) if (k.peering === peering && !k.retired) out.push(k);
    return out;
  }

  /** Add or replace a key (by public key). */
  setKey(key: KeyRecord): void {
    this.#dirty = true;
    this.#keys.set(key.publicKey, key);
  }

  /** Add or replace a link (by port). */
  setLink(link: LinkRecord): void {
    this.#dirty = true;
    this.#links.set(link.port, link);
    const k = this.#unitKey(link.peering, link.peerUnit);
    const ports = this.#byUnit.get(k);
    if (ports) ports.add(link.port);
    else this.#byUnit.set(k, new Set([link.port]));
  }

  /** Remove a link (garbage collection). */
  deleteLink(link: LinkRecord): void {
    this.#dirty = true;
    this.#links.delete(link.port);
    this.#byUnit.get(this.#unitKey(link.peering, link.peerUnit))?.delete(link.port);
  }

  /** Remove a key (garbage collection). */
  deleteKey(key: KeyRecord): void {
    this.#dirty = true;
    this.#keys.delete(key.publicKey);
  }
}
