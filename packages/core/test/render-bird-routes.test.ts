/**
 * The rendered bird.conf does what it says: two BIRDs in two namespaces,
 * joined by two veth pairs named and addressed like WireGuard links, form
 * OSPFv3 adjacencies for both address families; the importing side installs
 * only the prefixes its import policy allows, as one multipath route over
 * both links, and never a default route or the link subnet.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  cleanupNamespaces,
  createNetns,
  mustRunPrivileged,
  type Netns,
  sh,
  uniquePrefix,
} from '@wg-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BirdModel } from '../src/desired.js';
import { renderBirdConfig } from '../src/render/index.js';

const prefix = uniquePrefix('wr');

interface Route {
  readonly dst: string;
  readonly dev?: string;
  readonly nexthops?: readonly { readonly dev: string }[];
}

const base = {
  ipv4HiddenStubs: ['169.254.0.0/24'],
  helloSeconds: 1,
  deadSeconds: 5,
  bfd: { intervalMs: 100, multiplier: 5 },
  ecmpLimit: 64,
} as const;

/** Importer: allows 198.51.100.0/24 and 2001:db8:b::/48 only. */
const importer: BirdModel = {
  ...base,
  routerId: '192.0.2.1',
  interfaces: ['wg50001', 'wg50003'],
  ipv4Stubs: ['192.0.2.0/24'],
  ipv6Stubs: ['2001:db8:a::/48'],
  importIpv4: ['198.51.100.0/24'],
  importIpv6: ['2001:db8:b::/48'],
  linkImports: [{ interfaces: ['wg50001', 'wg50003'], ipv4: ['198.51.100.0/24'], ipv6: ['2001:db8:b::/48'] }],
};

/** Announcer: the allowed prefixes, a more specific one, one outside the policy and default routes. */
const announcer: BirdModel = {
  ...base,
  routerId: '198.51.100.1',
  interfaces: ['wg50002', 'wg50004'],
  ipv4Stubs: ['0.0.0.0/0', '198.51.100.0/24', '198.51.100.128/25', '203.0.113.0/24'],
  ipv6Stubs: ['::/0', '2001:db8:b::/48', '2001:db8:c::/48'],
  importIpv4: ['192.0.2.0/24'],
  importIpv6: ['2001:db8:a::/48'],
  linkImports: [{ interfaces: ['wg50002', 'wg50004'], ipv4: ['192.0.2.0/24'], ipv6: ['2001:db8:a::/48'] }],
};

describe.runIf(mustRunPrivileged())('bird.conf routing behaviour with real BIRDs', () => {
  let dir: string;
  let a: Netns;
  let b: Netns;
  const birds: ChildProcess[] = [];

  async function startBird(ns: Netns, name: string, model: BirdModel): Promise<void> {
    const conf = join(dir, `${name}.conf`);
    writeFileSync(conf, renderBirdConfig(model));
    const child = ns.spawn(
      ['bird', '-f', '-c', conf, '-s', join(dir, `${name}.ctl`), '-P', join(dir, `${name}.pid`)],
      {
        stdio: 'ignore',
      },
    );
    birds.push(child);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wg-gateway-bird-'));
    a = await createNetns(`${prefix}a`);
    b = await createNetns(`${prefix}b`);
    for (const [mine, theirs] of [
      ['wg50001', 'wg50002'],
      ['wg50003', 'wg50004'],
    ] as const) {
      await sh([
        'ip',
        'link',
        'add',
        mine,
        'netns',
        a.name,
        'type',
        'veth',
        'peer',
        'name',
        theirs,
        'netns',
        b.name,
      ]);
      for (const [ns, ifname, v4, v6] of [
        [a, mine, '169.254.0.1/24', 'fe80::1/64'],
        [b, theirs, '169.254.0.2/24', 'fe80::2/64'],
      ] as const) {
        // Only the link addresses a WireGuard link has: no EUI-64 link-local.
        await ns.exec(['ip', 'link', 'set', ifname, 'addrgenmode', 'none']);
        await ns.exec(['ip', 'addr', 'add', v4, 'dev', ifname]);
        await ns.exec(['ip', 'addr', 'add', v6, 'dev', ifname, 'nodad']);
        await ns.exec(['ip', 'link', 'set', ifname, 'up']);
      }
    }
    await startBird(a, 'importer', importer);
    await startBird(b, 'announcer', announcer);
  });

  afterAll(async () => {
    for (const child of birds) child.kill('SIGTERM');
    await cleanupNamespaces(prefix);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const routes = async (family: 4 | 6): Promise<Route[]> => {
    const { stdout } = await a.exec(['ip', '-j', `-${family}`, 'route', 'show', 'proto', 'bird']);
    return JSON.parse(stdout || '[]') as Route[];
  };

  /** Wait (at most 30 s) until the importer has a BIRD route to every one of `dsts`. */
  async function waitFor(family: 4 | 6, dsts: readonly string[]): Promise<Route[]> {
    let seen: Route[] = [];
    for (let i = 0; i < 150; i += 1) {
      seen = await routes(family);
      if (dsts.every((d) => seen.some((r) => r.dst === d))) return seen;
      await sleep(200);
    }
    throw new Error(
      `IPv${family} routes ${dsts.join(', ')} did not appear in 30 s; have ${JSON.stringify(seen)}`,
    );
  }

  it('installs the allowed IPv4 prefixes (and more specifics) as multipath routes over both links', async () => {
    const got = await waitFor(4, ['198.51.100.0/24', '198.51.100.128/25']);
    for (const r of got) {
      expect(r.nexthops?.map((n) => n.dev).sort()).toEqual(['wg50001', 'wg50003']);
    }
    expect(got.map((r) => r.dst).sort()).toEqual(['198.51.100.0/24', '198.51.100.128/25']);
  });

  it('installs the allowed IPv6 prefix only: no default route, no prefix outside the policy', async () => {
    const got = await waitFor(6, ['2001:db8:b::/48']);
    expect(got.map((r) => r.dst)).toEqual(['2001:db8:b::/48']);
    expect(got[0]?.nexthops?.map((n) => n.dev).sort()).toEqual(['wg50001', 'wg50003']);
  });

  it('leaves the link subnet to the connected routes', async () => {
    const { stdout } = await a.exec(['ip', '-j', '-4', 'route', 'show', '169.254.0.0/24']);
    const link = JSON.parse(stdout) as { protocol?: string }[];
    expect(link.length).toBeGreaterThan(0);
    expect(link.every((r) => r.protocol === 'kernel')).toBe(true);
  });

  it('runs BFD on both links', async () => {
    let out = '';
    for (let i = 0; i < 100; i += 1) {
      out = (await a.exec(['birdc', '-s', join(dir, 'importer.ctl'), 'show', 'bfd', 'sessions'])).stdout;
      if ((out.match(/\bUp\b/g) ?? []).length >= 2) break;
      await sleep(200);
    }
    for (const ifname of importer.interfaces) expect(out).toMatch(new RegExp(`${ifname}\\s+Up\\b`));
  });
});
