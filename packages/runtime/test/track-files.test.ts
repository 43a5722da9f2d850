/**
 * RouteTrackFiles without Keepalived: which groups miss a route (as
 * check-route.sh decides), which files a rendered config names, and the
 * files written (real files; `ip` answered by a fake runner).
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderKeepalivedConfig } from '@wg-gateway/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { missingGroups, RouteTrackFiles, trackGroupsOf } from '../src/keepalived/track-files.js';
import { createLogger } from '../src/log.js';
import type { CommandRunner } from '../src/system/command.js';
import type { KernelRoute } from '../src/system/nexthop-prune.js';

const log = createLogger({ level: 'silent' });

describe('missingGroups', () => {
  const groups = [
    { file: '/t/a', prefixes: ['198.18.2.0/24', '198.18.3.0/24'] },
    { file: '/t/b', prefixes: ['2001:db8:2::/48'] },
    { file: '/t/c', prefixes: ['203.0.113.64/26'] },
  ];

  it('a group misses when any of its prefixes has no covering route (like `ip route show match`)', () => {
    const routes = {
      4: [{ dst: '198.18.2.0/24' }, { dst: '203.0.113.0/25' }] as KernelRoute[],
      6: [{ dst: '2001:db8::/32' }] as KernelRoute[],
    };
    expect([...missingGroups(groups, routes)]).toEqual(['/t/a']);
  });

  it('a default route covers everything of its family; a host route only itself', () => {
    expect([...missingGroups(groups, { 4: [{ dst: 'default' }], 6: [] })]).toEqual(['/t/b']);
    expect([...missingGroups(groups, { 4: [{ dst: '203.0.113.64' }], 6: [] })]).toEqual([
      '/t/a',
      '/t/b',
      '/t/c',
    ]);
  });
});

describe('trackGroupsOf', () => {
  it('reads the file and prefixes of each track script of a rendered config', () => {
    const text = renderKeepalivedConfig({
      syncGroup: 'wg_gateway',
      instances: [
        { name: 'v0', interface: 'lan0', virtualRouterId: 51, priority: 254, vip: '192.0.2.1/24', family: 4 },
      ],
      scripts: [
        { name: 'r0', prefixes: ['198.18.2.0/24', '198.18.3.0/24'], weight: -1 },
        { name: 'r1', prefixes: ['2001:db8:2::/48'], weight: -1 },
      ],
      checkScript: '/usr/lib/wg-gateway/check-route.sh',
      trackFileDir: '/run/k/track',
      intervalSeconds: 1,
      fall: 1,
      rise: 2,
      advertIntervalSeconds: 0.1,
    });
    expect(trackGroupsOf(text)).toEqual([
      { file: '/run/k/track/r0', prefixes: ['198.18.2.0/24', '198.18.3.0/24'] },
      { file: '/run/k/track/r1', prefixes: ['2001:db8:2::/48'] },
    ]);
    // Scripts without a track file (another check script): nothing to write.
    expect(trackGroupsOf(text.replaceAll(/--track-file \S+ /g, ''))).toEqual([]);
  });
});

describe('RouteTrackFiles', () => {
  let dir: string;
  let routes: Record<4 | 6, KernelRoute[]>;
  let calls: string[][];
  let failIp: boolean;
  const run: CommandRunner = async (argv) => {
    calls.push([...argv]);
    if (failIp) return { code: 1, stdout: '', stderr: 'Cannot talk to rtnetlink' };
    // `ip -j route show` names each route's protocol; BIRD's unless a case says otherwise.
    const shown = routes[argv[2] === '-6' ? 6 : 4].map((r) => ({ protocol: 'bird', ...r }));
    return { code: 0, stdout: JSON.stringify(shown), stderr: '' };
  };
  const config = (d: string) =>
    [
      `  script "/x/check-route.sh --track-file ${d}/r0 198.18.2.0/24"`,
      `  script "/x/check-route.sh --track-file ${d}/r1 2001:db8:2::/48"`,
    ].join('\n');
  const value = (name: string) => readFile(join(dir, 'track', name), 'utf8');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wg-track-'));
    routes = { 4: [{ dst: '198.18.2.0/24' }], 6: [{ dst: '2001:db8:2::/48' }] };
    calls = [];
    failIp = false;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes 0 or 1 per file atomically (no temp file left), 0644, and rewrites only on a change', async () => {
    const files = new RouteTrackFiles({ run, log });
    // True only when the files to keep change: a reconcile refreshes only then.
    expect(files.setConfig(config(join(dir, 'track')))).toBe(true);
    expect(files.setConfig(config(join(dir, 'track')))).toBe(false);
    await files.refresh();
    expect(await value('r0')).toBe('0\n');
    expect(await value('r1')).toBe('0\n');
    expect((await stat(join(dir, 'track', 'r0'))).mode & 0o777).toBe(0o644);
    const before = (await stat(join(dir, 'track', 'r1'))).ino;
    routes[4] = [];
    await files.refresh();
    expect(await value('r0')).toBe('1\n');
    // Unchanged value: the file is not replaced (Keepalived is not woken).
    expect((await stat(join(dir, 'track', 'r1'))).ino).toBe(before);
    expect((await readdir(join(dir, 'track'))).sort()).toEqual(['r0', 'r1']);
    routes[4] = [{ dst: '198.18.0.0/15' }];
    await files.refresh();
    expect(await value('r0')).toBe('0\n');
    // An early route (a link just come up, before BIRD) counts; a static route does not.
    routes[4] = [{ dst: '198.18.2.0/24', protocol: '57' }];
    await files.refresh();
    expect(await value('r0')).toBe('0\n');
    routes[4] = [{ dst: '198.18.2.0/24', protocol: 'static' }];
    await files.refresh();
    expect(await value('r0')).toBe('1\n');
  });

  it('leaves the files alone when the routes cannot be read', async () => {
    const files = new RouteTrackFiles({ run, log });
    files.setConfig(config(join(dir, 'track')));
    await files.refresh();
    routes[4] = [];
    failIp = true;
    await files.refresh();
    expect(await value('r0')).toBe('0\n');
  });

  it('coalesces refreshes requested while one runs into one more run', async () => {
    const files = new RouteTrackFiles({ run, log });
    files.setConfig(config(join(dir, 'track')));
    await Promise.all([files.refresh(), files.refresh(), files.refresh()]);
    // Two runs of two `ip` reads each, not three.
    expect(calls).toHaveLength(4);
  });

  it('release writes 0 everywhere, so the scripts alone decide', async () => {
    const files = new RouteTrackFiles({ run, log });
    files.setConfig(config(join(dir, 'track')));
    routes = { 4: [], 6: [] };
    await files.refresh();
    expect(await value('r1')).toBe('1\n');
    await files.release();
    expect(await value('r0')).toBe('0\n');
    expect(await value('r1')).toBe('0\n');
    // Released for good: a late refresh (a reconcile report) writes nothing.
    await files.refresh();
    expect(await value('r1')).toBe('0\n');
  });

  it('close keeps the values (a config reload: the next cycle rewrites them)', async () => {
    const files = new RouteTrackFiles({ run, log });
    files.setConfig(config(join(dir, 'track')));
    routes = { 4: [], 6: [] };
    await files.refresh();
    files.close();
    routes = { 4: [{ dst: 'default' }], 6: [{ dst: 'default' }] };
    await files.refresh();
    expect(await value('r0')).toBe('1\n');
  });

  it('does nothing without a config naming track files', async () => {
    const files = new RouteTrackFiles({ run, log });
    files.setConfig(undefined);
    await files.refresh();
    expect(calls).toEqual([]);
  });
});
