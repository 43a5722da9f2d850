/**
 * Property test: one remote unit publishes arbitrary data (random and unicode
 * strings, huge values, null and non-strings, valid-looking but wrong keys,
 * ports and prefixes) beside a valid unit. reconcile() never throws, the
 * valid unit's links open, every render is made of the templates' text and
 * validated values only, and a sample of runs passes `bird -p` and
 * `keepalived -t`.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  cleanupNamespaces,
  createNetns,
  mustRunPrivileged,
  type Netns,
  uniquePrefix,
} from '@wg-gateway/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePeerData, isWireGuardKey } from '../src/peer-data.js';
import { parsePrefix, refusalOf } from '../src/prefix.js';
import type { ReconcileResult } from '../src/reconcile.js';
import { renderBirdConfig, renderKeepalivedConfig, renderWgQuickConfig } from '../src/render/index.js';
import { refKey } from './fixtures.js';
import { local, remote, runScenario, scenarioConfig } from './support/scenario.js';

const run = promisify(execFile);
const RUNS = 150;
/** Every how many runs the real checkers look at the renders. */
const CHECK_EVERY = 10;

const specials = [
  '0.0.0.0/0',
  '::/0',
  '169.254.0.0/16',
  'fe80::/10',
  '224.0.0.0/4',
  'ff00::/8',
  '127.0.0.1',
  '::1',
  '0.0.0.0',
  '::',
  '255.255.255.255',
  '192.0.2.0/25',
];
const prefixArb = fc.oneof(
  fc.constantFrom(...specials),
  fc.tuple(fc.ipV4(), fc.integer({ min: -1, max: 40 })).map(([a, n]) => `${a}/${n}`),
  fc.tuple(fc.ipV6(), fc.integer({ min: -1, max: 130 })).map(([a, n]) => `${a}/${n}`),
  fc.ipV4(),
);
const keyArb = fc.oneof(
  fc.constantFrom(
    local(0),
    local(1),
    remote(1, 0),
    refKey('x', 1),
    'AAAA',
    `${local(0)}"`,
    refKey('x', 1).replace('=', 'B='),
  ),
  fc.base64String({ minLength: 40, maxLength: 48 }),
);
const portArb = fc.oneof(
  fc.integer({ min: -5, max: 70000 }).map(String),
  fc.constantFrom('0', '65535', '1e3', '0x10', ' 8 '),
);
const listOf = (item: fc.Arbitrary<string>) =>
  fc
    .tuple(fc.array(item, { maxLength: 8 }), fc.constantFrom(',', ', ', ',,', ' , '))
    .map(([xs, sep]) => xs.join(sep));
const fieldArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u0001', '\u0000', '"; } protocol x {', '\n', '}', 'x'.repeat(70000), ','.repeat(5000)),
  listOf(prefixArb),
  listOf(keyArb),
  listOf(fc.tuple(keyArb, keyArb, portArb).map((p) => p.join(':'))),
  fc.ipV4(),
  fc.ipV6(),
  fc.integer({ min: 0, max: 70000 }).map(String),
  fc.constantFrom(null, 42, true, [], {}),
);
const wireKeyArb = fc.oneof(
  fc.constantFrom('ingress-address', 'advertise-prefixes', 'public-keys', 'listen-ports', 'mtu'),
  fc.constantFrom('Ingress-Address', 'public_keys', 'listen-ports ', '__proto__', 'constructor'),
  fc.string({ maxLength: 10 }),
);
// Valid data, with the prefixes a hostile unit would try: defaults, ours, others'.
const validishArb = fc.record({
  'ingress-address': fc.constantFrom('198.51.100.2', '2001:db8::2', '203.0.113.9'),
  'advertise-prefixes': listOf(
    fc.constantFrom(
      '0.0.0.0/0',
      '::/0',
      '192.0.2.0/25',
      '2001:db8:a::/64',
      '203.0.113.0/25',
      '198.18.0.0/15',
      '3fff::/20',
    ),
  ),
  'public-keys': fc.constant(`${remote(2, 0)},${remote(2, 1)}`),
  'listen-ports': fc
    .subarray([0, 1])
    .chain((ns) =>
      fc.tuple(
        ...ns.map((n) => fc.integer({ min: 1, max: 65535 }).map((p) => `${remote(2, n)}:${local(n)}:${p}`)),
      ),
    )
    .map((xs) => xs.join(',')),
  mtu: fc.constantFrom('1280', '1400', '9000'),
});

const wireArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: validishArb },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, 0, 'text', [], [{}]) },
  { weight: 6, arbitrary: fc.dictionary(wireKeyArb, fieldArb, { maxKeys: 7 }) },
  {
    weight: 6,
    // Valid-looking: every field present, each may be wrong.
    arbitrary: fc.record({
      'ingress-address': fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom(...specials), fieldArb),
      'advertise-prefixes': listOf(prefixArb),
      'public-keys': listOf(keyArb),
      'listen-ports': listOf(fc.tuple(keyArb, keyArb, portArb).map((p) => p.join(':'))),
      mtu: fc.oneof(fc.integer({ min: 0, max: 70000 }).map(String), fieldArb),
    }),
  },
);

const validUnit = {
  'ingress-address': '198.51.100.1',
  'public-keys': `${remote(1, 0)},${remote(1, 1)}`,
  'advertise-prefixes': '203.0.113.0/24, 2001:db8:b::/48',
  'listen-ports': `${remote(1, 0)}:${local(0)}:50001,${remote(1, 1)}:${local(1)}:50003`,
};

let checkScript = '/usr/lib/wg-gateway/check-route.sh';
const config = () =>
  scenarioConfig('acceptor', {
    vips: ['192.0.2.1/24'],
    'router-id': '192.0.2.10',
    'advertise-prefixes': ['192.0.2.0/24', '2001:db8:a::/48'],
    paths: { 'route-check-script': checkScript },
  });
const facts = { pathMtu: {}, interfaceOf: { '192.0.2.1': 'lan0' } };
const reconcileWith = (fuzz: unknown) =>
  runScenario(config(), { 'remote/1': validUnit, 'remote/2': fuzz }, {}, facts);

/**
 * A line with every validated value replaced by a placeholder; lists of them
 * collapse to one. A render may only hold lines whose shape a valid run has.
 */
function shape(line: string): string {
  return line
    .replaceAll(checkScript, 'S')
    .replace(/[A-Za-z0-9+/]{43}=/g, 'K')
    .replace(/\[[0-9a-f:.]+\]:\d+/g, 'E')
    .replace(/(?<![\w.:])[0-9a-f:.]*[:.][0-9a-f:.]*\/\d+\+?/g, 'P')
    .replace(/(?<![\w.:])\d+\.\d+\.\d+\.\d+(:\d+)?/g, 'A')
    .replace(/wg\d+/g, 'I')
    .replace(/\d+/g, 'N')
    .replace(/P(, P)+/g, 'P')
    .replace(/ifname = "I"( \|\| ifname = "I")+/g, 'ifname = "I"');
}

function renders(r: ReconcileResult): { bird: string; keepalived: string | undefined; wg: string[] } {
  return {
    bird: renderBirdConfig(r.desired.bird),
    keepalived: r.desired.keepalived ? renderKeepalivedConfig(r.desired.keepalived) : undefined,
    wg: r.desired.interfaces.map((i) => renderWgQuickConfig(i)),
  };
}

const linesOf = (x: ReturnType<typeof renders>) =>
  [x.bird, x.keepalived ?? '', ...x.wg].flatMap((t) => t.split('\n'));

// Shapes of a valid run: both units valid, with links, prefixes of both families.
const baselineOf = () => {
  const second = {
    'ingress-address': '2001:db8::2',
    'public-keys': remote(2, 0),
    'advertise-prefixes': '198.18.0.0/15, 3fff::/20, 2001:db8:c::/48',
    'listen-ports': `${remote(2, 0)}:${local(0)}:50005`,
    mtu: '1400',
  };
  const shapes = new Set<string>();
  for (const other of [second, {}])
    for (const l of linesOf(renders(reconcileWith(other)))) shapes.add(shape(l));
  return shapes;
};

