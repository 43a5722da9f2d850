/**
 * The link protocol of DESIGN.md for one peering: keys, opening, answering,
 * following the remote and closing. Mutates a {@link LinkBook}.
 * @module
 */
import type { PeeringConfig } from './config.js';
import { formatEndpoint } from './endpoint.js';
import type { KeySource } from './keys.js';
import { LIVE, type LinkBook } from './link-book.js';
import type { ListenPort, PeerData } from './peer-data.js';
import type { PortAllocator } from './ports.js';
import type { LinkRecord } from './state.js';

/** What the protocol needs besides the book. */
export interface ProtocolContext {
  readonly book: LinkBook;
  readonly ports: PortAllocator;
  readonly keys: KeySource;
  readonly now: number;
  readonly tunnels: number;
}

/** Step 1: make keys until the peering has `tunnels` non-retired ones. */
export function ensureKeys(ctx: ProtocolContext, peering: string): void {
  for (let n = ctx.book.activeKeys(peering).length; n < ctx.tunnels; n++) {
    const pair = ctx.keys.generate();
    ctx.book.setKey({ peering, ...pair, retired: false, createdAt: ctx.now });
  }
}

const close = (link: LinkRecord, now: number): LinkRecord => ({ ...link, status: 'closed', closedAt: now });

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/** Step 4 (follow): endpoint and prefixes track the remote. */
function follow(
  link: LinkRecord,
  data: PeerData,
  prefixes: readonly string[],
  entry: ListenPort,
): LinkRecord {
  // No address (an ingress name not resolved yet): keep the endpoint we have.
  const peerEndpoint =
    data.ingressAddress === '' ? link.peerEndpoint : formatEndpoint(data.ingressAddress, entry.port);
  if (link.peerEndpoint === peerEndpoint && sameList(link.peerPrefixes, prefixes)) return link;
  return { ...link, ...(peerEndpoint === undefined ? {} : { peerEndpoint }), peerPrefixes: prefixes };
}

/** The remote's `listen-ports` entry "their key listens for my key", if any. */
const entryFor = (data: PeerData | undefined, theirs: string, mine: string): ListenPort | undefined =>
  data?.listenPorts.find((e) => e.publicKey === theirs && e.peerPublicKey === mine);

/**
 * Steps 2–4 for one remote unit. `active` holds our non-retired public keys
 * of the peering. `data` undefined means the unit published nothing
 * (departed or not yet ready): its keys are gone, so its links close.
 * A unit pair has at most `tunnels` links, so plain arrays beat maps here
 * (this runs once per remote unit on every reconcile).
 */
export function syncUnit(
  ctx: ProtocolContext,
  peering: PeeringConfig,
  active: ReadonlySet<string>,
  unit: string,
  data: PeerData | undefined,
): void {
  const { book, now } = ctx;
  const prefixes = data ? data.advertisePrefixes.map((p) => p.text) : [];

  // Step 3 (half-open → open) and step 4 (follow, close) for links we hold.
  const held: LinkRecord[] = [];
  for (const link of book.linksTo(peering.id, unit)) {
    if (!LIVE.has(link.status)) continue;
    const entry = entryFor(data, link.peerPublicKey, link.publicKey);
    const keyPresent = data?.publicKeys.includes(link.peerPublicKey) ?? false;
    const mine = active.has(link.publicKey);
    let next: LinkRecord = link;
    if (!keyPresent || data === undefined) next = close(link, now);
    else if (link.status === 'half-open') {
      if (!mine) next = close(link, now);
      else if (entry) next = { ...follow(link, data, prefixes, entry), status: 'open', openedAt: now };
    } else if (!entry) next = close(link, now);
    else {
      next = follow(link, data, prefixes, entry);
      if (link.status === 'open' && !mine) next = { ...next, status: 'half-closed' };
    }
    if (next !== link) book.setLink(next);
    if (next.status !== 'closed') held.push(next);
  }
  if (data === undefined) return;

  // Step 3 (acceptor): answer an initiator's entry for one of our keys.
  if (peering.role === 'acceptor') {
    for (const e of data.listenPorts) {
      if (!active.has(e.peerPublicKey)) continue;
      if (held.some((l) => l.publicKey === e.peerPublicKey && l.peerPublicKey === e.publicKey)) continue;
      const link: LinkRecord = {
        peering: peering.id,
        peerUnit: unit,
        status: 'open',
        publicKey: e.peerPublicKey,
        port: ctx.ports.take('even'),
        peerPublicKey: e.publicKey,
        ...(data.ingressAddress === '' ? {} : { peerEndpoint: formatEndpoint(data.ingressAddress, e.port) }),
        peerPrefixes: prefixes,
        mtu: 0,
        openedAt: now,
      };
      book.setLink(link);
      held.push(link);
    }
    return;
  }

  // Step 2 (initiator): pair each free local key with a free remote key.
  const freeLocal = [...active].filter((k) => !held.some((l) => l.publicKey === k));
  const freeRemote = data.publicKeys.filter((k) => !held.some((l) => l.peerPublicKey === k));
  const n = Math.min(freeLocal.length, freeRemote.length);
  for (let i = 0; i < n; i++) {
    book.setLink({
      peering: peering.id,
      peerUnit: unit,
      status: 'half-open',
      publicKey: freeLocal[i] as string,
      port: ctx.ports.take('odd'),
      peerPublicKey: freeRemote[i] as string,
      peerPrefixes: prefixes,
      mtu: 0,
      openedAt: now,
    });
  }
}

/** Step 7: a peering that is gone retires its keys and closes its links. */
export function dropPeering(ctx: ProtocolContext, peering: string): void {
  for (const k of ctx.book.keys()) {
    if (k.peering === peering && !k.retired) ctx.book.setKey({ ...k, retired: true, retiredAt: ctx.now });
  }
  for (const unit of ctx.book.unitsWithLinks(peering)) {
    for (const l of ctx.book.linksTo(peering, unit))
      if (LIVE.has(l.status)) ctx.book.setLink(close(l, ctx.now));
  }
}
