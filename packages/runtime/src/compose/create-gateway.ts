/**
 * `createGateway(document)`: a config document → a wired core `Gateway`
 * (backend from the registry, exchange, state store, daemons). Nothing
 * touches the system until a port is used.
 * @module
 */
import { basename, join } from 'node:path';
import {
  type DaemonSpec,
  type Exchange,
  Gateway,
  type GatewayPorts,
  type GroupConfig,
  NodeKeySource,
  type WireGuardBackend,
} from '@wg-gateway/core';
import type { BirdAdapter } from '../bird/bird-adapter.js';
import type { KeepalivedAdapter } from '../keepalived/keepalived-adapter.js';
import { TRACK_DIR_NAME } from '../keepalived/track-files.js';
import type { NftTableDaemon } from '../nftables/nft-table-daemon.js';
import { DnsNameResolver } from '../resolver/dns-resolver.js';
import { BirdRoutingObserver } from '../rotation/routing-observer.js';
import { FileStateStore } from '../state/file-state-store.js';
import { commandRunner } from '../system/command.js';
import { KernelRouteReleaser } from '../system/nexthop-prune.js';
import { CHECK_ROUTE_SCRIPT } from '../system/scripts.js';
import { throttledHost } from '../system/throttled-host.js';
import { type BackendRegistry, defaultBackendRegistry, touchesHost } from './backend-registry.js';
import {
  type ConfigOverrides,
  type GatewayConfig,
  type ParseConfigOptions,
  parseGatewayConfig,
  withOverrides,
} from './config-document.js';
import { createDaemons } from './daemons.js';
import { createExchange } from './exchange-factory.js';

/** Options of {@link createGateway} and {@link composeGateway}. */
export interface ComposeOptions {
  /** Backends to choose from (default {@link defaultBackendRegistry}). */
  readonly registry?: BackendRegistry;
  /** Use this exchange instead of building the one the config names (tests, embedders). */
  readonly exchange?: Exchange;
  /**
   * Daemons configured after BIRD and Keepalived (e.g. the nftables rule set
   * of examples/nftables); each is one `DaemonSpec` (docs/daemons.md).
   */
  readonly extraDaemons?: readonly DaemonSpec[];
}

/** A wired gateway and the ports it drives. */
export interface ComposedGateway {
  readonly config: GatewayConfig;
  readonly gateway: Gateway;
  readonly ports: GatewayPorts;
  readonly backend: WireGuardBackend;
  readonly exchange: Exchange;
  readonly state: FileStateStore;
  /** The real adapters; undefined with a backend that touches no host (dry run). */
  readonly bird: BirdAdapter | undefined;
  readonly keepalived: KeepalivedAdapter | undefined;
  /** The MSS clamping table (see `mssClamping`); undefined when not managed or read-only. */
  readonly mssClamp: NftTableDaemon | undefined;
  /** Release sockets, watches and clients. Safe to call twice. */
  close(): Promise<void>;
}

/** Build every port for a validated `config`. */
export async function composeGateway(
  config: GatewayConfig,
  options: ComposeOptions = {},
): Promise<ComposedGateway> {
  const registry = options.registry ?? defaultBackendRegistry;
  const rt = config.runtime;
  // Keepalived's track scripts need the route check; unless the file names
  // one, use the copy shipped with this package. Ours (that copy, or the one
  // install-system.sh puts in /usr/lib/wg-gateway: same name) also defers to
  // the track files the daemon writes (RouteTrackFiles); another script
  // would not know `--track-file`, so there are no track files then.
  const routeCheckScript = config.routeCheckScriptSet
    ? config.group.paths.routeCheckScript
    : CHECK_ROUTE_SCRIPT;
  const group: GroupConfig = {
    ...config.group,
    paths: {
      ...config.group.paths,
      routeCheckScript,
      ...(basename(routeCheckScript) === basename(CHECK_ROUTE_SCRIPT)
        ? { trackFileDir: join(rt.keepalived.runDir, TRACK_DIR_NAME) }
        : {}),
    },
  };
  const entry = registry.get(rt.backend);
  const readOnly = !touchesHost(entry.capabilities(rt));
  const backend = await entry.create({ group, runtime: rt });
  let exchange: Exchange;
  try {
    exchange = options.exchange ?? (await createExchange(rt));
  } catch (e) {
    await backend.close();
    throw e;
  }
  const state = new FileStateStore(group.paths.state);
  const daemons = createDaemons(group, rt, readOnly);
  const ports: GatewayPorts = {
    config: group,
    state,
    exchange,
    backend,
    daemons: [...daemons.daemons, ...(options.extraDaemons ?? [])],
    // Host switches are checked once a minute, not on every reconcile (no sysctl in a steady state).
    ...(daemons.host ? { host: throttledHost(daemons.host) } : {}),
    // A deleted link never takes a whole IPv4 multipath route with it (runs only when links are deleted).
    ...(readOnly ? {} : { routes: new KernelRouteReleaser(commandRunner({ timeoutMs: 5000 })) }),
    // Key rotation drains a link only on what BIRD and the kernel show (asked only while one runs).
    ...(readOnly ? {} : { routing: new BirdRoutingObserver(rt.bird.socket) }),
    clock: { now: () => Date.now() },
    keys: new NodeKeySource(),
    resolver: new DnsNameResolver({
      ...(rt.resolver.servers.length > 0 ? { servers: rt.resolver.servers } : {}),
      timeoutMs: rt.resolver.timeoutMs,
    }),
  };
  let closed: Promise<void> | undefined;
  return {
    config: { ...config, group },
    gateway: new Gateway(ports),
    ports,
    backend,
    exchange,
    state,
    bird: daemons.birdAdapter,
    keepalived: daemons.keepalivedAdapter,
    mssClamp: daemons.mssClamp,
    close: () => {
      closed ??= Promise.allSettled([backend.close(), exchange.close()]).then(() => undefined);
      return closed;
    },
  };
}

/** Options of {@link createGateway}. */
export interface CreateGatewayOptions extends ComposeOptions, Omit<ParseConfigOptions, 'registry'> {
  /** Overrides applied after validation (the CLI's `--backend`, `--exchange`, `--state`). */
  readonly overrides?: ConfigOverrides;
}

/**
 * Validate a whole config document (group + `runtime:`) and wire a gateway.
 *
 * @example
 * ```ts
 * const gw = await createGateway(parse(readFileSync('gw.yaml', 'utf8')), { overrides: { backend: 'dry-run' } });
 * try { console.log((await gw.gateway.plan()).changes); } finally { await gw.close(); }
 * ```
 * @throws {GatewayConfigError} naming each bad field.
 */
export async function createGateway(
  document: unknown,
  options: CreateGatewayOptions = {},
): Promise<ComposedGateway> {
  const registry = options.registry ?? defaultBackendRegistry;
  let config = parseGatewayConfig(document, {
    registry,
    ...(options.file === undefined ? {} : { file: options.file }),
    ...(options.base === undefined ? {} : { base: options.base }),
  });
  if (options.overrides) config = withOverrides(config, options.overrides, registry);
  return composeGateway(config, options);
}
