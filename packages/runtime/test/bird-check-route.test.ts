import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mustRunPrivileged } from '@wg-gateway/testkit';
import { describe, expect, it } from 'vitest';
import { commandRunner } from '../src/system/command.js';
import { CHECK_ROUTE_SCRIPT } from '../src/system/scripts.js';
import { birdRoute, useRouteNamespace } from './support/route-namespace.js';

describe.runIf(mustRunPrivileged())('check-route.sh (Keepalived track script)', () => {
  const namespace = useRouteNamespace('wbr', ['v0']);
  const check = async (...args: string[]) =>
    (await commandRunner({ prefix: namespace().enter })(['sh', CHECK_ROUTE_SCRIPT, ...args])).code;

  it('fails while no BIRD route covers the prefix', async () => {
    expect(await check('203.0.113.64/26')).toBe(1);
    expect(await check('2001:db8:5::/48')).toBe(1);
    // A route of another origin does not count.
    await namespace().exec(['ip', 'route', 'add', '203.0.113.0/24', 'dev', 'v0']);
    await namespace().exec(['ip', '-6', 'route', 'add', '2001:db8:5::/48', 'dev', 'v0']);
    expect(await check('203.0.113.64/26')).toBe(1);
    expect(await check('2001:db8:5::/48')).toBe(1);
  });

  it('succeeds once a proto bird route covers it (IPv4 and IPv6)', async () => {
    await birdRoute(namespace(), 'add', '203.0.113.0/25', 'v0');
    await birdRoute(namespace(), 'add', '2001:db8:4::/46', 'v0');
    expect(await check('203.0.113.64/26')).toBe(0);
    expect(await check('203.0.113.0/25')).toBe(0);
    expect(await check('2001:db8:5::/48')).toBe(0);
    // Not covered: a wider prefix, or outside.
    expect(await check('203.0.113.0/24')).toBe(1);
    expect(await check('198.51.100.0/24')).toBe(1);
    expect(await check('2001:db8:8::/48')).toBe(1);
  });

  it("an early route (proto 57: a link just come up, before BIRD's) counts too", async () => {
    expect(await check('198.18.7.0/24')).toBe(1);
    for (const prefix of ['198.18.7.0/24', '3fff:7::/32'])
      await namespace().exec(['ip', 'route', 'add', prefix, 'dev', 'v0', ...['proto', '57', 'metric', '31']]);
    expect(await check('198.18.7.0/24')).toBe(0);
    expect(await check('3fff:7::/48')).toBe(0);
    expect(await check('198.18.7.0/24', '198.18.8.0/24')).toBe(1);
  });

  it('with --track-file, passes while the file flags the prefixes as missing (counted once)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wbr-track-'));
    try {
      const file = join(dir, 'wg_gateway_route_0');
      // No file, or 0: the routes decide.
      expect(await check('--track-file', file, '198.51.100.0/24')).toBe(1);
      await writeFile(file, '0\n');
      expect(await check('--track-file', file, '198.51.100.0/24')).toBe(1);
      expect(await check('--track-file', file, '203.0.113.64/26')).toBe(0);
      // Non-zero: Keepalived already subtracts the weight through the file.
      await writeFile(file, '1\n');
      expect(await check('--track-file', file, '198.51.100.0/24')).toBe(0);
      await writeFile(file, 'garbage');
      expect(await check('--track-file', file, '198.51.100.0/24')).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 on bad usage', async () => {
    expect(await check('--track-file')).toBe(2);
    expect(await check('--track-file', '/nonexistent')).toBe(2);
    expect(await check()).toBe(2);
    expect(await check('not-a-prefix')).toBe(2);
  });
});
