/**
 * What both exchanges share: name checks, the key layout
 * (`peerings/<peering>/<group>/<unit>`, `groups/<group>/<unit>`) and the wire
 * record codec (JSON of a string-to-string map).
 * @module
 */
import type { PeerDataWire, UnitAddress } from '@wg-gateway/core';
import { ExchangeError } from './exchange-error.js';

/** The names config accepts for units, groups and peerings (core's config schema). */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/;

/**
 * Check a unit, group or peering name, then encode it as one path segment:
 * `/` becomes `%2F` (Juju-style `site/0` stays readable and reversible).
 * A checked name cannot be `..` or contain a separator once encoded, so no
 * key or path can escape its place.
 */
export function encodeName(exchange: string, what: string, name: string): string {
  if (typeof name !== 'string' || !NAME_RE.test(name) || name.split('/').includes('..')) {
    throw new ExchangeError(exchange, `invalid ${what} name ${JSON.stringify(String(name)).slice(0, 80)}`, {
      hint: 'names are 1-63 letters, digits, ".", "_", "/", "-", starting with a letter or digit',
    });
  }
  return name.replaceAll('/', '%2F');
}

/** Inverse of {@link encodeName}; undefined for a segment no writer of ours could produce. */
export function decodeName(segment: string): string | undefined {
  const name = segment.replaceAll('%2F', '/');
  return NAME_RE.test(name) && !name.split('/').includes('..') ? name : undefined;
}

/** Check and encode a unit address. */
export function encodeAddress(exchange: string, self: UnitAddress): { group: string; unit: string } {
  return { group: encodeName(exchange, 'group', self.group), unit: encodeName(exchange, 'unit', self.unit) };
}

/** Serialize a wire record. */
export function encodeWire(wire: PeerDataWire): string {
  return JSON.stringify(wire);
}

/**
 * Parse a stored wire record. A record that is not a JSON object comes back
 * as a non-empty record without the required keys, so that `reconcile()`
 * reports that unit's data as invalid instead of the read failing for all.
 */
export function decodeWire(text: string): PeerDataWire {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as PeerDataWire;
  } catch {
    // fall through
  }
  return { 'wire-error': 'stored record is not a JSON object' };
}
