/**
 * The last-good-data cache: an exchange outage is not a departure. Given what
 * the exchange showed (or that it could not be read), the held copies from
 * the state file, the time and the grace, it yields the remote data
 * `reconcile()` works on, the updated cache and the exchange health.
 *
 * Per remote unit: an entry with good data replaces the held copy; invalid
 * data, a missing entry or an unreachable exchange keep the held copy (so the
 * unit's links, ports and keys stay); a withdrawal, or an entry missing for
 * longer than the grace, drops it (and with it, in `reconcile()`, the links).
 * Pure.
 * @module
 */
import { ExchangeUnreachableError } from './errors.js';
import type { Exchange, ExchangeSnapshot, UnitAddress, Withdrawal } from './gateway-ports.js';
import { decodePeerData, type PeerDataWire } from './peer-data.js';
import type { Problem } from './problems.js';
import type { UnitDataMap } from './reconcile.js';
import type { HeldUnitData, RemoteCache, UnitState } from './state.js';

/** What reading the exchange gave. */
export type ExchangeRead =
  | { readonly status: 'ok'; readonly snapshot: ExchangeSnapshot }
  | { readonly status: 'unreachable'; readonly error: string };

/** Why a remote unit's data comes from the held copy. */
export type HeldReason = 'unreachable' | 'missing' | 'invalid';

/** One remote unit as the exchange health reports it. */
export interface RemoteUnitHealth {
  /** Peering id; undefined for a peer of this unit's own group. */
  readonly peering?: string;
  readonly unit: string;
  /** `fresh`: read now; `held`: the last good copy is used; `withdrawn` / `departed`: gone now. */
  readonly state: 'fresh' | 'held' | 'withdrawn' | 'departed';
  readonly reason?: HeldReason;
  /** Seconds since the exchange last showed this unit's data (0 when fresh). */
  readonly ageSeconds: number;
  /** Epoch ms since the entry is missing (state `held`, reason `missing`). */
  readonly missingSince?: number;
}

/** Exchange health of one reconcile: for the report, `status` and metrics. */
export interface ExchangeHealth {
  /** False when the exchange could not be read at all. */
  readonly reachable: boolean;
  readonly error?: string;
  readonly units: readonly RemoteUnitHealth[];
  /** How many units' data came from the held copy. */
  readonly held: number;
}

/** Input of {@link resolveRemote}. */
export interface ResolveRemoteInput {
  readonly read: ExchangeRead;
  readonly cache: RemoteCache | undefined;
  /** Configured peering ids; held data of other peerings is dropped. */
  readonly peerings: readonly string[];
  /** Epoch ms. */
  readonly now: number;
  /** How long an entry may stay missing before its unit counts as departed. */
  readonly graceMs: number;
}

/** Output of {@link resolveRemote}. */
export interface ResolvedRemote {
  /** Effective remote data per peering, for `reconcile()`. */
  readonly remote: Readonly<Record<string, UnitDataMap>>;
  /** Effective group peers' data, for `reconcile()`. */
  readonly group: UnitDataMap;
  readonly cache: RemoteCache;
  /** False when only nothing, or only refresh times younger than `SEEN_REFRESH_MS`, changed: no save needed for it. */
  readonly cacheChanged: boolean;
  readonly health: ExchangeHealth;
  readonly problems: readonly Problem[];
}

/** `seenAt` is refreshed at most this often, so a steady exchange does not rewrite the state file. */
export const SEEN_REFRESH_MS = 60_000;

const EMPTY: RemoteCache = { peerings: {}, group: {} };

interface ScopeResult {
  effective: Record<string, PeerDataWire>;
  held: Record<string, HeldUnitData>;
  changed: boolean;
}

const sameWire = (a: PeerDataWire, b: PeerDataWire): boolean => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
};

