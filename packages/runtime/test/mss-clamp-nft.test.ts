import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MSS_CLAMP_TABLE, mssClampDaemon } from '@wg-gateway/core';
import {
  cleanupNamespaces,
  createNetns,
  mustRunPrivileged,
  type Netns,
  uniquePrefix,
} from '@wg-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NftTableDaemon } from '../src/nftables/nft-table-daemon.js';

const prefix = uniquePrefix('wbm');

describe.runIf(mustRunPrivileged())('MSS clamping table (nft, inside a namespace)', () => {
  let ns: Netns;
  let dir: string;
  beforeAll(async () => {
    await cleanupNamespaces(prefix);
    ns = await createNetns(`${prefix}a`);
    dir = await mkdtemp(join(tmpdir(), 'wg-gateway-mss-'));
  });
  afterAll(async () => {
    await cleanupNamespaces(prefix);
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the rendered table, replaces it on change, and removes it when disabled', async () => {
    const daemon = new NftTableDaemon({
      name: 'mss-clamp',
      table: MSS_CLAMP_TABLE,
      configPath: join(dir, 'mss-clamp.nft'),
      commandPrefix: ns.enter,
    });
    const desired = (mtu: number) => ({ interfaces: [{ name: 'wg50001', mtu }] }) as never;
    const spec = mssClampDaemon(daemon);
    expect(await daemon.apply(spec.render(desired(1280)))).toEqual({ changed: true });
    const list = async () => (await ns.exec(['nft', 'list', 'table', 'inet', MSS_CLAMP_TABLE])).stdout;
    expect(await list()).toMatch(/iifname "wg50001" meta nfproto ipv4 .*maxseg size set 1240/);
    expect(await daemon.apply(spec.render(desired(1280)))).toEqual({ changed: false });
    expect(await daemon.apply(spec.render(desired(1420)))).toEqual({ changed: true });
    expect(await list()).toMatch(/maxseg size set 1380/);
    expect(await list()).not.toMatch(/maxseg size set 1240/);
    expect(await daemon.apply(mssClampDaemon(daemon, { enabled: false }).render(desired(1420)))).toEqual({
      changed: true,
    });
    expect(await daemon.isRunning()).toBe(false);
  });

  it('is loaded again by the supervisor when someone flushed the ruleset', async () => {
    const daemon = new NftTableDaemon({
      name: 'mss-clamp',
      table: MSS_CLAMP_TABLE,
      configPath: join(dir, 'supervised.nft'),
      commandPrefix: ns.enter,
    });
    await daemon.apply(
      mssClampDaemon(daemon).render({ interfaces: [{ name: 'wg50001', mtu: 1280 }] } as never),
    );
    await ns.exec(['nft', 'flush', 'ruleset']);
    expect(await daemon.isRunning()).toBe(false);
    expect(await daemon.supervise()).toEqual({ action: 'restarted', attempt: 1 });
    expect(await daemon.isRunning()).toBe(true);
  });

  it('with recheckMs, trusts a table it loaded and asks nft again only after that time', async () => {
    const daemon = new NftTableDaemon({
      name: 'mss-clamp',
      table: MSS_CLAMP_TABLE,
      configPath: join(dir, 'rechecked.nft'),
      commandPrefix: ns.enter,
      recheckMs: 60_000,
    });
    const text = mssClampDaemon(daemon).render({ interfaces: [{ name: 'wg50001', mtu: 1280 }] } as never);
    expect(await daemon.apply(text)).toEqual({ changed: true });
    await ns.exec(['nft', 'flush', 'ruleset']);
    // Answered from what it knows: no `nft` run, so the flush is not seen yet.
    expect(await daemon.isRunning()).toBe(true);
    expect(await daemon.apply(text)).toEqual({ changed: false });
    // A table event (the gateway's `nft monitor tables`) ends the trust: it asks, sees the flush.
    daemon.invalidate();
    expect(await daemon.isRunning()).toBe(false);
    expect(await daemon.reload()).toBeUndefined();
    expect(await daemon.isRunning()).toBe(true);
    await ns.exec(['nft', 'flush', 'ruleset']);
    // stop() always asks: the table is gone, nothing to delete.
    expect(await daemon.stop()).toBe(false);
    expect(await daemon.isRunning()).toBe(false);
  });

  it('refuses a rule set nft does not accept, with the daemon named in the code', async () => {
    const daemon = new NftTableDaemon({
      name: 'mss-clamp',
      table: MSS_CLAMP_TABLE,
      configPath: join(dir, 'bad.nft'),
      commandPrefix: ns.enter,
    });
    const err = await daemon
      .apply('table inet wg_gateway_mss { chain x { bogus } }\n')
      .catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('MSS_CLAMP_CONFIG_INVALID');
  });
});
