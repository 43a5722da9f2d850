/**
 * Zero-downtime key rotation, make-before-break, one key at a time per unit
 * and peering (docs/key-rotation.md). It works against any remote that only
 * follows the link protocol: with `tunnels` keys on each side all paired, a
 * new key would find no free remote key, so the order is
 *
 * 1. wait until every other tunnel to each remote unit carries (OSPF Full,
 *    BIRD routes in the kernel, a recent handshake) and this side's start
 *    slot is open;
 * 2. drain the oldest old key: its links leave our OSPF (our router-LSA no
 *    longer lists them, so the remote's SPF stops using them too: the
 *    bidirectional check), while their interfaces stay up for packets in
 *    flight;
 * 3. once our kernel has no route through them and {@link DRAIN_HOLD_MS}
 *    passed (covering our delayed router-LSA and the remote's SPF), retire the key: its links go
 *    half-closed, the remote drops its side, its key becomes free, our new
 *    key pairs with it (the link protocol does this);
 * 4. the next old key waits in step 1 until the new link carries.
 *
 * Pure: time and observations come in through the context and the facts.
 * @module
 */
import type { PeeringConfig } from './config.js';
import { interfaceName } from './derive-desired.js';
import type { LinkRoutingFact } from './facts.js';
import { LIVE } from './link-book.js';
import type { ProtocolContext } from './link-protocol.js';
import type { PeerData } from './peer-data.js';
import type { KeyRecord, LinkRecord, RotationRecord, UnitState } from './state.js';

/**
 * How long a drained key's links stay up, out of OSPF, before the key is
 * retired: long enough for the remote's SPF to stop using them. BIRD may
 * hold our new router-LSA back for up to 5 s (MinLSInterval, fixed), a copy
 * the remote dropped (MinLSArrival) is resent after 2 s (`retransmit 2`), and
 * the remote computes routes on its 1 s tick. The remote's BFD drops the
 * neighbour sooner only if its session was up, which on a link that has
 * just formed (the pair rotating at once) it may not be yet. A wg-gateway remote takes a closing link out of its kernel routes
 * before deleting it anyway (`RouteReleaser`); the hold protects remotes that
 * do not (the reference, whose IPv4 multipath route would go whole).
 */
export const DRAIN_HOLD_MS = 8000;
/**
 * Start slots: a drain may start only in the first {@link SLOT_OPEN_MS} of its
 * side's slot (initiator: even slots, acceptor: odd ones), so two units of a
 * pair rotating at once never start draining within the time the other needs
 * to see it (clocks within a second or two: NTP).
 */
export const SLOT_MS = 6000;
/** The part of a slot in which a drain may start. */
export const SLOT_OPEN_MS = 2000;
/**
 * How long a link must have carried before a drain may rely on it: the
 * remote routes through it within about 3.5 s after we do (our router-LSA
 * reaches it at once or, when it dropped that copy under MinLSArrival, 2 s
 * later; then its 1 s SPF tick). Draining the other link sooner could leave
 * the remote with no route at all for up to a second.
 */
export const CARRY_SETTLE_MS = 4000;
/** A handshake older than this means the link does not carry (WireGuard's reject-after-time). */
export const CARRY_HANDSHAKE_MS = 180_000;
/** How soon the daemon reconciles again while a rotation runs. */
export const ROTATION_RECHECK_MS = 1000;

/** Where one peering's rotation stands. */
export interface RotationProgress {
  readonly peering: string;
  /** `idle` (none or completed), `waiting` (for the condition in `waiting`), `draining`. */
  readonly phase: 'idle' | 'waiting' | 'draining';
  readonly reason?: RotationRecord['reason'];
  readonly requestedAt?: number;
  readonly completedAt?: number;
  /** Keys the rotation had to replace, and how many are replaced. */
  readonly total: number;
  readonly rotated: number;
  /** The key being drained and since when (epoch ms). */
  readonly draining?: { readonly publicKey: string; readonly since: number };
  /** Why no drain starts yet. */
  readonly waiting?: string;
  /** Per remote unit: links carrying traffic, links wanted, links still on old keys. */
  readonly units: readonly UnitRotation[];
}

/** Rotation view of one remote unit. */
export interface UnitRotation {
  readonly unit: string;
  readonly carrying: number;
  /** Of those, links that have carried for {@link CARRY_SETTLE_MS} (the remote routes through them too). */
  readonly settled: number;
  readonly expected: number;
  readonly oldLinks: number;
}

/** What one rotation step reads and may change. */
export interface RotationStep {
  readonly ctx: ProtocolContext;
  readonly peering: PeeringConfig;
  /** Remote units with valid data. */
  readonly units: ReadonlyMap<string, PeerData>;
  readonly routing: Readonly<Record<string, LinkRoutingFact>> | undefined;
  readonly record: RotationRecord | undefined;
  /** `key-rotation-interval` in ms, when set. */
  readonly intervalMs: number | undefined;
}

