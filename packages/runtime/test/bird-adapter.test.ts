import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mustRunPrivileged, type Netns } from '@wg-gateway/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { BirdAdapter } from '../src/bird/bird-adapter.js';
import { BirdControl, readBirdStatus, withBirdControl } from '../src/bird/bird-control.js';
import { GatewayMetrics } from '../src/metrics/gateway-metrics.js';
import { DaemonError } from '../src/system/daemon-error.js';
import { waitUntil } from '../src/system/process.js';
import { CHECK_ROUTE_SCRIPT } from '../src/system/scripts.js';
import { useDaemonPair } from './support/daemon-pair.js';

/** A small OSPFv3 config (IPv6 and, RFC 5838, IPv4) in the shape the gateway renders. */
function birdConf(o: { dir: string; id: string; stub6: string; stub4: string; extra?: string }): string {
  return `log "${o.dir}/bird.log" all;
router id ${o.id};
protocol device {}
protocol kernel kernel4 { ipv4 { export all; }; merge paths on limit 64; }
protocol kernel kernel6 { ipv6 { export all; }; merge paths on limit 64; }
protocol ospf v3 ospf6 {
  ipv6 { import all; export none; };
  area 0 {
    interface "v*" { type ptp; cost 10; hello 1; dead 4; };
    stubnet ${o.stub6};
  };
}
protocol ospf v3 ospf4 {
  ipv4 { import all; export none; };
  area 0 {
    interface "v*" instance 64 { type ptp; cost 10; hello 1; dead 4; };
    stubnet ${o.stub4};
  };
}
${o.extra ?? ''}`;
}

