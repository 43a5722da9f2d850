/**
 * The degrading VRRP scheme with two real Keepalived units: rendered
 * configs (sync group of two VIPs, one weight −1 track script per remote
 * prefix, 0.1 s VRRPv3 adverts) and the shipped route check. Routes are
 * added with `proto bird` by hand, so no BIRD is needed: the unit with the
 * most routes holds the VIPs, and nobody ever goes FAULT.
 */
import { join } from 'node:path';
import { type KeepalivedModel, renderKeepalivedConfig } from '@wg-gateway/core';
import { mustRunPrivileged, type Netns } from '@wg-gateway/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { KeepalivedAdapter } from '../src/keepalived/keepalived-adapter.js';
import { waitUntil } from '../src/system/process.js';
import { CHECK_ROUTE_SCRIPT } from '../src/system/scripts.js';
import { useDaemonPair, vrrpPairView } from './support/daemon-pair.js';
import { birdRoute } from './support/route-namespace.js';

const ROUTES = ['198.18.2.0/24', '198.18.3.0/24', '2001:db8:2::/48'] as const;

const model: KeepalivedModel = {
  syncGroup: 'wg_gateway',
  instances: ['192.0.2.10/24', '192.0.2.11/24'].map((vip, i) => ({
    name: `wg_gateway_vip_${i}`,
    interface: 'veth0',
    virtualRouterId: 51 + i,
    priority: 254,
    vip,
    family: 4 as const,
  })),
  scripts: ROUTES.map((p, i) => ({ name: `wg_gateway_route_${i}`, prefixes: [p], weight: -1 })),
  checkScript: CHECK_ROUTE_SCRIPT,
  intervalSeconds: 1,
  fall: 1,
  rise: 1,
  advertIntervalSeconds: 0.1,
};

describe.runIf(mustRunPrivileged())('degrading VRRP with two real Keepalived units', () => {
  let ka: KeepalivedAdapter;
  let kb: KeepalivedAdapter;
  const pair = useDaemonPair({
    stem: 'wbv',
    a: { ifname: 'veth0', addresses: ['192.0.2.1/24'] },
    b: { ifname: 'veth0', addresses: ['192.0.2.2/24'] },
    stop: () => Promise.allSettled([ka?.stop(), kb?.stop()]),
  });

  beforeAll(async () => {
    const mk = (ns: Netns, name: string) =>
      new KeepalivedAdapter({
        mode: 'process',
        configPath: join(pair.dir, `${name}.conf`),
        runDir: join(pair.dir, `${name}-run`),
        run: pair.runIn(ns),
      });
    ka = mk(pair.a, 'a');
    kb = mk(pair.b, 'b');
    for (const ns of [pair.a, pair.b]) for (const p of ROUTES) await birdRoute(ns, 'add', p);
  });

  const view = () => vrrpPairView(ka, kb);
  const settle = async (...wants: string[]) => {
    const t0 = Date.now();
    const ok = await waitUntil(async () => wants.includes(await view()), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    const got = await view();
    console.log(`[vrrp-degrade] ${got} after ${Date.now() - t0} ms`);
    expect(wants).toContain(got);
    return ok;
  };

  it('with every route both units are at 254 and one holds the VIPs', async () => {
    expect(await ka.apply(renderKeepalivedConfig(model))).toEqual({ changed: true });
    expect(await kb.apply(renderKeepalivedConfig(model))).toEqual({ changed: true });
    // A tie keeps the first master (no preemption at equal priority).
    expect(await settle('a: BACKUP/254, b: MASTER/254', 'a: MASTER/254, b: BACKUP/254')).toBe(true);
  });

  it('the unit missing a route loses a point and the VIPs go to the unit with more routes', async () => {
    await birdRoute(pair.b, 'del', ROUTES[0]);
    expect(await settle('a: MASTER/254, b: BACKUP/253')).toBe(true);
    const { stdout } = await pair.a.exec(['ip', '-o', 'addr', 'show', 'dev', 'veth0']);
    expect(stdout).toContain(' 192.0.2.10/24');
    expect(stdout).toContain(' 192.0.2.11/24');
  });

  it('a unit missing more routes always has the lower priority; nobody goes FAULT', async () => {
    await birdRoute(pair.a, 'del', ROUTES[0]);
    await birdRoute(pair.a, 'del', ROUTES[2]);
    expect(await settle('a: BACKUP/252, b: MASTER/253')).toBe(true);
    // Every remote route gone on b: still BACKUP at 251, never FAULT, and a (252) takes over.
    await birdRoute(pair.b, 'del', ROUTES[1]);
    await birdRoute(pair.b, 'del', ROUTES[2]);
    expect(await settle('a: MASTER/252, b: BACKUP/251')).toBe(true);
  });
});
