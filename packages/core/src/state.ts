/**
 * Persisted unit state: keys, links and the port counter, with a versioned
 * JSON codec. The state holds private keys: whoever stores it keeps it 0600.
 * @module
 */
import { StateError } from './errors.js';

/** A WireGuard key pair owned by one peering. */
export interface KeyRecord {
  readonly peering: string;
  readonly privateKey: string;
  readonly publicKey: string;
  readonly retired: boolean;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly retiredAt?: number;
  /**
   * Set while a key rotation drains this key's links (taken out of OSPF,
   * interfaces still up), epoch ms; see `rotation.ts`.
   */
  readonly drainingSince?: number;
}

/** A key rotation of one peering: every key made at or before `requestedAt` is replaced. */
export interface RotationRecord {
  /** Epoch ms. Keys created at or before it are rotated. */
  readonly requestedAt: number;
  /** `manual` (`keys rotate`, the SDK call) or `schedule` (`key-rotation-interval`). */
  readonly reason: 'manual' | 'schedule';
  /** Non-retired keys the rotation had to replace when requested. */
  readonly keys: number;
  /** When the last old key was retired, epoch ms; absent while in progress. */
  readonly completedAt?: number;
  /**
   * While in progress: interface name → when the rotation first saw that link
   * carry traffic (epoch ms); a link counts as carrying for a drain only some
   * seconds later (`CARRY_SETTLE_MS`), once the remote routes through it too.
   */
  readonly carrying?: Readonly<Record<string, number>>;
}

/** Link life cycle of DESIGN.md's link protocol. */
export type LinkStatus = 'half-open' | 'open' | 'half-closed' | 'closed';

/**
 * One point-to-point tunnel to one remote key. The link's private key is the
 * one of the key record with `publicKey` (kept once, in {@link KeyRecord}).
 */
export interface LinkRecord {
  readonly peering: string;
  /** Remote unit id. */
  readonly peerUnit: string;
  readonly status: LinkStatus;
  /** Our key. */
  readonly publicKey: string;
  /** Our listen port; the interface is `wg<port>`. */
  readonly port: number;
  readonly peerPublicKey: string;
  /** `host:port` of the remote side, once known. */
  readonly peerEndpoint?: string;
  /** The remote's advertised prefixes (canonical). */
  readonly peerPrefixes: readonly string[];
  readonly mtu: number;
  readonly openedAt: number;
  readonly closedAt?: number;
}

/** A port that a closed link gave back; unusable until `until`. */
export interface QuarantinedPort {
  readonly port: number;
  readonly until: number;
}

/** The last good data of one remote unit, held through exchange outages. */
export interface HeldUnitData {
  /** The unit's wire record as last read. */
  readonly wire: Readonly<Record<string, string>>;
  /** When the exchange last showed this record, epoch ms (refreshed at most once a minute). */
  readonly seenAt: number;
  /** Since when the exchange has been readable without this unit's entry, epoch ms. */
  readonly missingSince?: number;
}

/** Last good remote data (see `remote-cache.ts`): per peering id and unit, and per group peer. */
export interface RemoteCache {
  readonly peerings: Readonly<Record<string, Readonly<Record<string, HeldUnitData>>>>;
  readonly group: Readonly<Record<string, HeldUnitData>>;
}

/** Everything a unit persists. */
export interface UnitState {
  readonly keys: readonly KeyRecord[];
  readonly links: readonly LinkRecord[];
  /** Next port to try; allocation scans upward from here and wraps. */
  readonly portCounter: number;
  readonly quarantine: readonly QuarantinedPort[];
  /** Remote units' last good data; absent when none is held. */
  readonly remote?: RemoteCache;
  /** Key rotations per peering id (the last one, in progress or completed); absent when none. */
  readonly rotations?: Readonly<Record<string, RotationRecord>>;
}

/** The current on-disk schema version. */
export const STATE_VERSION = 3;

/** A fresh unit's state. */
export function emptyState(portMin: number): UnitState {
  return { keys: [], links: [], portCounter: portMin, quarantine: [] };
}

/** Serialize state (pretty JSON with a version). */
export function encodeState(state: UnitState): string {
  return `${JSON.stringify({ version: STATE_VERSION, ...state }, null, 2)}\n`;
}

type Migration = (old: Record<string, unknown>) => Record<string, unknown>;

/**
 * Migrations from version N to N+1, indexed by N. Version 0 had no
 * quarantine; version 1 held no remote data (version 2 starts with none held:
 * the first read of the exchange fills it); version 2 had no key rotations
 * (none is in progress after the migration; a scheduled one starts from the
 * keys' ages).
 */
