/**
 * Peer data: what each unit publishes per peering, as the string key/value
 * wire format of the reference's `wireguard_router` interface.
 * @module
 */
import type { ValidationIssue } from './errors.js';
import { shorten } from './errors.js';
import { parseIngress } from './ingress.js';
import { MEMO_KEY_BUDGET, memoize } from './memo.js';
import { formatOspfTimers, type OspfTimers, parseOspfTimers } from './ospf-timers.js';
import { comparePrefixes, type Prefix, parsePrefix, refusalOf } from './prefix.js';

/** The wire form: every value is a string. */
export type PeerDataWire = Readonly<Record<string, string>>;

/** One `listen-ports` entry: "my key `publicKey` listens on `port` for your key `peerPublicKey`". */
export interface ListenPort {
  readonly publicKey: string;
  readonly peerPublicKey: string;
  readonly port: number;
}

/** Peer data after validation; prefixes canonical. */
export interface PeerData {
  /** An IP address (canonical text) or a host name (lower case) that peers resolve. */
  readonly ingressAddress: string;
  readonly advertisePrefixes: readonly Prefix[];
  readonly publicKeys: readonly string[];
  readonly listenPorts: readonly ListenPort[];
  readonly mtu?: number;
  /**
   * The OSPF timers this unit asks for (`ospf-timers`); absent: it published
   * none (the reference, earlier versions) or an invalid value, and counts as
   * the reference's 5/30 (see `ospf-timers.ts`).
   */
  readonly ospfTimers?: OspfTimers;
}

/** Wire keys, as the reference names them (`ospf-timers` is ours; the reference ignores it). */
export const PEER_DATA_KEYS = {
  ingressAddress: 'ingress-address',
  advertisePrefixes: 'advertise-prefixes',
  publicKeys: 'public-keys',
  listenPorts: 'listen-ports',
  mtu: 'mtu',
  ospfTimers: 'ospf-timers',
} as const;

/**
 * Lowest and highest MTU a unit may publish. Below IPv6's minimum (1280)
 * OSPFv3 cannot run over the links, so such a value is refused.
 */
export const MTU_RANGE = { min: 1280, max: 65535 } as const;

/**
 * Size limits on one unit's data, so decoding stays linear and bounded
 * whatever a peer publishes. A unit over a limit is refused as a whole.
 */
export const PEER_DATA_LIMITS = {
  /** Characters in any one value (64 KiB holds ~1000 prefixes or listen-ports). */
  valueLength: 65536,
  /** Entries in `advertise-prefixes`. */
  prefixes: 256,
  /** Entries in `public-keys` (a unit holds `tunnels` keys, plus retiring ones). */
  publicKeys: 64,
  /** Entries in `listen-ports`. */
  listenPorts: 256,
  /** Issues reported per unit; the rest are counted, not listed. */
  issues: 20,
} as const;

/** Parse an optional MTU value; absent or blank means none. */
function parseMtu(text: unknown): { ok: true; value: number | undefined } | { ok: false; error: string } {
  if (text === undefined || (typeof text === 'string' && text.trim() === ''))
    return { ok: true, value: undefined };
  const n = typeof text === 'string' && /^\s*\d{1,6}\s*$/.test(text) ? Number(text) : Number.NaN;
  if (n >= MTU_RANGE.min && n <= MTU_RANGE.max) return { ok: true, value: n };
  return { ok: false, error: `must be an integer ${MTU_RANGE.min}-${MTU_RANGE.max}` };
}

const KEY_RE = /^[A-Za-z0-9+/]{43}=$/;

/** True for a base64 string that decodes to 32 bytes (a WireGuard key). */
export function isWireGuardKey(text: string): boolean {
  // 43 base64 chars + '=' is 258 bits; the last char must leave the 2 padding bits zero.
  return KEY_RE.test(text) && 'AEIMQUYcgkosw048'.includes(text.charAt(42));
}

/** Split a comma-separated list, tolerating spaces and empty items (`a, b,`). */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * Result of decoding one unit's peer data. `ignored` lists invalid values of
 * optional fields that were read as absent instead of refusing the unit
 * (`ospf-timers`: the unit's links fall back to the reference's timers); the
 * caller reports them.
 */
export type PeerDataResult =
  | { readonly ok: true; readonly value: PeerData; readonly ignored?: readonly ValidationIssue[] }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

/** True for a plain object whose values may be wire data (not null, not an array). */
export function isWireObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * True when a unit has published none of the peer-data fields yet: it is not
 * ready, which is not the same as invalid.
 */
export function isUnpublished(wire: unknown): boolean {
  return isWireObject(wire) && WIRE_FIELDS.every((k) => wire[k] === undefined);
}

