/**
 * The problem-code registry cannot drift from the code: every code raised in
 * any package's sources is documented, every documented code is raised, and
 * docs/problem-codes.md is what the registry renders.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROBLEM_CODES, renderProblemCodeReference } from '../src/problem-codes.js';

const ROOT = new URL('../../../', import.meta.url).pathname;

/** UPPER_SNAKE literals that are not codes (environment variables, Node's own codes). */
const NOT_CODES = new Set([
  'ERR_MODULE_NOT_FOUND',
  'WG_GATEWAY_SKIP_SUITES',
  'WG_GATEWAY_TEST_PAUSE_BEFORE_RENAME',
  // rtnetlink multicast group names (backend-netlink's event watch).
  'IPV4_IFADDR',
  'IPV6_IFADDR',
  'IPV4_ROUTE',
  'IPV6_ROUTE',
]);
/** The daemons whose adapters build codes as `${codePrefix}_...`. */
const DAEMON_PREFIXES = ['BIRD', 'KEEPALIVED'];
/** The nftables table daemon (runtime's MSS clamping, stage `mss-clamp`). */
const NFT_PREFIXES = ['MSS_CLAMP'];

/** Which daemons raise `${codePrefix}_${suffix}` from `file`. */
function daemonPrefixes(file: string, suffix: string): string[] {
  if (file.endsWith('nft-table-daemon.ts')) return NFT_PREFIXES;
  // The skeleton's config check serves the nftables daemon too (process mode, no include mode).
  if (suffix === 'CONFIG_INVALID') return [...DAEMON_PREFIXES, ...NFT_PREFIXES];
  return DAEMON_PREFIXES;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return sources(path);
    return d.name.endsWith('.ts') && !d.name.endsWith('.generated.ts') ? [path] : [];
  });
}

/** Every code the sources raise, with one file that raises it. */
function codesInSources(): Map<string, string> {
  const found = new Map<string, string>();
  const packages = readdirSync(join(ROOT, 'packages'));
  for (const pkg of packages) {
    for (const file of sources(join(ROOT, 'packages', pkg, 'src'))) {
      if (file.endsWith('problem-codes.ts')) continue;
      const text = readFileSync(file, 'utf8');
      const add = (code: string) => {
        if (!NOT_CODES.has(code) && !found.has(code)) found.set(code, file.slice(ROOT.length));
      };
      // Multi-word codes anywhere; one-word codes only where a code is given.
      for (const m of text.matchAll(/'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'/g)) add(m[1] as string);
      for (const m of text.matchAll(/(?:code: |Error\(\s*)'([A-Z][A-Z0-9]+)'/g)) add(m[1] as string);
      for (const m of text.matchAll(/`\$\{this\.codePrefix\}_([A-Z0-9_]+)`/g))
        for (const prefix of daemonPrefixes(file, m[1] as string)) add(`${prefix}_${m[1]}`);
    }
  }
  return found;
}

describe('problem-code registry', () => {
  const used = codesInSources();

  it('documents every code the sources raise', () => {
    const missing = [...used].filter(([code]) => !(code in PROBLEM_CODES)).map(([c, f]) => `${c} (${f})`);
    expect(missing, 'add these to packages/core/src/problem-codes.ts').toEqual([]);
  });

  it('documents no code that is no longer raised', () => {
    expect(Object.keys(PROBLEM_CODES).filter((c) => !used.has(c))).toEqual([]);
  });

  it('gives every code a cause and an action', () => {
    for (const [code, info] of Object.entries(PROBLEM_CODES)) {
      expect(info.cause.length, code).toBeGreaterThan(10);
      expect(info.action.length, code).toBeGreaterThan(5);
    }
  });

  it('docs/problem-codes.md is generated from the registry (node scripts/gen-problem-codes.mjs)', () => {
    expect(readFileSync(join(ROOT, 'docs/problem-codes.md'), 'utf8')).toBe(renderProblemCodeReference());
  });
});
