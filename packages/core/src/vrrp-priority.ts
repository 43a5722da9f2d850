/**
 * The VRRP priority scheme: every unit starts at {@link VRRP_BASE_PRIORITY}
 * and loses one point per failed route-check track script, so the unit with
 * the most routes to the remote sites holds the VIPs and a remote site that is
 * down lowers every unit of the site alike (nobody goes FAULT, the VIPs stay).
 * @module
 */

/**
 * Priority of a unit that has every route. 255 is reserved for the address
 * owner, so 254 is the highest a BACKUP instance may use.
 */
export const VRRP_BASE_PRIORITY = 254;

/** Priority lost per failed track script (written as `weight -1`). */
export const VRRP_TRACK_WEIGHT = -1;

/**
 * At most this many track scripts: with weight −1 from 254 the effective
 * priority then never goes below 1, so Keepalived never clamps it and two
 * units missing different numbers of scripts never tie.
 */
export const VRRP_MAX_TRACK_SCRIPTS = VRRP_BASE_PRIORITY - 1;

/**
 * Split the sorted imported prefixes into at most
 * {@link VRRP_MAX_TRACK_SCRIPTS} groups of consecutive prefixes, one track
 * script each (a script fails when any prefix of its group has no route).
 * Up to that many prefixes every prefix is its own script, so a unit missing
 * more routes always has a strictly lower priority; beyond it a group counts
 * once however many of its routes are missing (still never higher).
 */
export function trackScriptGroups(prefixes: readonly string[]): string[][] {
  const groups = Math.min(prefixes.length, VRRP_MAX_TRACK_SCRIPTS);
  const out: string[][] = [];
  for (let g = 0; g < groups; g++) {
    // Balanced: sizes differ by at most one.
    const from = Math.floor((g * prefixes.length) / groups);
    const to = Math.floor(((g + 1) * prefixes.length) / groups);
    out.push(prefixes.slice(from, to));
  }
  return out;
}
