import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandRunner, waitUntil } from '@wg-gateway/runtime';
import {
  cleanupNamespaces,
  connect,
  createNetns,
  mustRunPrivileged,
  type Netns,
  uniquePrefix,
} from '@wg-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NftablesConfigurator } from '../src/nftables-configurator.js';
import { renderNftablesRuleset } from '../src/nftables-ruleset.js';

const PROGRAM = fileURLToPath(new URL('../dist/reconcile-unit.js', import.meta.url));
const range = { min: 50000, max: 52000 };

describe('renderNftablesRuleset', () => {
  it('accepts exactly the tunnel ports and drops the rest of the range, in a table replaced at once', () => {
    const text = renderNftablesRuleset({ udpPorts: [50003, 50001, 50001], portRange: range });
    expect(text).toContain('elements = { 50001, 50003 }');
    expect(text).toContain('udp dport @tunnel_ports counter accept');
    expect(text).toContain('udp dport 50000-52000 counter drop');
    expect(text.indexOf('delete table inet wg_gateway')).toBeLessThan(
      text.indexOf('table inet wg_gateway {'),
    );
    expect(renderNftablesRuleset({ udpPorts: [], portRange: range })).not.toContain('elements');
    expect(() => renderNftablesRuleset({ udpPorts: [70000], portRange: range })).toThrow(/not a UDP port/);
  });
});

/** The set's elements as loaded in the kernel. Equivalent to: `nft -j list set inet wg_gateway tunnel_ports`. */
async function loadedPorts(ns: Netns): Promise<number[]> {
  const { stdout } = await ns.exec(['nft', '-j', 'list', 'set', 'inet', 'wg_gateway', 'tunnel_ports']);
  const set = (JSON.parse(stdout) as { nftables: { set?: { elem?: number[] } }[] }).nftables.find(
    (o) => o.set,
  );
  return [...(set?.set?.elem ?? [])].sort((a, b) => a - b);
}

describe.runIf(mustRunPrivileged())('the nftables daemon on a real gateway (wireguard-go, two units)', () => {
  const prefix = uniquePrefix('wbn');
  let a: Netns;
  let b: Netns;
  let dir: string;

  beforeAll(async () => {
    await cleanupNamespaces(prefix);
    dir = await mkdtemp(join(tmpdir(), 'wbn-'));
    a = await createNetns(`${prefix}a`);
    b = await createNetns(`${prefix}b`);
    await connect(
      { ns: a, ifname: 'veth0', addresses: ['203.0.113.1/24'] },
      { ns: b, ifname: 'veth0', addresses: ['203.0.113.2/24'] },
    );
  });
  afterAll(async () => {
    await cleanupNamespaces(prefix);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the configurator checks with nft -c, loads with nft -f, refuses a bad rule set and keeps the loaded one', async () => {
    const file = join(dir, 'check.nft');
    const nft = new NftablesConfigurator({ configPath: file, run: commandRunner({ prefix: a.enter }) });
    const v1 = renderNftablesRuleset({ udpPorts: [50001], portRange: range });
    expect(await nft.apply(v1)).toEqual({ changed: true });
    expect(await loadedPorts(a)).toEqual([50001]);
    expect(await nft.apply(v1)).toEqual({ changed: false });
    const bad = v1.replace('counter drop', 'counter dorp');
    await expect(nft.apply(bad)).rejects.toMatchObject({ code: 'NFTABLES_CONFIG_INVALID' });
    expect(await nft.installed()).toBe(v1);
    // Someone flushes the rule set: the next apply (or the supervisor) loads it again.
    await a.exec(['nft', 'flush', 'ruleset']);
    expect(await nft.apply(v1)).toEqual({ changed: true });
    expect(await loadedPorts(a)).toEqual([50001]);
    expect(await nft.apply(undefined)).toEqual({ changed: true });
    expect(await nft.isRunning()).toBe(false);
  });

  it('two gateway units open exactly their tunnels’ ports; every tunnel handshakes through it; other ports in the range are dropped', async () => {
    const exchangeDir = join(dir, 'exchange');
    await mkdir(exchangeDir, { recursive: true });
    const units = [
      {
        ns: () => a,
        name: 'a-0',
        group: 'a',
        role: 'initiator',
        ingress: '203.0.113.1',
        prefix: '198.18.10.0/24',
      },
      {
        ns: () => b,
        name: 'b-0',
        group: 'b',
        role: 'acceptor',
        ingress: '203.0.113.2',
        prefix: '198.18.20.0/24',
      },
    ] as const;
    const files: string[] = [];
    for (const u of units) {
      const home = join(dir, u.name);
      await mkdir(join(home, 'wireguard'), { recursive: true });
      const file = join(home, 'unit.json');
      const config = {
        unit: u.name,
        group: u.group,
        'ingress-address': u.ingress,
        'router-id': u.ingress,
        'advertise-prefixes': [u.prefix],
        peerings: [{ id: 'a-b', role: u.role }],
        paths: { state: join(home, 'state.json'), 'wireguard-dir': join(home, 'wireguard') },
      };
      await writeFile(file, JSON.stringify({ config, exchangeDir, rulesetFile: join(home, 'rules.nft') }));
      files.push(file);
    }
    const reconcile = (i: number) =>
      units[i]?.ns().exec([process.execPath, PROGRAM, files[i] as string]) ??
      Promise.reject(new Error('no unit'));
    let links: number[][] = [];
    for (let round = 0; round < 8; round++) {
      for (const i of [0, 1]) await reconcile(i);
      links = await Promise.all(
        [a, b].map(async (ns) => {
          const { stdout } = await ns.exec(['wg', 'show', 'all', 'listen-port']);
          return stdout
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((l) => Number(l.split('\t')[1]))
            .sort((x, y) => x - y);
        }),
      );
      if (links.every((l) => l.length === 2)) break;
    }
    expect(links.map((l) => l.length)).toEqual([2, 2]);
    // One more round so each unit's rule set follows its final interfaces.
    for (const i of [0, 1]) await reconcile(i);
    expect(await loadedPorts(a)).toEqual(links[0]);
    expect(await loadedPorts(b)).toEqual(links[1]);
    // Every tunnel completes its WireGuard handshake through the rule set (UDP both ways on the tunnel ports).
    const handshakes = async (ns: Netns) =>
      (await ns.exec(['wg', 'show', 'all', 'latest-handshakes'])).stdout
        .trim()
        .split('\n')
        .map((l) => Number(l.split('\t')[2]));
    const shaken = await waitUntil(
      async () => [...(await handshakes(a)), ...(await handshakes(b))].every((t) => t > 0),
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(shaken).toBe(true);
    const accepted = (await a.exec(['nft', 'list', 'chain', 'inet', 'wg_gateway', 'input'])).stdout;
    expect(accepted).toMatch(/@tunnel_ports counter packets [1-9]\d* bytes \d+ accept/);
    expect(accepted).toMatch(/50000-52000 counter packets 0 bytes 0 drop/);
    // A datagram to a port of the range that is no tunnel's is counted and dropped.
    const closed = range.min + 999;
    await b.exec([
      process.execPath,
      '-e',
      `const s=require('node:dgram').createSocket('udp4');s.send('x',${closed},'203.0.113.1',()=>s.close());`,
    ]);
    const { stdout } = await a.exec(['nft', 'list', 'chain', 'inet', 'wg_gateway', 'input']);
    expect(stdout).toMatch(/udp dport 50000-52000 counter packets [1-9]\d* bytes \d+ drop/);
  });
});
