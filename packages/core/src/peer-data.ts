/**
 * Peer data: what each unit publishes per peering, as the string key/value
 * wire format of the reference's `wireguard_router` interface.
 * @module
 */
import type { ValidationIssue } from './errors.js';
import { shorten } from './errors.js';
import { memoize } from './memo.js';
import { comparePrefixes, type Prefix, parseAddress, parsePrefix } from './prefix.js';

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
  readonly ingressAddress: string;
  readonly advertisePrefixes: readonly Prefix[];
  readonly publicKeys: readonly string[];
  readonly listenPorts: readonly ListenPort[];
  readonly mtu?: number;
}

/** Wire keys, as the reference names them. */
export const PEER_DATA_KEYS = {
  ingressAddress: 'ingress-address',
  advertisePrefixes: 'advertise-prefixes',
  publicKeys: 'public-keys',
  listenPorts: 'listen-ports',
  mtu: 'mtu',
} as const;

/** Lowest and highest MTU a unit may publish. */
export const MTU_RANGE = { min: 68, max: 65535 } as const;

/** Parse an optional MTU value; absent or blank means none. */
function parseMtu(text: unknown): { ok: true; value: number | undefined } | { ok: false; error: string } {
  if (text === undefined || (typeof text === 'string' && text.trim() === ''))
    return { ok: true, value: undefined };
  const n = typeof text === 'string' && /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
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

/** Result of decoding one unit's peer data. */
export type PeerDataResult =
  | { readonly ok: true; readonly value: PeerData }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

/**
 * Validate and decode a unit's wire data. Every problem is reported, not just
 * the first: field, shortened value and why.
 *
 * Results are memoised by content: a daemon decodes the same data of every
 * remote unit on every reconcile, and decoding is most of a no-op reconcile.
 */
export function decodePeerData(wire: PeerDataWire): PeerDataResult {
  const values = WIRE_FIELDS.map((k) => wire[k]);
  if (!values.every((v) => v === undefined || typeof v === 'string')) return decodeUncached(wire);
  return decodeByContent(values.map((v) => (v === undefined ? '\u0000' : v)).join('\u0001'));
}

const WIRE_FIELDS = Object.values(PEER_DATA_KEYS);

// Keyed by the joined field values (\u0000 marks an absent field); the decoded
// value is immutable, so sharing it between calls is safe.
const decodeByContent = memoize((joined: string): PeerDataResult => {
  const wire: Record<string, string> = {};
  joined.split('\u0001').forEach((v, i) => {
    if (v !== '\u0000') wire[WIRE_FIELDS[i] as string] = v;
  });
  return decodeUncached(wire);
}, 16384);

function decodeUncached(wire: PeerDataWire): PeerDataResult {
  const issues: ValidationIssue[] = [];
  const issue = (path: string, value: unknown, message: string) =>
    issues.push({ path, value: shorten(value), message });
  const field = (key: string): string | undefined => {
    const v = wire[key];
    if (v === undefined) {
      issue(key, '', 'missing');
      return undefined;
    }
    if (typeof v !== 'string') {
      issue(key, v, 'must be a string');
      return undefined;
    }
    return v;
  };

  let ingressAddress = '';
  const ingress = field(PEER_DATA_KEYS.ingressAddress);
  if (ingress !== undefined) {
    const a = parseAddress(ingress);
    if (a.ok) ingressAddress = a.value.text;
    else issue(PEER_DATA_KEYS.ingressAddress, ingress, a.error);
  }

  const advertisePrefixes: Prefix[] = [];
  const prefixes = field(PEER_DATA_KEYS.advertisePrefixes);
  if (prefixes !== undefined) {
    for (const item of splitList(prefixes)) {
      const p = parsePrefix(item);
      if (p.ok) advertisePrefixes.push(p.value);
      else issue(PEER_DATA_KEYS.advertisePrefixes, item, p.error);
    }
  }

  const publicKeys: string[] = [];
  const keys = field(PEER_DATA_KEYS.publicKeys);
  if (keys !== undefined) {
    for (const key of splitList(keys)) {
      if (!isWireGuardKey(key)) issue(PEER_DATA_KEYS.publicKeys, key, 'not a base64 32-byte WireGuard key');
      else if (!publicKeys.includes(key)) publicKeys.push(key);
    }
  }

  const listenPorts: ListenPort[] = [];
  const ports = field(PEER_DATA_KEYS.listenPorts);
  if (ports !== undefined) {
    for (const entry of splitList(ports)) {
      const parts = entry.split(':').map((s) => s.trim());
      const [publicKey = '', peerPublicKey = '', portText = ''] = parts;
      const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
      if (parts.length !== 3) {
        issue(PEER_DATA_KEYS.listenPorts, entry, 'entry must be PUBLIC_KEY:PEER_PUBLIC_KEY:PORT');
      } else if (!isWireGuardKey(publicKey) || !isWireGuardKey(peerPublicKey)) {
        issue(PEER_DATA_KEYS.listenPorts, entry, 'keys must be base64 32-byte WireGuard keys');
      } else if (!(port >= 1 && port <= 65535)) {
        issue(PEER_DATA_KEYS.listenPorts, entry, 'port must be 1-65535');
      } else if (!publicKeys.includes(publicKey)) {
        issue(PEER_DATA_KEYS.listenPorts, entry, `key is not among this unit's ${PEER_DATA_KEYS.publicKeys}`);
      } else {
        listenPorts.push({ publicKey, peerPublicKey, port });
      }
    }
  }

  const mtuResult = parseMtu(wire[PEER_DATA_KEYS.mtu]);
  if (!mtuResult.ok) issue(PEER_DATA_KEYS.mtu, wire[PEER_DATA_KEYS.mtu], mtuResult.error);
  const mtu = mtuResult.ok ? mtuResult.value : undefined;

  if (issues.length > 0) return { ok: false, issues };
  advertisePrefixes.sort(comparePrefixes);
  const value: PeerData = {
    ingressAddress,
    advertisePrefixes,
    publicKeys,
    listenPorts,
    ...(mtu === undefined ? {} : { mtu }),
  };
  return { ok: true, value };
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
  return wire;
}

/** What units of one group share among themselves. */
export interface GroupPeerData {
  readonly mtu?: number;
}

/** Decode a group peer's data; an invalid MTU is an issue, an absent one is fine. */
export function decodeGroupPeerData(
  wire: PeerDataWire,
): { ok: true; value: GroupPeerData } | { ok: false; issues: ValidationIssue[] } {
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
