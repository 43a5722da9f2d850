/**
 * The one place where backends, exchanges and daemon adapters are chosen and
 * constructed (like wgctrl's `newClients()`): commands ask for a
 * {@link Wiring} and never construct a port themselves.
 * @module
 */
import { readFile } from 'node:fs/promises';
import {
  birdDaemon,
  type DaemonConfigurator,
  DryRunBackend,
  type Exchange,
  Gateway,
  type GatewayPorts,
  type GroupConfig,
  type HostSystem,
  keepalivedDaemon,
  NodeKeySource,
  type WireGuardBackend,
} from '@wg-gateway/core';
import type { BirdAdapter, FileStateStore, KeepalivedAdapter } from '@wg-gateway/runtime';
import type { EtcdExchangeOptions } from '@wg-gateway/runtime/etcd';
import type { LoadedConfig } from './config-file.js';
import { CliError } from './errors.js';
import type { RuntimeSettings } from './runtime-section.js';
import { readTextIfExists } from './text-file.js';

/** Backend choices on the command line; `dry-run` touches nothing (plan, render, peerings). */
export type BackendChoice = 'wgquick' | 'netlink' | 'dry-run';

/** The config file with command-line overrides applied. */
export interface Settings extends LoadedConfig {
  readonly backend: BackendChoice;
}

/** Everything a command drives, built from {@link Settings}. */
export interface Wiring {
  readonly settings: Settings;
  readonly gateway: Gateway;
  readonly ports: GatewayPorts;
  readonly backend: WireGuardBackend;
  readonly exchange: Exchange;
  readonly state: FileStateStore;
  /** Present unless the backend is `dry-run`. */
  readonly bird: BirdAdapter | undefined;
  readonly keepalived: KeepalivedAdapter | undefined;
  /** Release sockets, watches and clients. Safe to call twice. */
  close(): Promise<void>;
}

// Backends and runtime are imported on first use: they pull in gRPC, netlink
// and prom-client, which `version`, `init` and `--help` never need.
type Runtime = typeof import('@wg-gateway/runtime');

async function makeBackend(
  choice: BackendChoice,
  group: GroupConfig,
  rt: RuntimeSettings,
): Promise<WireGuardBackend> {
  if (choice === 'dry-run') return new DryRunBackend();
  if (choice === 'wgquick') {
    const { WgQuickBackend } = await import('@wg-gateway/backend-wgquick');
    return new WgQuickBackend({
      configDir: group.paths.wireguardDir,
      ...(rt.userspace === undefined ? {} : { userspace: rt.userspace }),
    });
  }
  const { NetlinkBackend } = await import('@wg-gateway/backend-netlink');
  return new NetlinkBackend({
    mode: rt.userspace === undefined ? 'kernel' : 'userspace',
    ...(rt.userspace === undefined ? {} : { userspaceCommand: [rt.userspace] }),
    ...(rt.uapiDir === undefined ? {} : { uapiDir: rt.uapiDir }),
  });
}

async function readSecretFile(path: string, what: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (e) {
    throw new CliError('ETCD_CREDENTIALS_UNREADABLE', `cannot read etcd ${what} ${path}`, {
      cause: e,
      hint: `check runtime.etcd.${what} in the config file and the file's permissions`,
    });
  }
}

async function makeExchange(runtime: Runtime, rt: RuntimeSettings, debounceMs: number): Promise<Exchange> {
  const spec = rt.exchange;
  if (spec.kind === 'dir')
    return new runtime.DirectoryExchange(spec.path, { debounceMs: Math.min(debounceMs, 100) });
  const e = rt.etcd;
  const options: EtcdExchangeOptions = {
    endpoints: spec.endpoints,
    ...(e.prefix === undefined ? {} : { prefix: e.prefix }),
    ...(e.leaseTtlSeconds === undefined ? {} : { leaseTtlSeconds: e.leaseTtlSeconds }),
    ...(e.ca === undefined
      ? {}
      : {
          tls: {
            ca: await readSecretFile(e.ca, 'ca'),
            ...(e.cert === undefined ? {} : { cert: await readSecretFile(e.cert, 'cert') }),
            ...(e.key === undefined ? {} : { key: await readSecretFile(e.key, 'key') }),
          },
        }),
    ...(e.username === undefined
      ? {}
      : {
          auth: {
            username: e.username,
            password:
              e.passwordFile === undefined ? '' : await readSecretFile(e.passwordFile, 'password-file'),
          },
        }),
  };
  const { EtcdExchange } = await import('@wg-gateway/runtime/etcd');
  return new EtcdExchange(options);
}

