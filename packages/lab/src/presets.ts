/**
 * Named lab shapes shared by the benchmarks (`scripts/bench-lab.mjs`) and the
 * end-to-end tests, so a bench row and a test mean the same lab.
 * @module
 */
import { defaultSpec, type LabBackend, type LabSpec, type SiteSpec } from './topology.js';

/** The lab shapes of issue 12's measurements. */
export type LabPreset = '2x2' | '3x2' | 'tunnels-8' | '4-sites';

/** IPv4 LANs of up to four sites (documentation and benchmarking ranges). */
const V4_LANS = ['192.0.2.0/24', '198.51.100.0/24', '198.18.0.0/24', '198.18.1.0/24'] as const;

function v4Sites(sites: number, units: number, tunnels: number): SiteSpec[] {
  return V4_LANS.slice(0, sites).map((prefix, i) => ({
    name: String.fromCharCode(97 + i),
    units,
    tunnels,
    prefixes: [prefix],
  }));
}

/** What each preset is, for tables and logs. */
export const PRESET_TITLES: Readonly<Record<LabPreset, string>> = {
  '2x2': '2 sites × 2 units, tunnels 2',
  '3x2': '3 sites × 2 units, tunnels 2, dual stack (the default `lab up`)',
  'tunnels-8': '2 sites × 2 units, tunnels 8',
  '4-sites': '4 sites × 2 units, tunnels 2',
};

/**
 * The spec of a preset. `2x2`, `tunnels-8` and `4-sites` are IPv4 only (the
 * documentation IPv6 ranges hold two sites' prefixes, not four); `3x2` is
 * {@link defaultSpec}, what `wg-gateway lab up` builds. `units` overrides
 * the units per site (a smaller machine).
 */
export function presetSpec(
  preset: LabPreset,
  backend: LabBackend,
  options: { readonly units?: number } = {},
): LabSpec {
  const units = options.units ?? 2;
  switch (preset) {
    case '2x2':
      return { backend, sites: v4Sites(2, units, 2) };
    case '3x2':
      return { ...defaultSpec(3, units), backend };
    case 'tunnels-8':
      return { backend, sites: v4Sites(2, units, 8) };
    case '4-sites':
      return { backend, sites: v4Sites(4, units, 2) };
  }
}
