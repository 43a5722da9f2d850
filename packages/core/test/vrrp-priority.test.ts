import { describe, expect, it } from 'vitest';
import {
  trackScriptGroups,
  VRRP_BASE_PRIORITY,
  VRRP_MAX_TRACK_SCRIPTS,
  VRRP_TRACK_WEIGHT,
} from '../src/vrrp-priority.js';

const prefixes = (n: number) => Array.from({ length: n }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);

/** Effective priority of a unit missing the routes in `missing` (as Keepalived computes it, unclamped). */
function priority(groups: string[][], missing: Set<string>): number {
  const failed = groups.filter((g) => g.some((p) => missing.has(p))).length;
  return VRRP_BASE_PRIORITY + failed * VRRP_TRACK_WEIGHT;
}

describe('VRRP priority scheme', () => {
  it('gives every prefix its own script up to the cap', () => {
    expect(trackScriptGroups(prefixes(3))).toEqual(prefixes(3).map((p) => [p]));
    expect(trackScriptGroups([])).toEqual([]);
    expect(trackScriptGroups(prefixes(VRRP_MAX_TRACK_SCRIPTS)).every((g) => g.length === 1)).toBe(true);
  });

  for (const n of [1, 2, 40, 253, 254, 1000, 5000]) {
    it(`keeps the priority in 1..254 with ${n} prefixes, every prefix tracked once`, () => {
      const all = prefixes(n);
      const groups = trackScriptGroups(all);
      expect(groups.length).toBeLessThanOrEqual(VRRP_MAX_TRACK_SCRIPTS);
      expect(groups.flat()).toEqual(all);
      expect(priority(groups, new Set())).toBe(254);
      expect(priority(groups, new Set(all))).toBeGreaterThanOrEqual(1);
      // Sizes differ by at most one.
      const sizes = groups.map((g) => g.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    });
  }

  it('a unit missing more routes never has a higher priority, strictly lower up to the cap', () => {
    for (const n of [10, 253, 600]) {
      const all = prefixes(n);
      const groups = trackScriptGroups(all);
      let last = priority(groups, new Set());
      for (let k = 1; k <= n; k++) {
        const p = priority(groups, new Set(all.slice(0, k)));
        if (n <= VRRP_MAX_TRACK_SCRIPTS) expect(p).toBe(last - 1);
        else expect(p).toBeLessThanOrEqual(last);
        last = p;
      }
    }
  });
});