const MIGRATIONS: Readonly<Record<number, Migration>> = {
  0: (old) => ({ ...old, quarantine: old.quarantine ?? [], version: 1 }),
  1: (old) => ({ ...old, remote: { peerings: {}, group: {} }, version: 2 }),
  2: (old) => ({ ...old, rotations: {}, version: 3 }),
};

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parse and migrate persisted state. Throws {@link StateError} on anything it
 * does not understand rather than guessing: a lost private key cannot be undone.
 */
export function decodeState(text: string): UnitState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new StateError('state file is not valid JSON', { cause });
  }
  if (!isObj(raw)) throw new StateError('state file must hold a JSON object');
  let doc = raw;
  let version = typeof doc.version === 'number' ? doc.version : 0;
  if (version > STATE_VERSION) {
    throw new StateError(
      `state version ${version} is newer than this wg-gateway understands (${STATE_VERSION})`,
    );
  }
  while (version < STATE_VERSION) {
    const migrate = MIGRATIONS[version];
    if (!migrate) throw new StateError(`no migration from state version ${version}`);
    doc = migrate(doc);
    version += 1;
  }
  const { keys, links, portCounter, quarantine } = doc;
  if (!Array.isArray(keys) || !Array.isArray(links) || !Array.isArray(quarantine)) {
    throw new StateError('state must have keys, links and quarantine arrays');
  }
  if (typeof portCounter !== 'number' || !Number.isInteger(portCounter)) {
    throw new StateError('state portCounter must be an integer');
  }
  keys.forEach((k, i) => {
    if (
      !isObj(k) ||
      typeof k.publicKey !== 'string' ||
      typeof k.privateKey !== 'string' ||
      typeof k.peering !== 'string'
    )
      throw new StateError(`state keys[${i}] is malformed`);
  });
  links.forEach((l, i) => {
    if (
      !isObj(l) ||
      typeof l.port !== 'number' ||
      typeof l.publicKey !== 'string' ||
      typeof l.status !== 'string'
    )
      throw new StateError(`state links[${i}] is malformed`);
  });
  const remote = decodeRemote(doc.remote);
  const rotations = decodeRotations(doc.rotations);
  return {
    keys: keys as KeyRecord[],
    links: links as LinkRecord[],
    portCounter,
    quarantine: quarantine as QuarantinedPort[],
    ...(remote ? { remote } : {}),
    ...(rotations ? { rotations } : {}),
  };
}

/** Rotation records; undefined when there are none (so a unit that never rotated keeps its old shape). */
function decodeRotations(v: unknown): Record<string, RotationRecord> | undefined {
  if (v === undefined) return undefined;
  if (!isObj(v)) throw new StateError('state rotations must be an object');
  for (const [id, r] of Object.entries(v)) {
    if (
      !isObj(r) ||
      typeof r.requestedAt !== 'number' ||
      (r.reason !== 'manual' && r.reason !== 'schedule') ||
      typeof r.keys !== 'number' ||
      (r.completedAt !== undefined && typeof r.completedAt !== 'number') ||
      (r.carrying !== undefined &&
        (!isObj(r.carrying) || !Object.values(r.carrying).every((t) => typeof t === 'number')))
    )
      throw new StateError(`state rotations[${JSON.stringify(id)}] is malformed`);
  }
  return Object.keys(v).length === 0 ? undefined : (v as Record<string, RotationRecord>);
}

function decodeHeldUnits(v: unknown, where: string): Record<string, HeldUnitData> {
  if (!isObj(v)) throw new StateError(`state ${where} must be an object`);
  for (const [unit, held] of Object.entries(v)) {
    if (
      !isObj(held) ||
      !isObj(held.wire) ||
      !Object.values(held.wire).every((x) => typeof x === 'string') ||
      typeof held.seenAt !== 'number' ||
      (held.missingSince !== undefined && typeof held.missingSince !== 'number')
    )
      throw new StateError(`state ${where}[${JSON.stringify(unit)}] is malformed`);
  }
  return v as Record<string, HeldUnitData>;
}

/** The held remote data; undefined when none is held (so a unit without peers keeps its old shape). */
function decodeRemote(v: unknown): RemoteCache | undefined {
  if (v === undefined) return undefined;
  if (!isObj(v) || !isObj(v.peerings)) throw new StateError('state remote must have a peerings object');
  const peerings: Record<string, Record<string, HeldUnitData>> = {};
  for (const [id, units] of Object.entries(v.peerings))
    peerings[id] = decodeHeldUnits(units, `remote.peerings[${JSON.stringify(id)}]`);
  const group = decodeHeldUnits(v.group ?? {}, 'remote.group');
  const empty =
    Object.values(peerings).every((u) => Object.keys(u).length === 0) && Object.keys(group).length === 0;
  return empty ? undefined : { peerings, group };
}
