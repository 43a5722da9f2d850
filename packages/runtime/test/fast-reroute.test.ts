import {
  cleanupNamespaces,
  createNetns,
  mustRunPrivileged,
  type Netns,
  uniquePrefix,
} from '@wg-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OspfNeighbor } from '../src/bird/bird-status.js';
import { FastReroute, fullAdjacencies, lostAdjacencies, RESYNC_DELAY_MS } from '../src/bird/fast-reroute.js';
import { createLogger } from '../src/log.js';
import { commandRunner } from '../src/system/command.js';
import {
  type KernelRoute,
  nexthopPruneEdits,
  pruneNexthops,
  routeEditArgv,
} from '../src/system/nexthop-prune.js';
import { birdFixture, startFakeBirdSocket } from './support/fake-bird-socket.js';

const neighbor = (protocol: string, iface: string, state = 'Full'): OspfNeighbor => ({
  protocol,
  routerId: '192.0.2.2',
  priority: 1,
  state,
  role: 'PtP',
  deadTime: 4,
  interface: iface,
  address: 'fe80::2',
});

describe('fast reroute: which links lost their adjacency', () => {
  it('keys Full gateway adjacencies by family and reports the ones gone, per family', () => {
    const before = fullAdjacencies([
      neighbor('wg_gateway_ospf4', 'wg50001'),
      neighbor('wg_gateway_ospf6', 'wg50001'),
      neighbor('wg_gateway_ospf4', 'wg50003'),
      neighbor('wg_gateway_ospf6', 'wg50003'),
      neighbor('other_ospf', 'wg50005'),
    ]);
    expect([...before].sort()).toEqual(['4:wg50001', '4:wg50003', '6:wg50001', '6:wg50003']);
    // BFD killed wg50001's neighbours; wg50003's IPv6 one is re-forming (not Full).
    const now = fullAdjacencies([
      neighbor('wg_gateway_ospf4', 'wg50003'),
      neighbor('wg_gateway_ospf6', 'wg50003', 'Init'),
    ]);
    expect(lostAdjacencies(before, now)).toEqual(
      new Map([
        [4, new Set(['wg50001'])],
        [6, new Set(['wg50001', 'wg50003'])],
      ]),
    );
    expect(lostAdjacencies(now, before).size).toBe(0);
  });
});

describe('fast reroute: pruning next hops', () => {
  const multipath: KernelRoute = {
    dst: '198.51.100.0/24',
    metric: 32,
    nexthops: [
      { gateway: '169.254.0.2', dev: 'wg50001', weight: 1, flags: ['onlink'] },
      { gateway: '169.254.0.2', dev: 'wg50003', weight: 1, flags: ['onlink'] },
      { gateway: '169.254.0.2', dev: 'wg50005', weight: 1, flags: ['onlink'] },
    ],
  };
  const single: KernelRoute = { dst: '203.0.113.0/24', metric: 32, gateway: '169.254.0.2', dev: 'wg50001' };
  const elsewhere: KernelRoute = { dst: '192.0.2.0/24', metric: 32, gateway: '169.254.0.2', dev: 'wg50007' };

  it('keeps the other next hops of a multipath route, deletes a route left with none, leaves the rest', () => {
    const edits = nexthopPruneEdits(4, [multipath, single, elsewhere], new Set(['wg50001']));
    expect(edits.map(routeEditArgv)).toEqual([
      [
        ...['ip', '-4', 'route', 'replace', '198.51.100.0/24', 'proto', 'bird', 'metric', '32'],
        ...['nexthop', 'via', '169.254.0.2', 'dev', 'wg50003', 'onlink', 'weight', '1'],
        ...['nexthop', 'via', '169.254.0.2', 'dev', 'wg50005', 'onlink', 'weight', '1'],
      ],
      ['ip', '-4', 'route', 'del', '203.0.113.0/24', 'proto', 'bird', 'metric', '32'],
    ]);
    const one = nexthopPruneEdits(4, [multipath], new Set(['wg50001', 'wg50003']));
    expect(one.map(routeEditArgv)).toEqual([
      [
        ...['ip', '-4', 'route', 'replace', '198.51.100.0/24', 'proto', 'bird', 'metric', '32'],
        ...['via', '169.254.0.2', 'dev', 'wg50005', 'onlink'],
      ],
    ]);
  });
});