/**
 * A configurator that only reads what is installed; `apply` refuses. For
 * `plan`/`render` with the dry-run backend, which must not start daemons.
 */
function readOnlyConfigurator(
  name: string,
  installed: () => Promise<string | undefined>,
): DaemonConfigurator {
  return {
    name,
    installed,
    apply: async () => {
      throw new CliError('DRY_RUN', `${name}: the dry-run backend never writes or reloads daemon configs`, {
        hint: 'use --backend wgquick or netlink to apply',
      });
    },
  };
}

/** Keepalived's installed file without the VRRP state-reporting block the adapter appends (dry run). */
async function installedKeepalived(
  runtime: Runtime,
  configPath: string,
  runDir: string,
): Promise<string | undefined> {
  const text = await readTextIfExists(configPath);
  const block = runtime.vrrpNotifyBlock(runDir, runtime.VRRP_NOTIFY_SCRIPT);
  return text?.endsWith(block) ? text.slice(0, -block.length) : text;
}

/** Build every port for `settings`. Nothing touches the system until a port is used. */
export async function createWiring(settings: Settings): Promise<Wiring> {
  const runtime = await import('@wg-gateway/runtime');
  const rt = settings.runtime;
  // Keepalived's track scripts need the route check; unless the file names
  // one, use the copy shipped with the runtime package.
  const group: GroupConfig = settings.routeCheckScriptSet
    ? settings.group
    : { ...settings.group, paths: { ...settings.group.paths, routeCheckScript: runtime.CHECK_ROUTE_SCRIPT } };
  const backend = await makeBackend(settings.backend, group, rt);
  const exchange = await makeExchange(runtime, rt, rt.debounceMs);
  const state = new runtime.FileStateStore(group.paths.state);
  const birdFile = () => readTextIfExists(group.paths.birdConfig);
  const kaFile = () => installedKeepalived(runtime, group.paths.keepalivedConfig, rt.keepalived.runDir);
  const dry = settings.backend === 'dry-run';
  const bird = dry
    ? undefined
    : new runtime.BirdAdapter({
        mode: rt.bird.mode,
        configPath: group.paths.birdConfig,
        socketPath: rt.bird.socket,
        ...(rt.bird.pidFile === undefined ? {} : { pidPath: rt.bird.pidFile }),
        ...(rt.bird.mainConfig === undefined ? {} : { include: { mainConfig: rt.bird.mainConfig } }),
      });
  const keepalived = dry
    ? undefined
    : new runtime.KeepalivedAdapter({
        mode: rt.keepalived.mode,
        configPath: group.paths.keepalivedConfig,
        runDir: rt.keepalived.runDir,
        ...(rt.keepalived.mainConfig === undefined
          ? {}
          : { include: { mainConfig: rt.keepalived.mainConfig } }),
      });
  const host: HostSystem | undefined = dry
    ? undefined
    : {
        enableForwarding: async () => {
          await runtime.enableIpForwarding();
        },
      };
  const ports: GatewayPorts = {
    config: group,
    state,
    exchange,
    backend,
    daemons: [
      bird?.daemonSpec() ??
        birdDaemon(readOnlyConfigurator('bird', birdFile), { include: rt.bird.mainConfig !== undefined }),
      keepalived?.daemonSpec() ?? keepalivedDaemon(readOnlyConfigurator('keepalived', kaFile)),
    ],
    ...(host ? { host } : {}),
    clock: { now: () => Date.now() },
    keys: new NodeKeySource(),
  };
  let closed: Promise<void> | undefined;
  return {
    settings,
    gateway: new Gateway(ports),
    ports,
    backend,
    exchange,
    state,
    bird,
    keepalived,
    close: () => {
      closed ??= Promise.allSettled([backend.close(), exchange.close()]).then(() => undefined);
      return closed;
    },
  };
}