/**
 * Validate and decode a unit's wire data. Every problem is reported, not just
 * the first: field, shortened value and why. Absent `advertise-prefixes`,
 * `public-keys` and `listen-ports` are empty lists, as the reference reads
 * them; `ingress-address` is required. Anything that is not an object of
 * strings is an issue, never an exception.
 *
 * Results are memoised by content: a daemon decodes the same data of every
 * remote unit on every reconcile, and decoding is most of a no-op reconcile.
 */
export function decodePeerData(wire: unknown): PeerDataResult {
  if (!isWireObject(wire)) {
    return {
      ok: false,
      issues: [{ path: '(data)', value: shorten(wire), message: 'must be an object of strings' }],
    };
  }
  const values = WIRE_FIELDS.map((k) => wire[k]);
  const cacheable = values.every(
    (v) => v === undefined || (typeof v === 'string' && v.length <= PEER_DATA_LIMITS.valueLength),
  );
  // Refused data is not worth a cache entry, and oversized keys would fill it.
  if (!cacheable) return decodeUncached(wire);
  // JSON of the field array: no value can shift the fields of the key.
  return decodeByContent(JSON.stringify(values));
}

const WIRE_FIELDS: readonly string[] = Object.values(PEER_DATA_KEYS);

// Keyed by the JSON array of field values (null marks an absent field); the
// decoded value is immutable, so sharing it between calls is safe.
const decodeByContent = memoize(
  (key: string): PeerDataResult => {
    const values = JSON.parse(key) as (string | null)[];
    const wire: Record<string, string> = {};
    values.forEach((v, i) => {
      if (v !== null) wire[WIRE_FIELDS[i] as string] = v;
    });
    return decodeUncached(wire);
  },
  16384,
  32 * MEMO_KEY_BUDGET,
);

function decodeUncached(wire: Readonly<Record<string, unknown>>): PeerDataResult {
  const issues: ValidationIssue[] = [];
  let dropped = 0;
  const issue = (path: string, value: unknown, message: string) => {
    if (issues.length < PEER_DATA_LIMITS.issues) issues.push({ path, value: shorten(value), message });
    else dropped++;
  };
  /** A field's text; absent is `fallback`, a wrong type or an oversized value is an issue. */
  const field = (key: string, fallback: string | undefined): string | undefined => {
    const v = wire[key];
    if (v === undefined) {
      if (fallback === undefined) issue(key, '', 'missing');
      return fallback;
    }
    if (typeof v !== 'string') {
      issue(key, v, 'must be a string');
      return undefined;
    }
    if (v.length > PEER_DATA_LIMITS.valueLength) {
      issue(key, v, `longer than ${PEER_DATA_LIMITS.valueLength} characters`);
      return undefined;
    }
    return v;
  };
  /** Items of a list field, or none when it has more than `limit`. */
  const items = (key: string, limit: number): string[] => {
    const text = field(key, '');
    if (text === undefined) return [];
    const list = splitList(text);
    if (list.length <= limit) return list;
    issue(key, text, `more than ${limit} entries`);
    return [];
  };

  let ingressAddress = '';
  const ingress = field(PEER_DATA_KEYS.ingressAddress, undefined);
  if (ingress !== undefined) {
    const a = parseIngress(ingress);
    if (a.ok) ingressAddress = a.value.text;
    else issue(PEER_DATA_KEYS.ingressAddress, ingress, a.error);
  }

  const advertisePrefixes: Prefix[] = [];
  const seenPrefixes = new Set<string>();
  for (const item of items(PEER_DATA_KEYS.advertisePrefixes, PEER_DATA_LIMITS.prefixes)) {
    const p = parsePrefix(item);
    const why = p.ok ? refusalOf(p.value) : p.error;
    if (!p.ok || why !== undefined) issue(PEER_DATA_KEYS.advertisePrefixes, item, why ?? 'invalid');
    else if (!seenPrefixes.has(p.value.text)) {
      seenPrefixes.add(p.value.text);
      advertisePrefixes.push(p.value);
    }
  }

  const publicKeys = new Set<string>();
  for (const key of items(PEER_DATA_KEYS.publicKeys, PEER_DATA_LIMITS.publicKeys)) {
    if (!isWireGuardKey(key)) issue(PEER_DATA_KEYS.publicKeys, key, 'not a base64 32-byte WireGuard key');
    else publicKeys.add(key);
  }

  const listenPorts: ListenPort[] = [];
  const seenPairs = new Set<string>();
  for (const entry of items(PEER_DATA_KEYS.listenPorts, PEER_DATA_LIMITS.listenPorts)) {
    const parts = entry.split(':').map((s) => s.trim());
    const [publicKey = '', peerPublicKey = '', portText = ''] = parts;
    const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
    if (parts.length !== 3) {
      issue(PEER_DATA_KEYS.listenPorts, entry, 'entry must be PUBLIC_KEY:PEER_PUBLIC_KEY:PORT');
    } else if (!isWireGuardKey(publicKey) || !isWireGuardKey(peerPublicKey)) {
      issue(PEER_DATA_KEYS.listenPorts, entry, 'keys must be base64 32-byte WireGuard keys');
    } else if (!(port >= 1 && port <= 65535)) {
      issue(PEER_DATA_KEYS.listenPorts, entry, 'port must be 1-65535');
    } else if (!publicKeys.has(publicKey)) {
      issue(PEER_DATA_KEYS.listenPorts, entry, `key is not among this unit's ${PEER_DATA_KEYS.publicKeys}`);
    } else if (seenPairs.has(`${publicKey}:${peerPublicKey}`)) {
      issue(PEER_DATA_KEYS.listenPorts, entry, 'a second entry for the same key pair');
    } else {
      seenPairs.add(`${publicKey}:${peerPublicKey}`);
      listenPorts.push({ publicKey, peerPublicKey, port });
    }
  }

  const mtuResult = parseMtu(wire[PEER_DATA_KEYS.mtu]);
  if (!mtuResult.ok) issue(PEER_DATA_KEYS.mtu, wire[PEER_DATA_KEYS.mtu], mtuResult.error);
  const mtu = mtuResult.ok ? mtuResult.value : undefined;

  // Invalid timers do not refuse the unit: its links run the reference's.
  const timers = ospfTimersOf(wire);
  const ignored = timers.issue ? [timers.issue] : [];

  if (dropped > 0) issues.push({ path: '(data)', value: '', message: `${dropped} more issues not listed` });
  if (issues.length > 0) return { ok: false, issues: [...issues, ...ignored] };
  advertisePrefixes.sort(comparePrefixes);
  const value: PeerData = {
    ingressAddress,
    advertisePrefixes,
    publicKeys: [...publicKeys],
    listenPorts,
    ...(mtu === undefined ? {} : { mtu }),
    ...(timers.value === undefined ? {} : { ospfTimers: timers.value }),
  };
  return ignored.length > 0 ? { ok: true, value, ignored } : { ok: true, value };
}