/** `ip [-6] route VERB PREFIX proto bird metric 32 ARGS...` in `ns`, as BIRD installs a route. */
const birdRouteIn =
  (ns: Netns) =>
  (verb: 'add' | 'replace', prefix: string, ...args: string[]) =>
    ns.exec([
      'ip',
      ...(prefix.includes(':') ? ['-6'] : []),
      'route',
      verb,
      prefix,
      'proto',
      'bird',
      'metric',
      '32',
      ...args,
    ]);

const prefix = uniquePrefix('wfr');

describe.runIf(mustRunPrivileged())('fast reroute: pruning the kernel routes of a namespace', () => {
  let ns: Netns;
  beforeAll(async () => {
    await cleanupNamespaces(prefix);
    ns = await createNetns(`${prefix}a`);
    for (const [dev, peer, net] of [
      ['la', 'ra', '169.254.0.1/30'],
      ['lb', 'rb', '169.254.0.5/30'],
    ] as const) {
      await ns.exec(['ip', 'link', 'add', dev, 'type', 'veth', 'peer', 'name', peer]);
      await ns.exec(['ip', 'addr', 'add', net, 'dev', dev]);
      await ns.exec(['ip', 'link', 'set', dev, 'up']);
      await ns.exec(['ip', 'link', 'set', peer, 'up']);
    }
  });
  afterAll(async () => {
    await cleanupNamespaces(prefix);
  });

  it('takes the dead interface out of BIRD routes of both families and leaves other routes alone', async () => {
    const ip = (...args: string[]) => ns.exec(['ip', ...args]);
    const birdRoute = birdRouteIn(ns);
    await birdRoute(
      'add',
      '198.51.100.0/24',
      ...['nexthop', 'via', '169.254.0.2', 'dev', 'la', 'nexthop', 'via', '169.254.0.6', 'dev', 'lb'],
    );
    await birdRoute('add', '203.0.113.0/24', 'via', '169.254.0.2', 'dev', 'la');
    await ip('route', 'add', '192.0.2.0/24', 'proto', 'static', 'via', '169.254.0.2', 'dev', 'la');
    await birdRoute(
      'add',
      '2001:db8::/32',
      ...['nexthop', 'via', 'fe80::2', 'dev', 'la', 'nexthop', 'via', 'fe80::2', 'dev', 'lb'],
    );
    const result = await pruneNexthops(commandRunner({ prefix: ns.enter }), new Set(['la']));
    expect(result).toEqual({ edits: 3, failed: [] });
    const v4 = (await ip('-4', 'route', 'show')).stdout;
    expect(v4).toMatch(/^198\.51\.100\.0\/24 via 169\.254\.0\.6 dev lb proto bird metric 32/m);
    expect(v4).not.toContain('203.0.113.0/24');
    expect(v4).toMatch(/^192\.0\.2\.0\/24 via 169\.254\.0\.2 dev la proto static/m);
    const v6 = (await ip('-6', 'route', 'show', 'proto', 'bird')).stdout;
    expect(v6).toMatch(/^2001:db8::\/32 via fe80::2 dev lb metric 32/m);
    expect(v6).not.toContain('dev la');
    // Nothing left to prune: a second pass changes nothing.
    expect(await pruneNexthops(commandRunner({ prefix: ns.enter }), new Set(['la']))).toEqual({
      edits: 0,
      failed: [],
    });
  });

  it('prunes a lost link again when its next hops are put back within the watch window, and not after', async () => {
    // vba and vbc: the interfaces of the recorded neighbour replies. The fake
    // BIRD first has both Full in both families, then only vba in IPv6.
    const ip = (...args: string[]) => ns.exec(['ip', ...args]);
    const birdRoute = birdRouteIn(ns);
    for (const [dev, peer, net] of [
      ['vba', 'pvba', '169.254.0.9/30'],
      ['vbc', 'pvbc', '169.254.0.13/30'],
    ] as const) {
      await ip('link', 'add', dev, 'type', 'veth', 'peer', 'name', peer);
      await ip('addr', 'add', net, 'dev', dev);
      await ip('link', 'set', dev, 'up');
      await ip('link', 'set', peer, 'up');
    }
    // What BIRD installs (and puts back on a re-feed while its LSAs are stale).
    const putBack = async () => {
      await birdRoute(
        'replace',
        '203.0.113.0/24',
        ...['nexthop', 'via', '169.254.0.10', 'dev', 'vba', 'nexthop', 'via', '169.254.0.14', 'dev', 'vbc'],
      );
      await birdRoute(
        'replace',
        '2001:db8:1::/48',
        ...['nexthop', 'via', 'fe80::2', 'dev', 'vba', 'nexthop', 'via', 'fe80::2', 'dev', 'vbc'],
      );
    };
    const routes = async () =>
      (await ip('-4', 'route', 'show', '203.0.113.0/24')).stdout +
      (await ip('-6', 'route', 'show', '2001:db8:1::/48')).stdout;
    const pruned = (text: string) =>
      !text.includes('203.0.113.0/24') && /via fe80::2 dev vba/.test(text) && !text.includes('vbc');
    // The recorded replies, with the gateway's protocol names.
    const gatewayNames = (fixture: string) => ({
      text: birdFixture(fixture).replace(/^(1013-| )(ospf[46]):/gm, '$1wg_gateway_$2:'),
    });
    let neighbors = gatewayNames('show-ospf-neighbors');
    const fake = await startFakeBirdSocket((cmd) =>
      cmd.startsWith('show ospf neighbors') ? neighbors : undefined,
    );
    const fr = new FastReroute({
      socketPath: fake.socketPath,
      pollMs: 30,
      run: commandRunner({ prefix: ns.enter }),
      log: createLogger({ level: 'silent' }),
      downWatchMs: 4000,
    });
    const until = async (check: () => Promise<boolean>) => {
      for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 50));
      return check();
    };
    try {
      await putBack();
      // Nothing went down yet: a route change reads nothing and edits nothing.
      await fr.routesChanged();
      fr.start();
      expect(
        await until(async () => fake.received.filter((c) => c.startsWith('show ospf')).length >= 2),
      ).toBe(true);
      expect(await routes()).toContain('vbc');
      neighbors = gatewayNames('show-ospf-neighbors-one');
      const lostAt = Date.now();
      expect(
        (await until(async () => pruned(await routes()))) ? '' : await routes(),
        'pruned when the adjacencies went',
      ).toBe('');
      // BIRD puts the dead next hops back (re-feed, SPF on stale LSAs): out again.
      await putBack();
      await fr.routesChanged();
      expect(pruned(await routes()), 'pruned again inside the window').toBe(true);
      // Past the window BIRD's routes are its own again.
      await new Promise((r) => setTimeout(r, Math.max(0, lostAt + 4100 - Date.now())));
      await putBack();
      await fr.routesChanged();
      expect(await routes()).toMatch(/dev vbc/);
    } finally {
      fr.stop();
      await fake.close();
      await ip('route', 'del', '203.0.113.0/24').catch(() => undefined);
    }
  });
});

describe('fast reroute: re-feeding the kernel protocols', () => {
  it('re-feeds BIRD once at the start, healing a prune whose re-feed a killed predecessor never ran', async () => {
    // A fake BIRD control socket: recorded replies; every other command is refused.
    const fake = await startFakeBirdSocket((cmd) =>
      cmd.startsWith('show ospf neighbors') ? 'show-ospf-neighbors' : undefined,
    );
    const { socketPath, received } = fake;
    const fr = new FastReroute({
      socketPath,
      pollMs: 50,
      run: commandRunner(),
      log: createLogger({ level: 'silent' }),
    });
    try {
      fr.start();
      const deadline = Date.now() + RESYNC_DELAY_MS + 3000;
      while (Date.now() < deadline && !received.includes('reload out wg_gateway_kernel6')) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(received).toContain('reload out wg_gateway_kernel4');
      expect(received).toContain('reload out wg_gateway_kernel6');
    } finally {
      fr.stop();
      await fake.close();
    }
  });
});
