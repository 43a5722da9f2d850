import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { birdIncludeFragment, renderBirdConfig } from '@wg-gateway/core';
import { mustRunPrivileged } from '@wg-gateway/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { BirdAdapter } from '../src/bird/bird-adapter.js';
import { withBirdControl } from '../src/bird/bird-control.js';
import { EMPTY_FRAGMENT } from '../src/daemon-adapter/configured-daemon.js';
import { KeepalivedAdapter } from '../src/keepalived/keepalived-adapter.js';
import { readPidFile, waitUntil } from '../src/system/process.js';
import { useDaemonPair } from './support/daemon-pair.js';

/** A hand-written bird.conf that includes our fragment, with a protocol of its own that must survive. */
function birdMain(fragment: string): string {
  return `# hand-written
router id 192.0.2.1;
protocol device {}
protocol kernel { ipv4 { export all; }; merge paths yes limit 64; }
protocol kernel { ipv6 { export all; }; merge paths yes limit 64; }
protocol static hand_blackhole { ipv4; route 198.18.99.0/24 blackhole; }
include "${fragment}";
`;
}

/** A hand-written keepalived.conf with an instance of its own that must survive. */
function keepalivedMain(fragment: string): string {
  return `global_defs {
  enable_script_security
  script_user root
}
vrrp_instance HAND {
  state BACKUP
  interface veth0
  virtual_router_id 90
  priority 100
  virtual_ipaddress {
    192.0.2.90/24
  }
}
include ${fragment}
`;
}

const ours = (vip: string) => `vrrp_instance WG_1 {
  state BACKUP
  interface veth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    ${vip}
  }
}
`;