/**
 * The `ospf-timers` a unit's wire data asks for, on its own: the other
 * fields need not be valid (a refused unit's held links keep the timers it
 * asks for, as it computes them too). Absent or blank: none; invalid: none
 * and an issue.
 */
export function ospfTimersOf(wire: unknown): { value?: OspfTimers; issue?: ValidationIssue } {
  const key = PEER_DATA_KEYS.ospfTimers;
  const text = isWireObject(wire) ? wire[key] : undefined;
  if (text === undefined || (typeof text === 'string' && text.trim() === '')) return {};
  const r =
    typeof text === 'string' && text.length <= 32
      ? parseOspfTimers(text)
      : { ok: false as const, error: 'must be a short string HELLO/DEAD' };
  return r.ok ? { value: r.value } : { issue: { path: key, value: shorten(text), message: r.error } };
}

/** Encode peer data to the wire form. Inverse of {@link decodePeerData}. */
export function encodePeerData(data: PeerData): PeerDataWire {
  const wire: Record<string, string> = {
    [PEER_DATA_KEYS.ingressAddress]: data.ingressAddress,
    [PEER_DATA_KEYS.advertisePrefixes]: data.advertisePrefixes.map((p) => p.text).join(', '),
    [PEER_DATA_KEYS.publicKeys]: data.publicKeys.join(','),
    [PEER_DATA_KEYS.listenPorts]: data.listenPorts
      .map((l) => `${l.publicKey}:${l.peerPublicKey}:${l.port}`)
      .join(','),
  };
  if (data.mtu !== undefined) wire[PEER_DATA_KEYS.mtu] = String(data.mtu);
  if (data.ospfTimers !== undefined) wire[PEER_DATA_KEYS.ospfTimers] = formatOspfTimers(data.ospfTimers);
  return wire;
}

/** What units of one group share among themselves. */
export interface GroupPeerData {
  readonly mtu?: number;
}

/** Decode a group peer's data; an invalid MTU is an issue, an absent one is fine. */
export function decodeGroupPeerData(
  wire: unknown,
): { ok: true; value: GroupPeerData } | { ok: false; issues: ValidationIssue[] } {
  if (!isWireObject(wire)) {
    return {
      ok: false,
      issues: [{ path: '(data)', value: shorten(wire), message: 'must be an object of strings' }],
    };
  }
  const mtu = parseMtu(wire[PEER_DATA_KEYS.mtu]);
  if (!mtu.ok) {
    return {
      ok: false,
      issues: [{ path: 'mtu', value: shorten(wire[PEER_DATA_KEYS.mtu]), message: mtu.error }],
    };
  }
  return { ok: true, value: mtu.value === undefined ? {} : { mtu: mtu.value } };
}

/** Encode a group peer's data. */
export function encodeGroupPeerData(data: GroupPeerData): PeerDataWire {
  return data.mtu === undefined ? {} : { [PEER_DATA_KEYS.mtu]: String(data.mtu) };
}
