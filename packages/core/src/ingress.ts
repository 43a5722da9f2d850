/**
 * Ingress addresses: an IP address, or a DNS name that peers resolve (the
 * reference accepts only IPs; see docs/configuration.md, "Ingress by name").
 * @module
 */
import { type IpAddress, type Prefix, parseAddress, refusalOf } from './prefix.js';

/** Longest DNS name accepted (RFC 1035: 255 octets on the wire, 253 as text). */
export const HOSTNAME_MAX_LENGTH = 253;

/** An ingress address as decoded: an IP (canonical text) or a name (lower case, no trailing dot). */
export type Ingress =
  | { readonly kind: 'ip'; readonly text: string; readonly family: 4 | 6 }
  | { readonly kind: 'name'; readonly text: string };

// RFC 1123 label: letters, digits and inner hyphens, 1-63 characters.
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Parse a DNS host name strictly (RFC 1123): dot-separated labels of
 * letters, digits and inner hyphens, 1–63 characters each, at most 253 in
 * all, at least two labels, the last one not all digits (so `10.0.0.999` is
 * a bad address, not a name). One trailing dot (a fully qualified name) is
 * dropped; the result is lower case. Linear in the input.
 */
export function parseHostname(input: string): { ok: true; value: string } | { ok: false; error: string } {
  const text = input.trim().toLowerCase().replace(/\.$/, '');
  if (text.length === 0 || text.length > HOSTNAME_MAX_LENGTH)
    return { ok: false, error: `a host name must be 1-${HOSTNAME_MAX_LENGTH} characters` };
  const labels = text.split('.');
  if (labels.length < 2) return { ok: false, error: 'a host name needs a domain (e.g. gw1.example.net)' };
  if (!labels.every((l) => LABEL.test(l)))
    return {
      ok: false,
      error: 'host name labels are 1-63 letters, digits or inner hyphens (RFC 1123)',
    };
  if (/^\d+$/.test(labels[labels.length - 1] as string))
    return { ok: false, error: 'the last label of a host name cannot be all digits' };
  return { ok: true, value: text };
}

/** Why an address may not be an ingress address, or undefined (link-local is allowed). */
export function ingressRefusal(a: IpAddress): string | undefined {
  const why = refusalOf({ family: a.family, first: a.value, last: a.value } as Prefix);
  if (why === undefined || why.startsWith('link-local')) return undefined;
  return why.replace('prefixes cannot be advertised', 'addresses cannot be an ingress address');
}

/**
 * Parse an ingress address: an IP address (special ranges refused, as for
 * peer data) or, when it does not look like an IP at all, a host name.
 */
export function parseIngress(input: string): { ok: true; value: Ingress } | { ok: false; error: string } {
  const text = input.trim();
  // Anything with a colon, or only digits and dots, is meant as an address.
  const looksLikeIp = text.includes(':') || /^[\d.]+$/.test(text);
  if (looksLikeIp) {
    const a = parseAddress(text);
    if (!a.ok) return a;
    const why = ingressRefusal(a.value);
    if (why !== undefined) return { ok: false, error: why };
    return { ok: true, value: { kind: 'ip', text: a.value.text, family: a.value.family } };
  }
  const n = parseHostname(text);
  if (!n.ok) return { ok: false, error: `neither an IP address nor a valid host name: ${n.error}` };
  return { ok: true, value: { kind: 'name', text: n.value } };
}

/** True when `text` (an already validated ingress address) is a host name, not an IP. */
export function isHostname(text: string): boolean {
  return text !== '' && !text.includes(':') && !/^[\d.]+$/.test(text);
}