describe.runIf(mustRunPrivileged())('include mode against real BIRD and Keepalived', () => {
  let bird: BirdAdapter;
  let ka: KeepalivedAdapter;
  const pair = useDaemonPair({
    stem: 'wbi',
    a: { ifname: 'veth0', addresses: ['192.0.2.1/24', '2001:db8:1::1/64'] },
    b: { ifname: 'veth0', addresses: ['192.0.2.2/24'] },
    stop: () => Promise.allSettled([bird?.stop(), ka?.stop()]),
  });
  let birdMainPath: string;
  let kaMainPath: string;
  const fragment = birdIncludeFragment(
    renderBirdConfig({
      routerId: '192.0.2.1',
      interfaces: ['veth0'],
      ipv4Stubs: ['198.51.100.0/24'],
      ipv6Stubs: ['2001:db8:a::/48'],
      ipv4HiddenStubs: ['169.254.0.0/24'],
      helloSeconds: 5,
      deadSeconds: 30,
      importIpv4: ['203.0.113.0/24'],
      importIpv6: [],
      linkImports: [{ interfaces: ['veth0'], ipv4: ['203.0.113.0/24'], ipv6: [] }],
      ecmpLimit: 64,
    }),
  );

  beforeAll(async () => {
    birdMainPath = join(pair.dir, 'bird.conf');
    kaMainPath = join(pair.dir, 'keepalived.conf');
    await writeFile(birdMainPath, birdMain(join(pair.dir, 'wg-gateway-bird.conf')));
    await writeFile(kaMainPath, keepalivedMain(join(pair.dir, 'wg-gateway-keepalived.conf')));
    bird = new BirdAdapter({
      mode: 'process',
      configPath: join(pair.dir, 'wg-gateway-bird.conf'),
      include: { mainConfig: birdMainPath },
      socketPath: join(pair.dir, 'bird.ctl'),
      run: pair.runIn(pair.a),
    });
    ka = new KeepalivedAdapter({
      mode: 'process',
      configPath: join(pair.dir, 'wg-gateway-keepalived.conf'),
      include: { mainConfig: kaMainPath },
      runDir: join(pair.dir, 'ka'),
      run: pair.runIn(pair.a),
    });
  });

  const protocols = () =>
    withBirdControl(bird.socketPath, async (c) => (await c.protocols()).map((p) => p.name));

  it('BIRD: writes only the fragment, runs the main config, and the hand-written protocol stays up', async () => {
    const main = await readFile(birdMainPath, 'utf8');
    expect(await bird.apply(fragment)).toEqual({ changed: true });
    expect(await readFile(birdMainPath, 'utf8')).toBe(main);
    expect(await readFile(join(pair.dir, 'wg-gateway-bird.conf'), 'utf8')).toBe(fragment);
    expect(await protocols()).toEqual(
      expect.arrayContaining(['device1', 'hand_blackhole', 'wg_gateway_ospf4', 'wg_gateway_ospf6']),
    );
    const changed = fragment.replace('stubnet 198.51.100.0/24;', 'stubnet 198.51.100.0/25;');
    expect(await bird.apply(changed)).toEqual({ changed: true });
    expect(await protocols()).toContain('hand_blackhole');
    expect(await bird.installed()).toBe(changed);
    expect((await pair.a.exec(['ip', 'route', 'show', '198.18.99.0/24'])).stdout).toContain('blackhole');
  });

  it('BIRD: checks the WHOLE config: a fragment valid alone but clashing with the main file is refused', async () => {
    const before = await readFile(join(pair.dir, 'wg-gateway-bird.conf'), 'utf8');
    const clash = `${fragment}protocol static hand_blackhole { ipv4; route 198.18.98.0/24 blackhole; }\n`;
    const err = await bird.apply(clash).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BIRD_CONFIG_INVALID' });
    expect((err as Error).message).toContain(join(pair.dir, 'wg-gateway-bird.conf'));
    expect((err as Error).message).not.toMatch(/\.tmp/);
    expect(await readFile(join(pair.dir, 'wg-gateway-bird.conf'), 'utf8')).toBe(before);
    expect(await protocols()).toContain('hand_blackhole');
  });

  it('BIRD: a main config that does not include the fragment is refused, naming what to add', async () => {
    const bare = new BirdAdapter({
      mode: 'process',
      configPath: join(pair.dir, 'other-fragment.conf'),
      include: { mainConfig: birdMainPath },
      socketPath: join(pair.dir, 'other.ctl'),
      run: pair.runIn(pair.a),
    });
    await expect(bare.apply(fragment)).rejects.toMatchObject({
      code: 'BIRD_NOT_INCLUDED',
      hint: expect.stringContaining(join(pair.dir, 'other-fragment.conf')),
    });
  });

  it('Keepalived: our instance beside the hand-written one; no VIPs empties the fragment and keeps the daemon', async () => {
    const main = await readFile(kaMainPath, 'utf8');
    expect(await ka.apply(ours('192.0.2.51/24'))).toEqual({ changed: true });
    const pid = await readPidFile(ka.pidPath);
    const both = await waitUntil(
      async () => {
        const names = (await ka.vrrpStates()).map((s) => s.name);
        return names.includes('HAND') && names.includes('WG_1');
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    expect(both).toBe(true);
    expect(await ka.installed()).toBe(ours('192.0.2.51/24'));
    expect(await ka.apply(undefined)).toEqual({ changed: true });
    expect(await readFile(join(pair.dir, 'wg-gateway-keepalived.conf'), 'utf8')).toMatch(
      new RegExp(`^${EMPTY_FRAGMENT}`),
    );
    expect(await ka.installed()).toBeUndefined();
    expect(await ka.isRunning()).toBe(true);
    expect(await readPidFile(ka.pidPath)).toBe(pid);
    // Our VIP goes, the hand-written instance keeps running (and holds its VIP: the only unit).
    const addrs = async () => (await pair.a.exec(['ip', '-o', 'addr', 'show', 'dev', 'veth0'])).stdout;
    const settled = await waitUntil(
      async () => !(await addrs()).includes('192.0.2.51/24') && (await addrs()).includes('192.0.2.90/24'),
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    expect(settled).toBe(true);
    expect((await ka.vrrpStates()).find((s) => s.name === 'HAND')?.state).toBe('MASTER');
    expect(await readFile(kaMainPath, 'utf8')).toBe(main);
    expect(await ka.apply(undefined)).toEqual({ changed: false });
  });
});
