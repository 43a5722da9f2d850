/**
 * IPv4/IPv6 prefixes and addresses: parsing, canonical form, overlap.
 * Every prefix that reaches a render or a comparison went through here.
 * @module
 */
import { Address4, Address6 } from 'ip-address';
import { memoize } from './memo.js';

/** A parsed, canonical IP prefix. */
export interface Prefix {
  readonly family: 4 | 6;
  /** Network address in canonical form (IPv6 compressed, lower case). */
  readonly network: string;
  readonly length: number;
  /** First and last address as integers, for overlap tests. */
  readonly first: bigint;
  readonly last: bigint;
  /** `network/length`. */
  readonly text: string;
}

/** Result of a parse: the value or why it was refused. */
export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

const BITS = { 4: 32, 6: 128 } as const;

function lastOf(first: bigint, family: 4 | 6, length: number): bigint {
  const hostBits = BigInt(BITS[family] - length);
  return first | ((1n << hostBits) - 1n);
}

/**
 * Parse `a.b.c.d/n` or `x::/n` into its canonical network form. Host bits are
 * cleared (`10.1.2.3/8` becomes `10.0.0.0/8`); a missing length means a host route.
 */
// Prefixes repeat across links and reconciles; parsing through ip-address is
// the dominant cost of a reconcile, so results are memoised.
export const parsePrefix: (input: string) => Parsed<Prefix> = memoize(parseUncached);

function parseUncached(input: string): Parsed<Prefix> {
  const text = input.trim();
  if (text === '') return fail('empty prefix');
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const lenText = slash < 0 ? undefined : text.slice(slash + 1);
  const family: 4 | 6 | undefined = addr.includes(':')
    ? 6
    : /^\d+\.\d+\.\d+\.\d+$/.test(addr)
      ? 4
      : undefined;
  if (family === undefined) return fail('not an IPv4 or IPv6 prefix');
  const max = BITS[family];
  const length = lenText === undefined ? max : /^\d{1,3}$/.test(lenText) ? Number(lenText) : Number.NaN;
  if (!Number.isInteger(length) || length < 0 || length > max) {
    return fail(`prefix length must be 0-${max}`);
  }
  try {
    const a = family === 4 ? new Address4(`${addr}/${length}`) : new Address6(`${addr}/${length}`);
    if (family === 6 && addr.includes('%')) return fail('zone index not allowed');
    const start = a.startAddress();
    const first = start.bigInt();
    const network = start.correctForm();
    return ok({
      family,
      network,
      length,
      first,
      last: lastOf(first, family, length),
      text: `${network}/${length}`,
    });
  } catch {
    return fail(`not a valid IPv${family} prefix`);
  }
}

/** An IP address in canonical form. */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly text: string;
  readonly value: bigint;
}

/** Parse a single IPv4 or IPv6 address (no length). */
export function parseAddress(input: string): Parsed<IpAddress> {
  const text = input.trim();
  if (text.includes('/')) return fail('an address, not a prefix, is expected');
  const p = parsePrefix(text);
  if (!p.ok) return fail(p.error.replace('prefix', 'address'));
  return ok({ family: p.value.family, text: p.value.network, value: p.value.first });
}

/** True when the two prefixes share at least one address. */
export function overlaps(a: Prefix, b: Prefix): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/** True when `outer` contains all of `inner`. */
export function contains(outer: Prefix, inner: Prefix): boolean {
  return outer.family === inner.family && outer.first <= inner.first && inner.last <= outer.last;
}

function must(text: string): Prefix {
  const p = parsePrefix(text);
  if (!p.ok) throw new Error(`bad built-in prefix ${text}`);
  return p.value;
}

/** Address ranges a site may not advertise, with the reason shown to the user. */
const SPECIAL: readonly { readonly prefix: Prefix; readonly why: string }[] = [
  { prefix: must('169.254.0.0/16'), why: 'link-local' },
  { prefix: must('fe80::/10'), why: 'link-local' },
  { prefix: must('224.0.0.0/4'), why: 'multicast' },
  { prefix: must('ff00::/8'), why: 'multicast' },
  { prefix: must('127.0.0.0/8'), why: 'loopback' },
  { prefix: must('::1/128'), why: 'loopback' },
  { prefix: must('0.0.0.0/8'), why: 'unspecified ("this network")' },
  { prefix: must('::/128'), why: 'unspecified' },
  { prefix: must('255.255.255.255/32'), why: 'broadcast' },
];

/**
 * Why a prefix may not be advertised (link-local, multicast, loopback,
 * unspecified, broadcast), or undefined when it may. A default route
 * (`0.0.0.0/0`, `::/0`) is allowed: a hub site may advertise it.
 */
export function refusalOf(prefix: Prefix): string | undefined {
  for (const s of SPECIAL) if (contains(s.prefix, prefix)) return `${s.why} prefixes cannot be advertised`;
  return undefined;
}

/** Sort prefixes IPv4 first, then by address and length; stable canonical order. */
export function comparePrefixes(a: Prefix, b: Prefix): number {
  if (a.family !== b.family) return a.family - b.family;
  if (a.first !== b.first) return a.first < b.first ? -1 : 1;
  return a.length - b.length;
}

/** Find the first pair of overlapping prefixes in a list. */
export function findOverlap(prefixes: readonly Prefix[]): [Prefix, Prefix] | undefined {
  const sorted = [...prefixes].sort(comparePrefixes);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1] as Prefix;
    const b = sorted[i] as Prefix;
    if (overlaps(a, b)) return [a, b];
  }
  return undefined;
}

/**
 * Canonical form of an interface address with its length (`fe80::1/64`):
 * unlike {@link parsePrefix}, host bits are kept. Unparseable text is returned as is.
 */
export const canonicalCidr: (text: string) => string = memoize(canonicalCidrUncached);

function canonicalCidrUncached(text: string): string {
  const [addr = '', len] = text.trim().split('/');
  const a = parseAddress(addr);
  if (!a.ok) return text;
  return `${a.value.text}/${len ?? (a.value.family === 4 ? 32 : 128)}`;
}
