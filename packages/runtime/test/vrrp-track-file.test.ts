/**
 * The track files with two real Keepalived units: rendered configs with a
 * track directory (sync group of two VIPs, one script + one track file per
 * remote prefix, 0.1 s VRRPv3 adverts) and RouteTrackFiles writing the
 * files from the kernel's `proto bird` routes (added by hand, no BIRD). The
 * track scripts run once a minute here, so only the files can move the
 * VIPs within the test's bounds.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type KeepalivedModel, renderKeepalivedConfig } from '@wg-gateway/core';
import { mustRunPrivileged, type Netns } from '@wg-gateway/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { KeepalivedAdapter } from '../src/keepalived/keepalived-adapter.js';
import { RouteTrackFiles, TRACK_DIR_NAME } from '../src/keepalived/track-files.js';
import { createLogger } from '../src/log.js';
import { waitUntil } from '../src/system/process.js';
import { CHECK_ROUTE_SCRIPT } from '../src/system/scripts.js';
import { useDaemonPair, vrrpPairView } from './support/daemon-pair.js';
import { birdRoute } from './support/route-namespace.js';

const ROUTES = ['198.18.2.0/24', '2001:db8:2::/48'] as const;

describe.runIf(mustRunPrivileged())('Keepalived track files written by RouteTrackFiles', () => {
  let ka: KeepalivedAdapter;
  let kb: KeepalivedAdapter;
  let fa: RouteTrackFiles;
  let fb: RouteTrackFiles;
  const pair = useDaemonPair({
    stem: 'wbt',
    a: { ifname: 'veth0', addresses: ['192.0.2.1/24'] },
    b: { ifname: 'veth0', addresses: ['192.0.2.2/24'] },
    stop: () => Promise.allSettled([ka?.stop(), kb?.stop()]),
  });
  const runDir = (name: string) => join(pair.dir, `${name}-run`);
  const modelOf = (name: string): KeepalivedModel => ({
    syncGroup: 'wg_gateway',
    instances: ['192.0.2.10/24', '192.0.2.11/24'].map((vip, i) => ({
      name: `wg_gateway_vip_${i}`,
      interface: 'veth0',
      virtualRouterId: 61 + i,
      priority: 254,
      vip,
      family: 4 as const,
    })),
    scripts: ROUTES.map((p, i) => ({ name: `wg_gateway_route_${i}`, prefixes: [p], weight: -1 })),
    checkScript: CHECK_ROUTE_SCRIPT,
    trackFileDir: join(runDir(name), TRACK_DIR_NAME),
    intervalSeconds: 60,
    fall: 1,
    rise: 1,
    advertIntervalSeconds: 0.1,
  });

  beforeAll(async () => {
    const mk = (ns: Netns, name: string) =>
      new KeepalivedAdapter({
        mode: 'process',
        configPath: join(pair.dir, `${name}.conf`),
        runDir: runDir(name),
        run: pair.runIn(ns),
      });
    ka = mk(pair.a, 'a');
    kb = mk(pair.b, 'b');
    const log = createLogger({ level: 'silent' });
    fa = new RouteTrackFiles({ run: pair.runIn(pair.a), log });
    fb = new RouteTrackFiles({ run: pair.runIn(pair.b), log });
    for (const ns of [pair.a, pair.b]) for (const p of ROUTES) await birdRoute(ns, 'add', p);
  });

  const view = () => vrrpPairView(ka, kb);
  // Bounded well below the scripts' 60 s interval: only a file can explain a change.
  const settle = async (...wants: string[]) => {
    await waitUntil(async () => wants.includes(await view()), { timeoutMs: 8000, intervalMs: 100 });
    expect(wants).toContain(await view());
  };

  it('with every route the files hold 0 and one unit holds the VIPs at 254', async () => {
    for (const [k, name] of [
      [ka, 'a'],
      [kb, 'b'],
    ] as const) {
      expect(await k.apply(renderKeepalivedConfig(modelOf(name)))).toEqual({ changed: true });
    }
    fa.setConfig(await ka.installed());
    fb.setConfig(await kb.installed());
    await Promise.all([fa.refresh(), fb.refresh()]);
    const file = join(runDir('a'), TRACK_DIR_NAME, 'wg_gateway_route_0');
    expect(await readFile(file, 'utf8')).toBe('0\n');
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    await settle('a: BACKUP/254, b: MASTER/254', 'a: MASTER/254, b: BACKUP/254');
  });

  it('a lost route lowers the holder by its weight as soon as its file says 1; the other unit takes the VIPs', async () => {
    const holder = (await view()).startsWith('a: MASTER') ? 'a' : 'b';
    const [ns, files] = holder === 'a' ? [pair.a, fa] : [pair.b, fb];
    await birdRoute(ns, 'del', ROUTES[1]);
    await files.refresh();
    expect(await readFile(join(runDir(holder), TRACK_DIR_NAME, 'wg_gateway_route_1'), 'utf8')).toBe('1\n');
    await settle(holder === 'a' ? 'a: BACKUP/253, b: MASTER/254' : 'a: MASTER/254, b: BACKUP/253');
    // Every route gone: one point per file, never FAULT.
    await birdRoute(ns, 'del', ROUTES[0]);
    await files.refresh();
    await settle(holder === 'a' ? 'a: BACKUP/252, b: MASTER/254' : 'a: MASTER/254, b: BACKUP/252');
    // Back: the file returns to 0 and the priority to 254.
    for (const p of ROUTES) await birdRoute(ns, 'add', p);
    await files.refresh();
    await settle(holder === 'a' ? 'a: BACKUP/254, b: MASTER/254' : 'a: MASTER/254, b: BACKUP/254');
  });

  it('the check script passes while its file says 1 (the loss counts once)', async () => {
    const dir = join(runDir('a'), TRACK_DIR_NAME);
    await birdRoute(pair.a, 'del', ROUTES[0]);
    try {
      await fa.refresh();
      const check = async () =>
        (
          await pair.runIn(pair.a)([
            'sh',
            CHECK_ROUTE_SCRIPT,
            '--track-file',
            join(dir, 'wg_gateway_route_0'),
            ROUTES[0],
          ])
        ).code;
      expect(await check()).toBe(0);
      await fa.release();
      expect(await readFile(join(dir, 'wg_gateway_route_0'), 'utf8')).toBe('0\n');
      expect(await check()).toBe(1);
    } finally {
      await birdRoute(pair.a, 'add', ROUTES[0]);
    }
  });
});
