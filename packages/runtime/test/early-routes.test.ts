/**
 * Early routes: the pure comparison with BIRD's routes, then the whole
 * watcher on a real kernel in a namespace. BIRD's OSPF neighbours are fed by
 * hand (a fake of fast reroute's poll) and BIRD's kernel routes are added
 * with `proto bird` by hand, as in the other route tests.
 */
import type { LinkNexthop } from '@wg-gateway/core';
import { mustRunPrivileged } from '@wg-gateway/testkit/netns';
import { describe, expect, it } from 'vitest';
import {
  EARLY_ROUTE_METRIC,
  type EarlyRouteInput,
  EarlyRoutes,
  earlyRouteEdits,
} from '../src/bird/early-routes.js';
import { createLogger } from '../src/log.js';
import { commandRunner } from '../src/system/command.js';
import { type KernelRoute, pruneNexthops, routeEditArgv } from '../src/system/nexthop-prune.js';
import { addVethLink, useRouteNamespace } from './support/route-namespace.js';

/** Two links to remote unit b-1 (l1, l2) and one to b-2 (l3), same prefixes. */
const LINKS: LinkNexthop[] = ['l1', 'l2', 'l3'].map((name) => ({
  interface: name,
  gateway: { 4: '169.254.0.2', 6: 'fe80::2' },
  prefixes: { 4: ['198.51.100.0/24'], 6: ['2001:db8::/32'] },
}));

const bird = (dst: string, ...devs: string[]): KernelRoute => ({
  dst,
  protocol: 'bird',
  metric: 32,
  nexthops: devs.map((dev) => ({ dev, gateway: '169.254.0.2' })),
});
const early = (dst: string, ...devs: string[]): KernelRoute => ({
  ...bird(dst, ...devs),
  protocol: '57',
  metric: EARLY_ROUTE_METRIC,
});

function plan(over: Partial<EarlyRouteInput>) {
  const p = earlyRouteEdits({
    family: 4,
    links: LINKS,
    full: new Set(),
    fresh: new Set(),
    routes: [],
    ...over,
  });
  return { routes: p.routes, argv: p.edits.map((e) => routeEditArgv(e).join(' ')) };
}

describe('earlyRouteEdits', () => {
  it('a link Full before BIRD has any route: an early route through it', () => {
    expect(plan({ full: new Set(['l1']), fresh: new Set(['l1']) })).toEqual({
      routes: 1,
      argv: ['ip -4 route replace 198.51.100.0/24 proto 57 metric 31 via 169.254.0.2 dev l1'],
    });
  });

  it("BIRD's route has half the links: the early route has BIRD's and the fresh ones", () => {
    const r = plan({
      full: new Set(['l1', 'l2', 'l3']),
      fresh: new Set(['l3']),
      routes: [bird('198.51.100.0/24', 'l1', 'l2')],
    });
    expect(r.routes).toBe(1);
    expect(r.argv).toEqual([
      'ip -4 route replace 198.51.100.0/24 proto 57 metric 31 ' +
        ['l1', 'l2', 'l3'].map((d) => `nexthop via 169.254.0.2 dev ${d} weight 1`).join(' '),
    ]);
  });

  it("BIRD's route uses every fresh link: no early route, and one left is deleted", () => {
    const routes = [bird('198.51.100.0/24', 'l1', 'l2', 'l3'), early('198.51.100.0/24', 'l1', 'l3')];
    expect(plan({ full: new Set(['l1', 'l2', 'l3']), fresh: new Set(['l3']), routes })).toEqual({
      routes: 0,
      argv: ['ip -4 route del 198.51.100.0/24 proto 57 metric 31'],
    });
  });

  it('a link past its window that BIRD does not use is no longer added', () => {
    const routes = [bird('198.51.100.0/24', 'l1'), early('198.51.100.0/24', 'l1', 'l2')];
    expect(plan({ full: new Set(['l1', 'l2']), fresh: new Set(), routes }).argv).toEqual([
      'ip -4 route del 198.51.100.0/24 proto 57 metric 31',
    ]);
  });

  it('a link that left Full leaves the early route; BIRD next hops that are not Full are not copied', () => {
    const routes = [bird('198.51.100.0/24', 'l1', 'l2'), early('198.51.100.0/24', 'l1', 'l2', 'l3')];
    // l2 lost its adjacency (BIRD has not recomputed yet); l3 is fresh.
    expect(plan({ full: new Set(['l1', 'l3']), fresh: new Set(['l3']), routes }).argv).toEqual([
      'ip -4 route replace 198.51.100.0/24 proto 57 metric 31 ' +
        ['l1', 'l3'].map((d) => `nexthop via 169.254.0.2 dev ${d} weight 1`).join(' '),
    ]);
  });

  it('BIRD re-adds a link whose adjacency is gone (SPF on stale LSAs): the Full ones stand in until BIRD drops it', () => {
    const routes = [bird('198.51.100.0/24', 'l1', 'l2', 'l3')];
    expect(plan({ full: new Set(['l2', 'l3']), routes })).toEqual({
      routes: 1,
      argv: [
        'ip -4 route replace 198.51.100.0/24 proto 57 metric 31 ' +
          ['l2', 'l3'].map((d) => `nexthop via 169.254.0.2 dev ${d} weight 1`).join(' '),
      ],
    });
    // No link Full at all: nothing to stand in with (fast reroute prunes BIRD's route).
    expect(plan({ full: new Set(), routes })).toEqual({ routes: 0, argv: [] });
  });

  it('a steady gateway: BIRD routes through exactly the Full links, nothing to do', () => {
    const routes = [bird('198.51.100.0/24', 'l1', 'l2', 'l3')];
    expect(plan({ full: new Set(['l1', 'l2', 'l3']), routes })).toEqual({ routes: 0, argv: [] });
  });

  it('only the remote unit’s accepted prefixes, only through direct links', () => {
    // A transit route (BIRD's next hop is a link to another unit) is not copied.
    const links: LinkNexthop[] = [
      {
        interface: 'l1',
        gateway: { 4: '169.254.0.2', 6: 'fe80::2' },
        prefixes: { 4: ['198.51.100.0/24'], 6: [] },
      },
      {
        interface: 'l9',
        gateway: { 4: '169.254.0.1', 6: 'fe80::1' },
        prefixes: { 4: ['203.0.113.0/24'], 6: [] },
      },
    ];
    const r = plan({
      links,
      full: new Set(['l1', 'l9']),
      fresh: new Set(['l1']),
      routes: [bird('198.51.100.0/24', 'l9'), bird('192.0.2.0/24', 'l9')],
    });
    expect(r.argv).toEqual(['ip -4 route replace 198.51.100.0/24 proto 57 metric 31 via 169.254.0.2 dev l1']);
  });

  it('an early route for a prefix no link carries any more is deleted', () => {
    expect(plan({ routes: [early('203.0.113.0/24', 'l1')] }).argv).toEqual([
      'ip -4 route del 203.0.113.0/24 proto 57 metric 31',
    ]);
  });

  it('IPv6 uses the link-local next hop', () => {
    expect(plan({ family: 6, full: new Set(['l2']), fresh: new Set(['l2']) }).argv).toEqual([
      'ip -6 route replace 2001:db8::/32 proto 57 metric 31 via fe80::2 dev l2',
    ]);
  });
});