describe.runIf(mustRunPrivileged())('BirdAdapter and BirdControl against real BIRD in namespaces', () => {
  let adapterA: BirdAdapter;
  let adapterB: BirdAdapter;
  const pair = useDaemonPair({
    stem: 'wbb',
    a: { ifname: 'vab', addresses: ['198.51.100.1/30'] },
    b: { ifname: 'vba', addresses: ['198.51.100.2/30'] },
    stop: () => Promise.allSettled([adapterA?.stop(), adapterB?.stop()]),
  });
  const { commands } = pair;
  let dir: string;
  let a: Netns;

  beforeAll(() => {
    dir = pair.dir;
    a = pair.a;
    const mk = (ns: Netns, name: string) =>
      new BirdAdapter({
        mode: 'process',
        configPath: join(dir, `${name}.conf`),
        socketPath: join(dir, `${name}.ctl`),
        pidPath: join(dir, `${name}.pid`),
        run: pair.runIn(ns),
      });
    adapterA = mk(pair.a, 'a');
    adapterB = mk(pair.b, 'b');
  });

  const confA = () => birdConf({ dir, id: '192.0.2.1', stub6: '2001:db8:a::/48', stub4: '203.0.113.16/28' });
  const confB = () => birdConf({ dir, id: '192.0.2.2', stub6: '2001:db8:b::/48', stub4: '203.0.113.32/28' });

  it('starts BIRD when it is not running and reaches OSPF Full with the neighbour', async () => {
    expect(await adapterA.isRunning()).toBe(false);
    expect(await adapterA.apply(confA())).toEqual({ changed: true });
    expect(await adapterB.apply(confB())).toEqual({ changed: true });
    expect(await adapterA.isRunning()).toBe(true);
    expect(await readFile(join(dir, 'a.conf'), 'utf8')).toBe(confA());

    const control = await BirdControl.connect(adapterA.socketPath);
    try {
      const protocols = await control.protocols();
      expect(protocols.map((p) => p.name)).toEqual(['device1', 'kernel4', 'kernel6', 'ospf6', 'ospf4']);
      expect(protocols.every((p) => p.state === 'up')).toBe(true);
      const full = await waitUntil(
        async () => {
          const ns = await control.ospfNeighbors();
          return ns.length === 2 && ns.every((n) => n.state === 'Full' && n.routerId === '192.0.2.2');
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
      expect(full).toBe(true);
      const ospf6 = await control.ospfNeighbors('ospf6');
      expect(ospf6).toEqual([expect.objectContaining({ protocol: 'ospf6', interface: 'vab', role: 'PtP' })]);
      const routes = await waitUntil(
        async () => {
          const counts = await control.routeCount();
          return ['master4', 'master6'].every((t) => (counts.find((r) => r.table === t)?.routes ?? 0) > 0);
        },
        { timeoutMs: 15_000, intervalMs: 250 },
      );
      expect(routes).toBe(true);
    } finally {
      control.close();
    }
    // The same, as metrics (bird_exporter names).
    const metrics = new GatewayMetrics();
    metrics.setBirdStatus(await readBirdStatus(adapterA.socketPath));
    const text = await metrics.registry.metrics();
    expect(text).toContain('bird_ospfv3_neighbor_adjacent_count{name="ospf6",ip_version="6"} 1');
    expect(text).toContain('bird_protocol_up{name="ospf4",proto="OSPFv3",ip_version="4"} 1');
    expect(text).toMatch(
      /bird_protocol_prefix_import_count\{name="ospf6",proto="OSPFv3",ip_version="6"\} [1-9]/,
    );
    // BIRD exported the neighbour's stub network to the kernel, so the track script sees it.
    await expect(a.exec(['sh', CHECK_ROUTE_SCRIPT, '2001:db8:b::/48'])).resolves.toBeDefined();
    await expect(a.exec(['sh', CHECK_ROUTE_SCRIPT, '203.0.113.32/28'])).resolves.toBeDefined();
  });

  it('does nothing when the text equals the installed file', async () => {
    const before = commands.length;
    expect(await adapterA.apply(confA())).toEqual({ changed: false });
    expect(commands.length).toBe(before);
  });

  it('refuses a broken config: typed error with bird -p output, old config stays running', async () => {
    const broken = `${confA()}\nprotocol static broken { ipv6; route 2001:db8:ff::/48 via "nosuchif" blackhole; }\n`;
    const err = await adapterA.apply(broken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DaemonError);
    expect((err as DaemonError).code).toBe('BIRD_CONFIG_INVALID');
    expect((err as DaemonError).output).toMatch(/syntax error|error/i);
    expect((err as DaemonError).message).toContain(join(dir, 'a.conf'));
    expect(await readFile(join(dir, 'a.conf'), 'utf8')).toBe(confA());
    const names = await withBirdControl(adapterA.socketPath, async (c) =>
      (await c.protocols()).map((p) => p.name),
    );
    expect(names).not.toContain('broken');
    expect(names).toContain('ospf4');
  });

  it('reloads a changed config through birdc configure', async () => {
    const changed = `${confA()}\nprotocol static extra6 { ipv6; route 2001:db8:a:1::/64 blackhole; }\n`;
    expect(await adapterA.apply(changed)).toEqual({ changed: true });
    expect(commands.at(-1)).toEqual(['birdc', '-s', adapterA.socketPath, 'configure']);
    const names = await withBirdControl(adapterA.socketPath, async (c) =>
      (await c.protocols()).map((p) => p.name),
    );
    expect(names).toContain('extra6');
  });

  it('a killed BIRD restarts with -R and the kernel keeps its routes meanwhile (persist, graceful restart)', async () => {
    // The kernel and OSPF options the gateway renders (templates/bird.conf.hbs).
    const gr = confA()
      .replace(/merge paths on limit 64;/g, 'merge paths on limit 64; persist; graceful restart;')
      .replace(/area 0 \{/g, 'graceful restart yes; area 0 {');
    expect(await adapterA.apply(gr)).toEqual({ changed: true });
    const hasRoute = async () =>
      (await a.exec(['ip', '-j', 'route', 'show', '203.0.113.32/28'])).stdout.includes('203.0.113.32');
    expect(await waitUntil(hasRoute, { timeoutMs: 30_000, intervalMs: 100 })).toBe(true);
    const pid = Number((await readFile(adapterA.pidPath, 'utf8')).trim());
    process.kill(pid, 'SIGKILL');
    expect(
      await waitUntil(async () => !(await adapterA.isRunning()), { timeoutMs: 5000, intervalMs: 20 }),
    ).toBe(true);
    await adapterA.start();
    expect(commands.at(-1)?.slice(0, 2)).toEqual(['bird', '-R']);
    // Without -R BIRD flushes its old routes at the first kernel scan, within milliseconds.
    let missing = 0;
    for (let i = 0; i < 30; i++) {
      if (!(await hasRoute())) missing++;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(missing).toBe(0);
    // An orderly stop leaves no pid file: the next start is a fresh one.
    await adapterA.stop();
    await adapterA.start();
    expect(commands.at(-1)?.slice(0, 2)).toEqual(['bird', '-c']);
  });

  it('stops BIRD when the text is undefined', async () => {
    expect(await adapterB.apply(undefined)).toEqual({ changed: true });
    expect(await adapterB.isRunning()).toBe(false);
    expect(await adapterB.apply(undefined)).toEqual({ changed: false });
  });
});
