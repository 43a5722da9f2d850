import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BirdModel, renderBirdConfig, renderKeepalivedConfig } from '@wg-gateway/core';
import {
  cleanupNamespaces,
  connect,
  createNetns,
  mustRunPrivileged,
  type Netns,
  uniquePrefix,
} from '@wg-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BirdAdapter } from '../src/bird/bird-adapter.js';
import { KeepalivedAdapter } from '../src/keepalived/keepalived-adapter.js';
import { commandRunner } from '../src/system/command.js';
import { waitUntil } from '../src/system/process.js';
import { CHECK_ROUTE_SCRIPT } from '../src/system/scripts.js';

const prefix = uniquePrefix('wbe');

function birdModel(
  routerId: string,
  iface: string,
  own4: string,
  own6: string,
  peer4: string,
  peer6: string,
): BirdModel {
  return {
    routerId,
    interfaces: [iface],
    ipv4Stubs: [own4],
    ipv6Stubs: [own6],
    ipv4HiddenStubs: [],
    helloSeconds: 1,
    deadSeconds: 4,
    importIpv4: [peer4],
    importIpv6: [peer6],
    linkImports: [{ interfaces: [iface], ipv4: [peer4], ipv6: [peer6] }],
    ecmpLimit: 64,
  };
}

describe.runIf(mustRunPrivileged())('rendered BIRD and Keepalived configs, end to end', () => {
  let a: Netns;
  let b: Netns;
  let dir: string;
  let birdA: BirdAdapter;
  let birdB: BirdAdapter;
  let ka: KeepalivedAdapter;

  beforeAll(async () => {
    await cleanupNamespaces(prefix);
    dir = await mkdtemp(join(tmpdir(), 'wb-e2e-'));
    a = await createNetns(`${prefix}a`);
    b = await createNetns(`${prefix}b`);
    await connect(
      { ns: a, ifname: 'wg50001', addresses: ['169.254.0.1/24', 'fe80::1/64'] },
      { ns: b, ifname: 'wg50002', addresses: ['169.254.0.2/24', 'fe80::2/64'] },
    );
    const bird = (ns: Netns, n: string) =>
      new BirdAdapter({
        mode: 'process',
        configPath: join(dir, `${n}.conf`),
        socketPath: join(dir, `${n}.ctl`),
        run: commandRunner({ prefix: ns.enter }),
      });
    birdA = bird(a, 'bird-a');
    birdB = bird(b, 'bird-b');
    ka = new KeepalivedAdapter({
      mode: 'process',
      configPath: join(dir, 'keepalived-a.conf'),
      runDir: join(dir, 'ka'),
      run: commandRunner({ prefix: a.enter }),
    });
  });

  afterAll(async () => {
    for (const d of [ka, birdA, birdB]) await d?.stop().catch(() => undefined);
    await cleanupNamespaces(prefix);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a unit that loses the routes to the remote site loses priority but keeps its VIPs (no FAULT)', async () => {
    await birdA.apply(
      renderBirdConfig(
        birdModel(
          '192.0.2.1',
          'wg50001',
          '198.18.1.0/24',
          '2001:db8:1::/48',
          '198.18.2.0/24',
          '2001:db8:2::/48',
        ),
      ),
    );
    await birdB.apply(
      renderBirdConfig(
        birdModel(
          '192.0.2.2',
          'wg50002',
          '198.18.2.0/24',
          '2001:db8:2::/48',
          '198.18.1.0/24',
          '2001:db8:1::/48',
        ),
      ),
    );
    // Two VIPs: the track scripts sit on the sync group with their weights.
    const keepalived = renderKeepalivedConfig({
      syncGroup: 'WG_GATEWAY',
      instances: [
        {
          name: 'VI_1',
          interface: 'wg50001',
          virtualRouterId: 51,
          priority: 254,
          vip: '192.0.2.10/24',
          family: 4,
        },
        {
          name: 'VI_2',
          interface: 'wg50001',
          virtualRouterId: 52,
          priority: 254,
          vip: '2001:db8:ff::10/64',
          family: 6,
        },
      ],
      scripts: [
        { name: 'route_1', prefixes: ['198.18.2.0/24'], weight: -1 },
        { name: 'route_2', prefixes: ['2001:db8:2::/48'], weight: -1 },
      ],
      checkScript: CHECK_ROUTE_SCRIPT,
      intervalSeconds: 1,
      fall: 1,
      rise: 1,
      advertIntervalSeconds: 0.5,
    });
    expect(await ka.apply(keepalived)).toEqual({ changed: true });
    const vrrp = async () =>
      (await ka.vrrpStates()).map((s) => `${s.name} ${s.state} ${s.priority}`).join(', ');

    const master = await waitUntil(async () => (await vrrp()) === 'VI_1 MASTER 254, VI_2 MASTER 254', {
      timeoutMs: 40_000,
      intervalMs: 250,
    });
    expect(await vrrp()).toBe('VI_1 MASTER 254, VI_2 MASTER 254');
    expect(master).toBe(true);
    expect((await a.exec(['ip', 'route', 'show', 'proto', 'bird'])).stdout).toContain('198.18.2.0/24');

    // The remote site disappears: OSPF drops it after the dead interval, both
    // track scripts fail and the priority falls by their weights, no FAULT.
    await birdB.apply(undefined);
    const lowered = await waitUntil(async () => (await vrrp()) === 'VI_1 MASTER 252, VI_2 MASTER 252', {
      timeoutMs: 40_000,
      intervalMs: 250,
    });
    expect(await vrrp()).toBe('VI_1 MASTER 252, VI_2 MASTER 252');
    expect(lowered).toBe(true);
    const { stdout } = await a.exec(['ip', 'addr', 'show', 'dev', 'wg50001']);
    expect(stdout).toContain('192.0.2.10/24');
    expect(stdout).toContain('2001:db8:ff::10/64');
  });
});