describe.runIf(mustRunPrivileged())('early routes on a real kernel', () => {
  const namespace = useRouteNamespace('wer', []);
  const ip = (...args: string[]) => namespace().exec(['ip', ...args]);
  const show = async (family: '-4' | '-6', ...filter: string[]) =>
    (await ip(family, 'route', 'show', ...filter)).stdout;
  /** The route the kernel picks for an address. */
  const via = async (address: string) => (await ip('route', 'get', address)).stdout;
  /** Equivalent to: `ip route replace 198.51.100.0/24 proto P metric M nexthop via 169.254.0.2 dev D ...`. */
  const setRoute = (proto: 'bird' | '57', ...devs: string[]) =>
    ip(
      'route',
      'replace',
      '198.51.100.0/24',
      'proto',
      proto,
      'metric',
      proto === 'bird' ? '32' : '31',
      ...devs.flatMap((d) => ['nexthop', 'via', '169.254.0.2', 'dev', d]),
    );

  async function links(): Promise<void> {
    for (const dev of ['l1', 'l2', 'l3']) {
      await ip('link', 'del', dev).catch(() => undefined);
      await addVethLink(namespace(), dev);
      await ip('addr', 'add', '169.254.0.1/24', 'dev', dev);
    }
    // Link-local next hops need the interfaces' IPv6 to be up (no DAD wait).
    for (const dev of ['l1', 'l2', 'l3']) await ip('-6', 'addr', 'add', 'fe80::1/64', 'dev', dev, 'nodad');
  }

  function watcher(clock: { now: number }) {
    return new EarlyRoutes({
      run: commandRunner({ prefix: namespace().enter }),
      log: createLogger({ level: 'silent' }),
      links: () => LINKS,
      now: () => clock.now,
      recheckMs: 20,
      guardMs: 60_000,
    });
  }

  /** Poll `check` (bounded: 2 s). */
  const settle = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 100; i += 1) {
      if (await check()) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  };

  it('carries a new link at once, stands in for a stale BIRD route, hands over to BIRD, and cleans up', async () => {
    await links();
    const clock = { now: 1_000_000 };
    const w = watcher(clock);
    // BIRD already routes through l1; l2 and l3 become Full in both families.
    await setRoute('bird', 'l1');
    w.observe(new Set(['4:l1', '6:l1']));
    clock.now += 30_000; // l1 is old news
    w.observe(new Set(['4:l1', '6:l1', '4:l2', '6:l2', '4:l3', '6:l3']));
    expect(
      await settle(async () => /nexthop via 169\.254\.0\.2 dev l3/.test(await show('-4', 'proto', '57'))),
    ).toBe(true);
    const v4 = await show('-4', 'proto', '57');
    expect(v4).toMatch(/^198\.51\.100\.0\/24 metric 31/m);
    for (const dev of ['l1', 'l2', 'l3']) expect(v4).toContain(`dev ${dev} `);
    // IPv6: BIRD has nothing yet; the early route is the only one.
    expect(await show('-6', 'proto', '57')).toMatch(/^2001:db8::\/32 metric 31/m);
    expect(await via('2001:db8::1')).toMatch(/dev l[123]/);
    expect(w.installed).toBe(2);

    // l2's adjacency goes: it leaves the early route at once.
    w.observe(new Set(['4:l1', '6:l1', '4:l3', '6:l3']));
    expect(await settle(async () => !(await show('-4', 'proto', '57')).includes('dev l2'))).toBe(true);

    // BIRD catches up in IPv4 (every Full link): the early IPv4 route goes, BIRD's carries.
    await setRoute('bird', 'l1', 'l3');
    expect(await settle(async () => (await show('-4', 'proto', '57')).trim() === '')).toBe(true);
    expect(await via('198.51.100.1')).toMatch(/dev l[13]/);

    // Later BIRD re-adds l2 from stale LSAs (after the prune): the early route
    // stands in with the Full links until BIRD drops l2 again.
    await setRoute('bird', 'l1', 'l2', 'l3');
    expect(
      await settle(async () => {
        const e = await show('-4', 'proto', '57');
        return e.includes('dev l1 ') && e.includes('dev l3 ') && !e.includes('dev l2 ');
      }),
    ).toBe(true);
    await setRoute('bird', 'l1', 'l3');
    expect(await settle(async () => (await show('-4', 'proto', '57')).trim() === '')).toBe(true);

    // The window ends without BIRD using l3 for IPv6: only BIRD's view is left (none here).
    clock.now += 30_000;
    expect(await settle(async () => (await show('-6', 'proto', '57')).trim() === '')).toBe(true);
    expect(w.installed).toBe(0);
    await w.stop();
  });

  it('BIRD unreadable keeps them to their window; a reload hands them over; a stop deletes them; a restart removes stale ones', async () => {
    await links();
    await ip('route', 'flush', 'proto', 'bird');
    const clock = { now: 2_000_000 };
    const w = watcher(clock);
    w.observe(new Set(['4:l1']));
    expect(await settle(async () => (await show('-4', 'proto', '57')).includes('dev l1'))).toBe(true);
    // BIRD unreadable (restarting: no polls come): the route stays, and still ends with its window.
    await new Promise((r) => setTimeout(r, 100));
    expect(await show('-4', 'proto', '57')).toContain('dev l1');
    clock.now += 30_000;
    expect(await settle(async () => (await show('-4', 'proto', '57')).trim() === '')).toBe(true);
    clock.now += 30_000;
    w.observe(new Set(['4:l2']));
    expect(await settle(async () => (await show('-4', 'proto', '57')).includes('dev l2'))).toBe(true);
    // A config reload hands the routes over; a stop withdraws them.
    await w.stop({ withdraw: false });
    expect(await show('-4', 'proto', '57')).toContain('dev l2');
    // The next cycle's watcher polls before its first render (links unknown): nothing is touched.
    let known = false;
    const after = new EarlyRoutes({
      run: commandRunner({ prefix: namespace().enter }),
      log: createLogger({ level: 'silent' }),
      links: () => (known ? LINKS : undefined),
      now: () => clock.now,
      recheckMs: 20,
    });
    after.observe(new Set(['4:l2']));
    await new Promise((r) => setTimeout(r, 100));
    expect(await show('-4', 'proto', '57')).toContain('dev l2');
    known = true;
    expect(await settle(async () => (await show('-4', 'proto', '57')).includes('dev l2'))).toBe(true);
    await after.stop();
    expect((await show('-4', 'proto', '57')).trim()).toBe('');

    // Left by a process that died: the next one's first poll removes it once BIRD covers the link.
    await setRoute('57', 'l2');
    await setRoute('bird', 'l1');
    const next = watcher(clock);
    next.observe(new Set(['4:l1']));
    expect(await settle(async () => (await show('-4', 'proto', '57')).trim() === '')).toBe(true);
    await next.stop();
  });

  it('the release before a delete takes the early routes’ next hops too', async () => {
    await links();
    await ip('route', 'flush', 'proto', 'bird');
    await setRoute('57', 'l1', 'l2');
    const r = await pruneNexthops(commandRunner({ prefix: namespace().enter }), new Set(['l1']));
    expect(r.failed).toEqual([]);
    await ip('link', 'del', 'l1');
    expect(await show('-4', 'proto', '57')).toMatch(
      /^198\.51\.100\.0\/24 via 169\.254\.0\.2 dev l2 metric 31/m,
    );
  });
});
