import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { mustRunPrivileged, type Netns } from '@wg-gateway/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { KeepalivedAdapter } from '../src/keepalived/keepalived-adapter.js';
import { DaemonError } from '../src/system/daemon-error.js';
import { isProcessAlive, readPidFile, waitUntil } from '../src/system/process.js';
import { useDaemonPair } from './support/daemon-pair.js';

/** VRRP instances in the shape the gateway renders (one per VIP, one sync group). */
function keepalivedConf(o: { priority: number; vips: readonly string[] }): string {
  const names = o.vips.map((_, i) => `VI_${i + 1}`);
  const instances = o.vips.map(
    (vip, i) => `vrrp_instance ${names[i]} {
  state BACKUP
  interface veth0
  virtual_router_id ${51 + i}
  priority ${o.priority}
  advert_int 1
  virtual_ipaddress {
    ${vip}
  }
}
`,
  );
  return `global_defs {
  enable_script_security
  script_user root
}
vrrp_sync_group G1 {
  group {
    ${names.join('\n    ')}
  }
}
${instances.join('')}`;
}

async function addresses(ns: Netns): Promise<string[]> {
  const { stdout } = await ns.exec(['ip', '-j', 'addr', 'show', 'dev', 'veth0']);
  const [link] = JSON.parse(stdout) as { addr_info: { local: string; prefixlen: number }[] }[];
  return (link?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
}

describe.runIf(mustRunPrivileged())('KeepalivedAdapter against real Keepalived in namespaces', () => {
  let ka: KeepalivedAdapter;
  let kb: KeepalivedAdapter;
  const pair = useDaemonPair({
    stem: 'wbk',
    a: { ifname: 'veth0', addresses: ['192.0.2.1/24'] },
    b: { ifname: 'veth0', addresses: ['192.0.2.2/24'] },
    stop: () => Promise.allSettled([ka?.stop(), kb?.stop()]),
  });
  const { commands } = pair;
  let dir: string;
  let a: Netns;

  beforeAll(() => {
    dir = pair.dir;
    a = pair.a;
    const mk = (ns: Netns, name: string) =>
      new KeepalivedAdapter({
        mode: 'process',
        configPath: join(dir, `${name}.conf`),
        runDir: join(dir, `${name}-run`),
        run: pair.runIn(ns),
      });
    ka = mk(pair.a, 'a');
    kb = mk(pair.b, 'b');
  });

  const stateOf = async (k: KeepalivedAdapter, name: string) =>
    (await k.vrrpStates()).find((s) => s.kind === 'INSTANCE' && s.name === name)?.state;

  it('starts two Keepalived instances side by side; the higher priority becomes MASTER and holds the VIP', async () => {
    expect(await ka.apply(keepalivedConf({ priority: 150, vips: ['192.0.2.10/24'] }))).toEqual({
      changed: true,
    });
    expect(await kb.apply(keepalivedConf({ priority: 100, vips: ['192.0.2.10/24'] }))).toEqual({
      changed: true,
    });
    const settled = await waitUntil(
      async () => (await stateOf(ka, 'VI_1')) === 'MASTER' && (await stateOf(kb, 'VI_1')) === 'BACKUP',
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    expect({ a: await ka.vrrpStates(), b: await kb.vrrpStates() }).toMatchObject({
      a: [{ kind: 'INSTANCE', name: 'VI_1', state: 'MASTER', priority: 150 }],
      b: [{ kind: 'INSTANCE', name: 'VI_1', state: 'BACKUP', priority: 100 }],
    });
    expect(settled).toBe(true);
    expect(await addresses(a)).toContain('192.0.2.10/24');
    expect(await addresses(pair.b)).not.toContain('192.0.2.10/24');
  });

  it('does nothing when the text is unchanged', async () => {
    const before = commands.length;
    expect(await ka.apply(keepalivedConf({ priority: 150, vips: ['192.0.2.10/24'] }))).toEqual({
      changed: false,
    });
    expect(commands.length).toBe(before);
  });

  it('refuses a broken config and keeps the running one', async () => {
    const pid = await readPidFile(ka.pidPath);
    const installed = await readFile(join(dir, 'a.conf'), 'utf8');
    const broken = keepalivedConf({ priority: 150, vips: ['192.0.2.10/24'] }).replace(
      'virtual_router_id 51',
      'virtual_router_id 512',
    );
    const err = await ka.apply(broken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DaemonError);
    expect((err as DaemonError).code).toBe('KEEPALIVED_CONFIG_INVALID');
    expect((err as DaemonError).output).toMatch(/512/);
    expect(await readFile(join(dir, 'a.conf'), 'utf8')).toBe(installed);
    expect(await readPidFile(ka.pidPath)).toBe(pid);
    expect(pid !== undefined && (await isProcessAlive(pid, 'keepalived'))).toBe(true);
    expect(await stateOf(ka, 'VI_1')).toBe('MASTER');
    expect(await addresses(a)).toContain('192.0.2.10/24');
  });

  it('reloads a changed config with SIGHUP (same pid, new instance and VIP)', async () => {
    const pid = await readPidFile(ka.pidPath);
    const two = keepalivedConf({ priority: 150, vips: ['192.0.2.10/24', '192.0.2.11/24'] });
    expect(await ka.apply(two)).toEqual({ changed: true });
    const up = await waitUntil(
      async () => (await stateOf(ka, 'VI_2')) === 'MASTER' && (await addresses(a)).includes('192.0.2.11/24'),
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(up).toBe(true);
    expect(await readPidFile(ka.pidPath)).toBe(pid);
    expect(await stateOf(ka, 'VI_1')).toBe('MASTER');
    // The file holds the state-reporting block too; installed() gives back the rendered text.
    expect(await readFile(join(dir, 'a.conf'), 'utf8')).toContain('vrrp_notify_fifo');
    expect(await ka.installed()).toBe(two);
  });

  it('reads the state from Keepalived itself: a reload removing an instance leaves no stale state', async () => {
    expect(await ka.apply(keepalivedConf({ priority: 150, vips: ['192.0.2.10/24'] }))).toEqual({
      changed: true,
    });
    const gone = await waitUntil(async () => (await ka.vrrpStates()).map((s) => s.name).join() === 'VI_1', {
      timeoutMs: 10_000,
      intervalMs: 200,
    });
    expect(gone).toBe(true);
    expect(await ka.vrrpStates()).toEqual([
      { kind: 'INSTANCE', name: 'VI_1', state: 'MASTER', priority: 150 },
    ]);
    // Even with the notify state files gone, the dump still answers (they are only a fallback).
    for (const n of await readdir(join(dir, 'a-run'))) {
      if (n.endsWith('.state')) await rm(join(dir, 'a-run', n));
    }
    expect(await stateOf(ka, 'VI_1')).toBe('MASTER');
    expect(await stateOf(kb, 'VI_1')).toBe('BACKUP');
    // Each Keepalived dumps into its own TMPDIR, never the host's /tmp.
    expect(await readdir(join(dir, 'a-run', 'tmp'))).toContain('keepalived.json');
  });

  it('stops when there are no VIPs, removing its pid and state files and the VIPs', async () => {
    expect(await ka.apply(undefined)).toEqual({ changed: true });
    expect(await ka.isRunning()).toBe(false);
    expect(await ka.installed()).toBeUndefined();
    expect(await ka.vrrpStates()).toEqual([]);
    const left = await readdir(join(dir, 'a-run'));
    expect(left.filter((n) => n.endsWith('.pid') || n.endsWith('.state'))).toEqual([]);
    expect(await addresses(a)).not.toContain('192.0.2.10/24');
    expect(await ka.apply(undefined)).toEqual({ changed: false });
    // The other instance carried on and takes over the VIP.
    const took = await waitUntil(async () => (await stateOf(kb, 'VI_1')) === 'MASTER', {
      timeoutMs: 20_000,
      intervalMs: 200,
    });
    expect(took).toBe(true);
  });
  it('survives a reload right after a start', async () => {
    expect(await ka.apply(keepalivedConf({ priority: 90, vips: ['192.0.2.20/24'] }))).toEqual({
      changed: true,
    });
    const pid = await readPidFile(ka.pidPath);
    expect(
      await ka.apply(keepalivedConf({ priority: 90, vips: ['192.0.2.20/24', '192.0.2.21/24'] })),
    ).toEqual({
      changed: true,
    });
    const both = await waitUntil(
      async () => (await stateOf(ka, 'VI_1')) !== undefined && (await stateOf(ka, 'VI_2')) !== undefined,
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(both).toBe(true);
    expect(await readPidFile(ka.pidPath)).toBe(pid);
    expect(pid !== undefined && (await isProcessAlive(pid, 'keepalived'))).toBe(true);
  });

  it('after the peer is killed (SIGKILL, no goodbye advert) the survivor reads MASTER', async () => {
    // kb holds VI_1 (192.0.2.10) alone since ka moved to other VIPs; give ka that VIP back at a lower priority.
    expect(await ka.apply(keepalivedConf({ priority: 90, vips: ['192.0.2.10/24'] }))).toEqual({
      changed: true,
    });
    const backup = await waitUntil(async () => (await stateOf(ka, 'VI_1')) === 'BACKUP', {
      timeoutMs: 20_000,
      intervalMs: 200,
    });
    expect(backup).toBe(true);
    expect(await stateOf(kb, 'VI_1')).toBe('MASTER');
    const run = join(dir, 'b-run');
    for (const f of ['keepalived-vrrp.pid', 'keepalived.pid']) {
      const pid = await readPidFile(join(run, f));
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
    }
    const t0 = Date.now();
    const took = await waitUntil(async () => (await stateOf(ka, 'VI_1')) === 'MASTER', {
      timeoutMs: 20_000,
      intervalMs: 200,
    });
    console.log(`[keepalived-adapter] survivor read MASTER ${Date.now() - t0} ms after the peer's SIGKILL`);
    expect(took).toBe(true);
    expect(await kb.vrrpStates()).toEqual([]);
    expect(await addresses(a)).toContain('192.0.2.10/24');
  });
});