/** What the fuzz unit may legitimately contribute: its decoded data, if valid. */
function checkRun(fuzz: unknown): ReturnType<typeof renders> {
  const baseline = baselineOf();
  const r = reconcileWith(fuzz);
  const toUnit1 = r.state.links.filter((l) => l.peerUnit === 'remote/1');
  expect(toUnit1.map((l) => [l.status, l.peerEndpoint])).toEqual([
    ['open', '198.51.100.1:50001'],
    ['open', '198.51.100.1:50003'],
  ]);
  const out = renders(r);
  const decoded = decodePeerData(fuzz);
  const keys = new Set([
    local(0),
    local(1),
    remote(1, 0),
    remote(1, 1),
    ...(decoded.ok ? decoded.value.publicKeys : []),
  ]);
  for (const line of linesOf(out)) {
    expect(baseline.has(shape(line)), `unexpected line shape: ${JSON.stringify(line)}`).toBe(true);
    for (const k of line.match(/[A-Za-z0-9+/]{43}=/g) ?? []) {
      if (!line.startsWith('PrivateKey')) expect(keys.has(k) && isWireGuardKey(k), line).toBe(true);
    }
    for (const p of line.match(/(?<![\w/+])[0-9a-f]*[.:][0-9a-f:.]*\/\d+/g) ?? []) {
      const parsed = parsePrefix(p);
      expect(parsed.ok, line).toBe(true);
      // Nothing special from a peer: only the link subnets the templates add.
      if (parsed.ok && refusalOf(parsed.value))
        expect(
          [
            '169.254.0.0/24',
            '169.254.0.0/16',
            'fe80::/10',
            'fe80::/64',
            '224.0.0.0/24',
            'ff02::/16',
            '169.254.0.1/24',
            '169.254.0.2/24',
            'fe80::1/64',
            'fe80::2/64',
          ],
          line,
        ).toContain(p);
    }
  }
  expect(out.bird).not.toMatch(/0\.0\.0\.0\/0|::\/0/);
  return out;
}

describe('fuzzed peer data', () => {
  it('never throws, the valid unit converges, renders hold only validated values', () => {
    let accepted = 0;
    fc.assert(
      fc.property(wireArb, (fuzz) => {
        checkRun(fuzz);
        if (decodePeerData(fuzz).ok) accepted++;
      }),
      { numRuns: RUNS, seed: 1010 },
    );
    // The generator reaches valid data too, not only refusals.
    expect(accepted).toBeGreaterThan(RUNS / 20);
  });

  it('catches a render line that no valid run has (negative control)', () => {
    const baseline = baselineOf();
    expect(baseline.has(shape('  if net ~ [ 203.0.113.0/24+ ] then accept;'))).toBe(false);
    expect(baseline.has(shape('    stubnet 203.0.113.0/24;'))).toBe(true);
    expect(baseline.has(shape('    stubnet 203.0.113.0/24; protocol static x {'))).toBe(false);
  });

  it('a random sample, fresh every run, holds too', () => {
    fc.assert(
      fc.property(wireArb, (fuzz) => void checkRun(fuzz)),
      { numRuns: 50 },
    );
  });
});

describe.runIf(mustRunPrivileged())('fuzzed renders pass the real checkers', () => {
  const prefix = uniquePrefix('wz');
  let dir: string;
  let ns: Netns;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wg-gateway-fuzz-'));
    checkScript = join(dir, 'route-check');
    writeFileSync(checkScript, '#!/bin/sh\nexit 0\n');
    chmodSync(checkScript, 0o755);
    ns = await createNetns(`${prefix}k`);
    await ns.exec(['ip', 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'lan1']);
  });

  afterAll(async () => {
    checkScript = '/usr/lib/wg-gateway/check-route.sh';
    await cleanupNamespaces(prefix);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`bird -p and keepalived -t accept every ${CHECK_EVERY}th of ${RUNS} fuzzed renders`, async () => {
    const samples = fc.sample(wireArb, { numRuns: RUNS, seed: 2020 }).filter((_, i) => i % CHECK_EVERY === 0);
    for (const [i, fuzz] of samples.entries()) {
      const out = checkRun(fuzz);
      const bird = join(dir, `bird-${i}.conf`);
      writeFileSync(bird, out.bird);
      await run('bird', ['-p', '-c', bird]);
      const keepalived = join(dir, `keepalived-${i}.conf`);
      writeFileSync(keepalived, out.keepalived ?? expect.fail('no keepalived render'));
      await ns.exec(['keepalived', '-t', '-f', keepalived]);
    }
  });
});