/** A link carries traffic: OSPF Full both ways, BIRD routes through it, a recent handshake. */
export function carries(fact: LinkRoutingFact | undefined, now: number): boolean {
  return (
    fact?.ospfFull === true &&
    fact.kernelRoutes > 0 &&
    fact.lastHandshake !== undefined &&
    now - fact.lastHandshake < CARRY_HANDSHAKE_MS
  );
}

/** True while this side may start a drain (see {@link SLOT_MS}). */
export function slotOpen(role: PeeringConfig['role'], now: number): boolean {
  const slot = Math.floor(now / SLOT_MS);
  return slot % 2 === (role === 'initiator' ? 0 : 1) && now - slot * SLOT_MS < SLOT_OPEN_MS;
}

const isOld = (k: KeyRecord, r: RotationRecord) => k.createdAt <= r.requestedAt;
const live = (l: LinkRecord) => LIVE.has(l.status);

/**
 * One rotation step for one peering, run before the link protocol's key step
 * (so a retired key is replaced in the same reconcile). Returns the record to
 * persist (undefined: none) and the progress.
 */
export function stepRotation(s: RotationStep): {
  record: RotationRecord | undefined;
  progress: RotationProgress;
} {
  const { ctx, peering } = s;
  const { book, now } = ctx;
  let record = s.record;
  const active = book.activeKeys(peering.id);
  const inProgress = record !== undefined && record.completedAt === undefined;
  if (!inProgress && s.intervalMs !== undefined && active.length > 0) {
    const oldest = Math.min(...active.map((k) => k.createdAt));
    if (now - oldest >= s.intervalMs) record = { requestedAt: now, reason: 'schedule', keys: active.length };
  }
  if (record && record.completedAt === undefined && s.routing) record = withCarrying(s, record);
  const units = unitViews(s, record);
  const base = {
    peering: peering.id,
    total: record?.keys ?? 0,
    rotated: 0,
    units,
    ...(record ? { reason: record.reason, requestedAt: record.requestedAt } : {}),
  };
  if (!record || record.completedAt !== undefined) {
    return {
      record,
      progress: {
        ...base,
        phase: 'idle',
        rotated: base.total,
        ...(record?.completedAt === undefined ? {} : { completedAt: record.completedAt }),
      },
    };
  }
  const r = record;
  const old = active.filter((k) => isOld(k, r));
  const progressOf = (p: Partial<RotationProgress>): RotationProgress => ({
    ...base,
    phase: 'waiting',
    rotated: Math.max(0, r.keys - old.length),
    ...p,
  });

  // Step 3: a drained key is retired (the protocol then half-closes its links).
  const draining = old.find((k) => k.drainingSince !== undefined);
  if (draining?.drainingSince !== undefined) {
    const since = draining.drainingSince;
    const links = linksOf(ctx, peering.id, draining.publicKey);
    const drained = links.every(
      (l) => l.status === 'half-open' || s.routing?.[interfaceName(l.port)]?.kernelRoutes === 0,
    );
    if (drained && now - since >= DRAIN_HOLD_MS) {
      book.setKey({ ...draining, retired: true, retiredAt: now });
      const left = old.length - 1;
      const done: RotationRecord = left === 0 ? completed(r, now) : r;
      return {
        record: done,
        progress: progressOf({
          phase: left === 0 ? 'idle' : 'waiting',
          rotated: r.keys - left,
          ...(left === 0 ? { completedAt: now } : { waiting: 'the new key to pair and carry' }),
        }),
      };
    }
    return {
      record: r,
      progress: progressOf({ phase: 'draining', draining: { publicKey: draining.publicKey, since } }),
    };
  }
  const candidate = old[0];
  if (!candidate) {
    const done = completed(r, now);
    return { record: done, progress: progressOf({ phase: 'idle', completedAt: now }) };
  }

  // Step 1: every tunnel to each remote unit that carries anything carries.
  const waiting = blocker(s, units);
  if (waiting !== undefined) return { record: r, progress: progressOf({ waiting }) };
  // Step 2: a key without links carries nothing: retire it at once.
  if (linksOf(ctx, peering.id, candidate.publicKey).length === 0) {
    book.setKey({ ...candidate, retired: true, retiredAt: now });
    return { record: r, progress: progressOf({ rotated: r.keys - old.length + 1 }) };
  }
  book.setKey({ ...candidate, drainingSince: now });
  return {
    record: r,
    progress: progressOf({ phase: 'draining', draining: { publicKey: candidate.publicKey, since: now } }),
  };
}

/** The record of a finished rotation (nothing of its progress kept). */
function completed(r: RotationRecord, now: number): RotationRecord {
  const { carrying: _, ...rest } = r;
  return { ...rest, completedAt: now };
}

/**
 * The record with `carrying` brought up to date: a link carrying now keeps
 * the time it was first seen carrying, a new one gets `now`, one that stopped
 * is dropped. The same record when nothing changed (no state write).
 */