/** One scope: one peering's remote units, or the group's peers. */
function resolveScope(
  peering: string | undefined,
  entries: UnitDataMap | undefined,
  withdrawn: Readonly<Record<string, Withdrawal>>,
  held: Readonly<Record<string, HeldUnitData>>,
  input: ResolveRemoteInput,
  health: RemoteUnitHealth[],
  problems: Problem[],
): ScopeResult {
  const { now, graceMs } = input;
  const out: ScopeResult = { effective: {}, held: {}, changed: false };
  const at = peering === undefined ? {} : { peering };
  const age = (h: HeldUnitData) => Math.max(0, Math.round((now - h.seenAt) / 1000));
  const hold = (unit: string, h: HeldUnitData, reason: HeldReason) => {
    out.effective[unit] = h.wire;
    out.held[unit] = h;
    health.push({
      ...at,
      unit,
      state: 'held',
      reason,
      ageSeconds: age(h),
      ...(h.missingSince === undefined ? {} : { missingSince: h.missingSince }),
    });
  };
  if (entries === undefined) {
    // Unreachable: every held unit stays as it is.
    for (const [unit, h] of Object.entries(held)) hold(unit, h, 'unreachable');
    return out;
  }
  for (const unit of [...new Set([...Object.keys(entries), ...Object.keys(held)])].sort()) {
    const wire = entries[unit];
    const h = held[unit];
    if (wire !== undefined) {
      // Group records carry only an MTU; peering records are checked before they replace a good copy.
      const check = peering === undefined ? undefined : decodePeerData(wire);
      if (check && !check.ok && h) {
        problems.push({
          code: 'REMOTE_DATA_HELD',
          ...at,
          unit,
          message: `[core] unit ${unit} published invalid data; its last good data is kept`,
          issues: check.issues,
        });
        hold(unit, h, 'invalid');
        continue;
      }
      out.effective[unit] = wire;
      if (check && !check.ok) {
        health.push({ ...at, unit, state: 'fresh', ageSeconds: 0 });
        continue; // never held: reconcile reports it
      }
      const same = h !== undefined && sameWire(h.wire, wire);
      const refresh = !same || h.missingSince !== undefined || now - h.seenAt >= SEEN_REFRESH_MS;
      out.held[unit] = refresh ? { wire, seenAt: now } : h;
      if (refresh) out.changed = true;
      health.push({ ...at, unit, state: 'fresh', ageSeconds: 0 });
    } else if (withdrawn[unit] !== undefined) {
      if (h) out.changed = true;
      health.push({ ...at, unit, state: 'withdrawn', ageSeconds: h ? age(h) : 0 });
    } else if (h) {
      const since = h.missingSince ?? now;
      if (now - since >= graceMs) {
        out.changed = true;
        problems.push({
          code: 'REMOTE_UNIT_DEPARTED',
          ...at,
          unit,
          message: `[core] unit ${unit} has been missing from the exchange for ${Math.round((now - since) / 1000)} s (remote-grace-seconds ${Math.round(graceMs / 1000)}): treated as departed`,
        });
        health.push({ ...at, unit, state: 'departed', ageSeconds: age(h) });
      } else {
        if (h.missingSince === undefined) out.changed = true;
        hold(unit, h.missingSince === undefined ? { ...h, missingSince: now } : h, 'missing');
      }
    }
  }
  return out;
}

/** The effective remote data, the updated cache and the exchange health. */
export function resolveRemote(input: ResolveRemoteInput): ResolvedRemote {
  const { read, peerings } = input;
  const cache = input.cache ?? EMPTY;
  const snap = read.status === 'ok' ? read.snapshot : undefined;
  const health: RemoteUnitHealth[] = [];
  const problems: Problem[] = [];
  const remote: Record<string, UnitDataMap> = {};
  const held: Record<string, Record<string, HeldUnitData>> = {};
  let changed = Object.keys(cache.peerings).some((p) => !peerings.includes(p));
  for (const p of peerings) {
    const r = resolveScope(
      p,
      snap ? (snap.peerings[p] ?? {}) : undefined,
      snap?.withdrawn.peerings[p] ?? {},
      cache.peerings[p] ?? {},
      input,
      health,
      problems,
    );
    remote[p] = r.effective;
    if (Object.keys(r.held).length > 0) held[p] = r.held;
    changed ||= r.changed;
  }
  const g = resolveScope(
    undefined,
    snap?.group,
    snap?.withdrawn.group ?? {},
    cache.group,
    input,
    health,
    problems,
  );
  changed ||= g.changed;
  if (read.status === 'unreachable') {
    problems.push({
      code: 'EXCHANGE_UNREACHABLE',
      message: `${read.error}; the last good data of ${health.length} remote unit(s) is kept`,
    });
  }
  return {
    remote,
    group: g.effective,
    cache: { peerings: held, group: g.held },
    cacheChanged: changed,
    health: {
      reachable: read.status === 'ok',
      ...(read.status === 'unreachable' ? { error: read.error } : {}),
      units: health,
      held: health.filter((u) => u.state === 'held').length,
    },
    problems,
  };
}

/**
 * Read the exchange for {@link resolveRemote}: an {@link ExchangeUnreachableError}
 * becomes an `unreachable` read; any other error propagates.
 */
export async function readExchange(
  exchange: Exchange,
  self: UnitAddress,
  peerings: readonly string[],
): Promise<ExchangeRead> {
  try {
    return { status: 'ok', snapshot: await exchange.read(self, peerings) };
  } catch (e) {
    if (e instanceof ExchangeUnreachableError) return { status: 'unreachable', error: e.message };
    throw e;
  }
}

/** `state` carrying `cache` (left out when it holds nothing, as in a state without peers). */
export function withRemoteCache(state: UnitState, cache: RemoteCache): UnitState {
  const { remote: _old, ...rest } = state;
  const empty =
    Object.values(cache.peerings).every((u) => Object.keys(u).length === 0) &&
    Object.keys(cache.group).length === 0;
  return empty ? rest : { ...rest, remote: cache };
}
