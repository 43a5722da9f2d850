import { join } from 'node:path';
import { mustRunPrivileged } from '@wg-gateway/testkit';
import { Registry } from 'prom-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { BirdAdapter } from '../src/bird/bird-adapter.js';
import { ConfiguredDaemon } from '../src/daemon-adapter/configured-daemon.js';
import { DaemonSupervisor } from '../src/daemon-adapter/daemon-supervisor.js';
import { RestartBackoff } from '../src/daemon-adapter/restart-backoff.js';
import { KeepalivedAdapter } from '../src/keepalived/keepalived-adapter.js';
import type { CommandResult } from '../src/system/command.js';
import { DaemonError } from '../src/system/daemon-error.js';
import { readPidFile, signalProcess, waitUntil } from '../src/system/process.js';
import { useDaemonPair } from './support/daemon-pair.js';

describe('RestartBackoff', () => {
  it('restarts at once, doubles the wait per attempt up to the ceiling, starts over once stable', () => {
    const b = new RestartBackoff({ initialMs: 100, maxMs: 400, stableMs: 1000 });
    expect(b.waitMs(0)).toBe(0);
    expect(b.attempt(0)).toBe(1);
    expect(b.waitMs(0)).toBe(100);
    expect(b.attempt(100)).toBe(2);
    expect(b.waitMs(100)).toBe(200);
    b.attempt(300);
    expect(b.waitMs(300)).toBe(400);
    b.attempt(700);
    expect(b.waitMs(700)).toBe(400);
    b.up(800); // up, but not yet stable: a crash loop keeps backing off
    expect(b.waitMs(800)).toBe(300);
    b.up(1700);
    expect(b.waitMs(1700)).toBe(0);
    expect(b.attempt(1700)).toBe(1);
  });
});

/** A FAKE daemon whose process "dies" and whose start can be made to fail. */
class FakeDaemon extends ConfiguredDaemon {
  readonly name = 'fake';
  protected readonly checkerName = 'true';
  alive = false;
  failStart = false;
  starts = 0;
  protected async runChecker(): Promise<CommandResult> {
    return { code: 0, stdout: '', stderr: '' };
  }
  async isRunning() {
    return this.alive;
  }
  async reload() {}
  async start() {
    this.starts += 1;
    if (this.failStart) throw new DaemonError('FAKE_START_FAILED', 'fake', 'no');
    this.alive = true;
  }
  async stop() {
    const was = this.alive;
    this.alive = false;
    return was;
  }
}

describe('DaemonSupervisor with a fake daemon', () => {
  it('restarts a dead daemon with backoff, counts and logs each attempt, leaves an unwanted one alone', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'wb-sup-'));
    try {
      const d = new FakeDaemon({
        mode: 'process',
        configPath: join(dir, 'fake.conf'),
        restartBackoff: { initialMs: 1000, maxMs: 4000 },
      });
      let now = 0;
      const logs: string[] = [];
      const registry = new Registry();
      const sup = new DaemonSupervisor({
        daemons: [d],
        registry,
        now: () => now,
        log: { warn: (_f, m) => logs.push(`warn ${m}`), error: (_f, m) => logs.push(`error ${m}`) },
      });
      // Never applied: not wanted, nothing to supervise.
      expect(await sup.tick()).toEqual({ fake: { action: 'none' } });
      await d.apply('x\n');
      expect(d.starts).toBe(1);
      d.alive = false;
      d.failStart = true;
      expect((await sup.tick()).fake).toMatchObject({
        action: 'restart-failed',
        attempt: 1,
        retryInMs: 1000,
      });
      now = 500;
      expect((await sup.tick()).fake).toEqual({ action: 'waiting', retryInMs: 500 });
      now = 1000;
      expect((await sup.tick()).fake).toMatchObject({
        action: 'restart-failed',
        attempt: 2,
        retryInMs: 2000,
      });
      d.failStart = false;
      now = 3000;
      expect((await sup.tick()).fake).toEqual({ action: 'restarted', attempt: 3 });
      expect(d.alive).toBe(true);
      const text = await registry.metrics();
      expect(text).toContain('wg_gateway_daemon_restarts_total{daemon="fake",result="ok"} 1');
      expect(text).toContain('wg_gateway_daemon_restarts_total{daemon="fake",result="failed"} 2');
      expect(logs).toEqual([
        'error fake is dead and restarting it failed: [runtime] [fake] no',
        'error fake is dead and restarting it failed: [runtime] [fake] no',
        'warn fake was dead; restarted it',
      ]);
      // Stopped on purpose (no VIPs): not restarted.
      await d.apply(undefined);
      expect(await sup.tick()).toEqual({ fake: { action: 'none' } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.runIf(mustRunPrivileged())(
  'DaemonSupervisor restarts real BIRD and Keepalived killed with SIGKILL',
  () => {
    let bird: BirdAdapter;
    let ka: KeepalivedAdapter;
    const pair = useDaemonPair({
      stem: 'wbs',
      a: { ifname: 'veth0', addresses: ['192.0.2.1/24'] },
      b: { ifname: 'veth0', addresses: ['192.0.2.2/24'] },
      stop: () => Promise.allSettled([bird?.stop(), ka?.stop()]),
    });
    beforeAll(() => {
      bird = new BirdAdapter({
        mode: 'process',
        configPath: join(pair.dir, 'bird.conf'),
        socketPath: join(pair.dir, 'bird.ctl'),
        run: pair.runIn(pair.a),
      });
      ka = new KeepalivedAdapter({
        mode: 'process',
        configPath: join(pair.dir, 'keepalived.conf'),
        runDir: join(pair.dir, 'ka'),
        run: pair.runIn(pair.a),
      });
    });

    it('notices each dead daemon on the next tick and starts it again on its installed config', async () => {
      await bird.apply('router id 192.0.2.1;\nprotocol device {}\n');
      await ka.apply(
        'vrrp_instance VI_1 {\n  state BACKUP\n  interface veth0\n  virtual_router_id 51\n  priority 100\n  virtual_ipaddress {\n    192.0.2.10/24\n  }\n}\n',
      );
      const registry = new Registry();
      const sup = new DaemonSupervisor({ daemons: [bird, ka], registry });
      expect(await sup.tick()).toEqual({ bird: { action: 'none' }, keepalived: { action: 'none' } });
      for (const pidPath of [bird.pidPath, ka.pidPath]) {
        const pid = await readPidFile(pidPath);
        expect(pid).toBeDefined();
        signalProcess(pid as number, 'SIGKILL');
      }
      expect(
        await waitUntil(async () => !(await bird.isRunning()) && !(await ka.isRunning()), {
          timeoutMs: 5000,
        }),
      ).toBe(true);
      expect(await sup.tick()).toEqual({
        bird: { action: 'restarted', attempt: 1 },
        keepalived: { action: 'restarted', attempt: 1 },
      });
      expect(await bird.isRunning()).toBe(true);
      expect(await ka.isRunning()).toBe(true);
      const text = await registry.metrics();
      expect(text).toContain('wg_gateway_daemon_restarts_total{daemon="bird",result="ok"} 1');
      expect(text).toContain('wg_gateway_daemon_restarts_total{daemon="keepalived",result="ok"} 1');
      // Back to steady state: the next apply of the same text changes nothing.
      expect(await bird.apply('router id 192.0.2.1;\nprotocol device {}\n')).toEqual({ changed: false });
    });
  },
);
