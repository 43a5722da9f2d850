import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BirdAdapter } from '../src/bird/bird-adapter.js';
import { KeepalivedAdapter } from '../src/keepalived/keepalived-adapter.js';
import { type CommandRunner, commandRunner } from '../src/system/command.js';

/**
 * systemd mode without systemd: a FAKE `systemctl` (recorded argv, scripted
 * exit codes) while `bird -p` and `keepalived -t` stay real.
 */
function fakeSystemctl(active: { value: boolean }, calls: string[][]): CommandRunner {
  const real = commandRunner();
  return async (argv, opts) => {
    if (argv[0] !== 'systemctl') return real(argv, opts);
    calls.push([...argv]);
    if (argv[1] === 'is-active') return { code: active.value ? 0 : 3, stdout: '', stderr: '' };
    if (argv[1] === 'start') active.value = true;
    if (argv[1] === 'stop') active.value = false;
    return { code: 0, stdout: '', stderr: '' };
  };
}

describe('daemon adapters in systemd mode (fake systemctl)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wb-sd-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('BIRD: start when inactive, reload when active, nothing when unchanged, stop on undefined', async () => {
    const calls: string[][] = [];
    const active = { value: false };
    const bird = new BirdAdapter({
      mode: 'systemd',
      configPath: join(dir, 'bird.conf'),
      run: fakeSystemctl(active, calls),
    });
    const conf = 'router id 192.0.2.1;\nprotocol device {}\n';
    expect(await bird.apply(conf)).toEqual({ changed: true });
    expect(calls.map((c) => c[1])).toEqual(['is-active', 'start']);
    expect(calls[1]).toEqual(['systemctl', 'start', 'bird']);
    expect(await bird.apply(conf)).toEqual({ changed: false });
    expect(await bird.apply(`${conf}protocol static s6 { ipv6; route 2001:db8::/48 blackhole; }\n`)).toEqual({
      changed: true,
    });
    expect(calls.at(-1)).toEqual(['systemctl', 'reload', 'bird']);
    await expect(bird.apply('router id nonsense;\n')).rejects.toMatchObject({ code: 'BIRD_CONFIG_INVALID' });
    expect(calls.at(-1)?.[1]).toBe('is-active');
    expect(await readFile(join(dir, 'bird.conf'), 'utf8')).toBe(
      `${conf}protocol static s6 { ipv6; route 2001:db8::/48 blackhole; }\n`,
    );
    expect(await bird.apply(undefined)).toEqual({ changed: true });
    expect(calls.at(-1)).toEqual(['systemctl', 'stop', 'bird']);
  });

  it('BIRD: a failed reload puts the previous file back, so the next apply retries', async () => {
    const calls: string[][] = [];
    const active = { value: true };
    const real = fakeSystemctl(active, calls);
    let failReload = false;
    const run: CommandRunner = async (argv, opts) =>
      argv[0] === 'systemctl' && argv[1] === 'reload' && failReload
        ? { code: 1, stdout: '', stderr: 'Job for bird.service failed.' }
        : real(argv, opts);
    const configPath = join(dir, 'bird-retry.conf');
    const bird = new BirdAdapter({ mode: 'systemd', configPath, run });
    const v1 = 'router id 192.0.2.1;\nprotocol device {}\n';
    const v2 = `${v1}protocol static s4 { ipv4; route 203.0.113.0/24 blackhole; }\n`;
    expect(await bird.apply(v1)).toEqual({ changed: true });
    failReload = true;
    await expect(bird.apply(v2)).rejects.toMatchObject({ code: 'BIRD_SYSTEMD_FAILED' });
    expect(await readFile(configPath, 'utf8')).toBe(v1);
    failReload = false;
    expect(await bird.installed()).toBe(v1);
    expect(await bird.apply(v2)).toEqual({ changed: true });
    expect(await readFile(configPath, 'utf8')).toBe(v2);
    expect(await bird.installed()).toBe(v2);
  });

  it('Keepalived: a refused config never reaches systemctl', async () => {
    const calls: string[][] = [];
    const active = { value: true };
    const ka = new KeepalivedAdapter({
      mode: 'systemd',
      configPath: join(dir, 'keepalived.conf'),
      runDir: join(dir, 'ka'),
      run: fakeSystemctl(active, calls),
    });
    await expect(ka.apply('vrrp_instance VI_1 {\n  virtual_router_id 999\n}\n')).rejects.toMatchObject({
      code: 'KEEPALIVED_CONFIG_INVALID',
    });
    expect(calls.map((c) => c[1])).toEqual(['is-active']);
    expect(await ka.apply(undefined)).toEqual({ changed: true });
    expect(calls.at(-1)).toEqual(['systemctl', 'stop', 'keepalived']);
  });

  it('Keepalived: a failed reload puts the previous file back, and the next apply retries', async () => {
    const calls: string[][] = [];
    const active = { value: true };
    const real = fakeSystemctl(active, calls);
    let failReload = false;
    // The checker is faked as well: the host may have no interface to name.
    const run: CommandRunner = async (argv, opts) =>
      argv[0] === 'keepalived'
        ? { code: 0, stdout: '', stderr: '' }
        : argv[0] === 'systemctl' && argv[1] === 'reload' && failReload
          ? { code: 1, stdout: '', stderr: 'Job for keepalived.service failed.' }
          : real(argv, opts);
    const configPath = join(dir, 'ka-retry.conf');
    const ka = new KeepalivedAdapter({ mode: 'systemd', configPath, runDir: join(dir, 'ka-retry'), run });
    const v1 =
      'vrrp_instance VI_1 {\n  interface lo\n  virtual_router_id 51\n  priority 100\n  virtual_ipaddress {\n    192.0.2.10/24\n  }\n}\n';
    const v2 = v1.replace('priority 100', 'priority 90');
    expect(await ka.apply(v1)).toEqual({ changed: true });
    const fileV1 = await readFile(configPath, 'utf8');
    failReload = true;
    await expect(ka.apply(v2)).rejects.toMatchObject({ code: 'KEEPALIVED_SYSTEMD_FAILED' });
    expect(await readFile(configPath, 'utf8')).toBe(fileV1);
    expect(await ka.installed()).toBe(v1);
    failReload = false;
    // Not "installed and running": the retry reloads.
    const before = calls.filter((c) => c[1] === 'reload').length;
    expect(await ka.apply(v2)).toEqual({ changed: true });
    expect(calls.filter((c) => c[1] === 'reload').length).toBe(before + 1);
    expect(await ka.installed()).toBe(v2);
  });
});