function withCarrying(s: RotationStep, record: RotationRecord): RotationRecord {
  const { book, now } = s.ctx;
  const before = record.carrying ?? {};
  const next: Record<string, number> = {};
  for (const unit of book.unitsWithLinks(s.peering.id))
    for (const l of book.linksTo(s.peering.id, unit)) {
      const name = interfaceName(l.port);
      if (l.status === 'open' && carries(s.routing?.[name], now)) next[name] = before[name] ?? now;
    }
  const names = Object.keys(next);
  if (names.length === Object.keys(before).length && names.every((n) => before[n] === next[n])) return record;
  const { carrying: _, ...rest } = record;
  return names.length === 0 ? rest : { ...rest, carrying: next };
}

/** Live links of one of our keys. */
function linksOf(ctx: ProtocolContext, peering: string, publicKey: string): LinkRecord[] {
  return ctx.book
    .unitsWithLinks(peering)
    .flatMap((u) => ctx.book.linksTo(peering, u))
    .filter((l) => l.publicKey === publicKey && live(l));
}

/** Carrying, wanted and old links per remote unit. */
function unitViews(s: RotationStep, record: RotationRecord | undefined): UnitRotation[] {
  const { book, now } = s.ctx;
  const active = book.activeKeys(s.peering.id);
  const activeSet = new Set(active.map((k) => k.publicKey));
  const names = new Set([...s.units.keys(), ...book.unitsWithLinks(s.peering.id)]);
  return [...names].sort().map((unit) => {
    const links = book.linksTo(s.peering.id, unit).filter((l) => live(l) && activeSet.has(l.publicKey));
    const carryingLinks = links.filter(
      (l) =>
        l.status === 'open' &&
        book.key(l.publicKey)?.drainingSince === undefined &&
        carries(s.routing?.[interfaceName(l.port)], now),
    );
    const settled = carryingLinks.filter((l) => {
      const since = record?.carrying?.[interfaceName(l.port)];
      return since !== undefined && now - since >= CARRY_SETTLE_MS;
    }).length;
    const oldLinks =
      record === undefined
        ? 0
        : links.filter((l) => (book.key(l.publicKey)?.createdAt ?? 0) <= record.requestedAt).length;
    return {
      unit,
      carrying: carryingLinks.length,
      settled,
      expected: Math.min(active.length, s.units.get(unit)?.publicKeys.length ?? 0),
      oldLinks,
    };
  });
}

/** Why a drain may not start now, or undefined when it may. */
function blocker(s: RotationStep, units: readonly UnitRotation[]): string | undefined {
  const { ctx, peering } = s;
  if (!slotOpen(peering.role, ctx.now)) return `this side's start slot (${peering.role})`;
  const anyLinks = ctx.book
    .unitsWithLinks(peering.id)
    .some((u) => ctx.book.linksTo(peering.id, u).some(live));
  if (anyLinks && s.routing === undefined) return 'routing observations (BIRD, kernel routes)';
  for (const u of units) {
    // A unit nothing reaches has nothing to protect; any other keeps all its tunnels.
    if (u.carrying === 0) continue;
    const closing = ctx.book
      .linksTo(peering.id, u.unit)
      .some((l) => live(l) && ctx.book.key(l.publicKey)?.retired === true);
    if (closing) return `${u.unit}: a retired key's link to close`;
    if (u.carrying < u.expected) return `${u.unit}: ${u.carrying}/${u.expected} tunnels carry`;
    if (u.settled < u.expected)
      return `${u.unit}: ${u.expected - u.settled} tunnel(s) carrying for under ${CARRY_SETTLE_MS / 1000} s`;
  }
  return undefined;
}

/**
 * Ask for a rotation of `peerings` (all when undefined): every key they hold
 * now is replaced, one at a time. Pure: the caller persists the result.
 */
export function requestRotation(
  state: UnitState,
  peerings: readonly string[] | undefined,
  now: number,
): UnitState {
  const ids = peerings ?? [...new Set(state.keys.map((k) => k.peering))].sort();
  const rotations: Record<string, RotationRecord> = { ...(state.rotations ?? {}) };
  for (const id of ids) {
    const keys = state.keys.filter((k) => k.peering === id && !k.retired).length;
    rotations[id] = { requestedAt: now, reason: 'manual', keys };
  }
  return { ...state, rotations };
}

/**
 * Whether a reconcile needs routing observations: a rotation is in progress,
 * or `key-rotation-interval` makes one due.
 */
export function rotationActive(state: UnitState, intervalMs: number | undefined, now: number): boolean {
  if (Object.values(state.rotations ?? {}).some((r) => r.completedAt === undefined)) return true;
  if (intervalMs === undefined) return false;
  return state.keys.some((k) => !k.retired && now - k.createdAt >= intervalMs);
}
