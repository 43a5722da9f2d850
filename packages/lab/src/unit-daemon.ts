/**
 * The lab's own unit driver: wires core's `Gateway` with runtime's
 * `GatewayRunner`, file state, an exchange, BIRD, Keepalived and a WireGuard
 * backend, from a unit config file (group config + `runtime:`). It stands in
 * for `wg-gateway run` and reads the same file; SIGHUP re-reads the file,
 * SIGTERM stops. Runs inside the unit's namespaces.
 * @module
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { NetlinkBackend } from '@wg-gateway/backend-netlink';
import { WgQuickBackend } from '@wg-gateway/backend-wgquick';
import {
  type Exchange,
  Gateway,
  type GatewayReport,
  type GroupConfig,
  NodeKeySource,
  parseGroupConfig,
  type WireGuardBackend,
} from '@wg-gateway/core';
import {
  BirdAdapter,
  DirectoryExchange,
  EtcdExchange,
  enableIpForwarding,
  FileStateStore,
  GatewayRunner,
  KeepalivedAdapter,
} from '@wg-gateway/runtime';
import type { UnitRuntimeConfig } from './unit-config.js';

/** What the driver writes to the status file after every reconcile. */
export interface UnitStatusFile {
  readonly pid: number;
  readonly unit: string;
  readonly at: number;
  readonly reason: string;
  readonly reconciles: number;
  readonly peerings: readonly string[];
  readonly report: GatewayReport;
}

async function loadConfig(file: string): Promise<{ config: GroupConfig; runtime: UnitRuntimeConfig }> {
  // JSON only: the lab writes its unit files as JSON (the CLI reads YAML too).
  const raw = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  const { runtime, ...group } = raw;
  return { config: parseGroupConfig(group, file), runtime: runtime as UnitRuntimeConfig };
}

function backendOf(runtime: UnitRuntimeConfig, config: GroupConfig): WireGuardBackend {
  return runtime.backend === 'netlink'
    ? new NetlinkBackend({ mode: 'userspace' })
    : new WgQuickBackend({ configDir: config.paths.wireguardDir, userspace: 'wireguard-go' });
}

function exchangeOf(runtime: UnitRuntimeConfig): Exchange {
  const x = runtime.exchange;
  if (x.startsWith('dir:'))
    return new DirectoryExchange(x.slice(4), { pollIntervalMs: 1000, debounceMs: 100 });
  const endpoints = x.slice('etcd:'.length).split(',');
  return new EtcdExchange({ endpoints, ...(runtime.etcd ? { prefix: runtime.etcd.prefix } : {}) });
}

async function writeStatus(path: string, status: UnitStatusFile): Promise<void> {
  const temp = `${path}.tmp`;
  await writeFile(temp, `${JSON.stringify(status)}\n`, { mode: 0o644 });
  await rename(temp, path);
}

/** Run the unit described by `file` until SIGTERM/SIGINT. */
export async function runUnit(file: string): Promise<void> {
  const first = await loadConfig(file);
  const exchange = exchangeOf(first.runtime);
  const backend = backendOf(first.runtime, first.config);
  const keys = new NodeKeySource();
  const clock = { now: () => Date.now() };
  let stopping = false;
  let current: { runner: GatewayRunner; done: Promise<void> } | undefined;

  const start = (config: GroupConfig, runtime: UnitRuntimeConfig) => {
    const gateway = new Gateway({
      config,
      state: new FileStateStore(config.paths.state),
      exchange,
      backend,
      bird: new BirdAdapter({
        mode: 'process',
        configPath: config.paths.birdConfig,
        socketPath: runtime.bird.socket,
        pidPath: runtime.bird['pid-file'],
      }),
      keepalived: new KeepalivedAdapter({
        mode: 'process',
        configPath: config.paths.keepalivedConfig,
        runDir: runtime.keepalived['run-dir'],
      }),
      host: { enableForwarding: async () => void (await enableIpForwarding()) },
      clock,
      keys,
    });
    const self = { group: config.group, unit: config.unit };
    const peerings = config.peerings.map((p) => p.id);
    const runner = new GatewayRunner({
      reconcile: () => gateway.reconcile(),
      watch: (onChange) => exchange.watch(self, peerings, onChange),
      intervalMs: runtime['interval-seconds'] * 1000,
      debounceMs: runtime['debounce-ms'],
      onReport: (report, reason) => {
        const line = `${new Date().toISOString()} ${reason} ok=${report.ok} changes=${report.changes.length} problems=${report.problems.length}${report.error ? ` error=${report.error.message}` : ''}`;
        process.stdout.write(`${line}\n`);
        void writeStatus(join(dirname(file), 'status.json'), {
          pid: process.pid,
          unit: config.unit,
          at: Date.now(),
          reason,
          reconciles: runner.count,
          peerings,
          report,
        }).catch(() => undefined);
      },
      onError: (e) =>
        process.stderr.write(`reconcile threw: ${e instanceof Error ? e.message : String(e)}\n`),
    });
    current = { runner, done: runner.start() };
  };

  start(first.config, first.runtime);
  process.on('SIGHUP', () => {
    void (async () => {
      try {
        const next = await loadConfig(file);
        await current?.runner.stop();
        if (!stopping) start(next.config, next.runtime);
        process.stdout.write(`${new Date().toISOString()} reloaded ${file}\n`);
      } catch (e) {
        process.stderr.write(
          `reload failed, keeping the running config: ${e instanceof Error ? e.message : String(e)}\n`,
        );
      }
    })();
  });
  await new Promise<void>((resolve) => {
    const stop = () => {
      stopping = true;
      void (current?.runner.stop() ?? Promise.resolve()).then(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await exchange.close();
}
