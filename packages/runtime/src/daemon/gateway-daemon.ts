/**
 * The daemon around a composed gateway: a {@link GatewayRunner} loop per
 * config, the metrics endpoint (refreshed before each scrape), and signals:
 * SIGTERM/SIGINT finish the reconcile in flight and stop; SIGHUP re-reads
 * the config and swaps it in when valid (an invalid one is logged and the
 * running one kept).
 * @module
 */
import type { GatewayReport } from '@wg-gateway/core';
import { EarlyRoutes } from '../bird/early-routes.js';
import { FastReroute } from '../bird/fast-reroute.js';
import { type BackendRegistry, defaultBackendRegistry } from '../compose/backend-registry.js';
import { type GatewayConfig, loadGatewayConfig } from '../compose/config-document.js';
import { type ComposedGateway, type ComposeOptions, composeGateway } from '../compose/create-gateway.js';
import { refreshMetrics } from '../compose/metrics-refresh.js';
import { DaemonSupervisor } from '../daemon-adapter/daemon-supervisor.js';
import { RouteTrackFiles } from '../keepalived/track-files.js';
import { createLogger, type Logger } from '../log.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { type MetricsServer, startMetricsServer } from '../metrics/metrics-server.js';
import { commandRunner } from '../system/command.js';
import { EventMonitor } from '../system/event-monitor.js';
import { GatewayRunner, type TriggerReason } from './gateway-runner.js';

/** Options of {@link GatewayDaemon}. */
/** Track files are rewritten at least this often even without route events (a monitor that could not run). */
const TRACK_FALLBACK_MS = 60_000;

export interface GatewayDaemonOptions {
  /** The validated config to start with. */
  readonly config: GatewayConfig;
  /**
   * Re-read the config on SIGHUP or {@link GatewayDaemon.reload} (and check
   * it: throw to refuse it). Default: re-read `config.file`.
   */
  readonly load?: () => Promise<GatewayConfig>;
  readonly registry?: BackendRegistry;
  /** Daemons configured after BIRD and Keepalived (see {@link ComposeOptions.extraDaemons}). */
  readonly extraDaemons?: ComposeOptions['extraDaemons'];
  /** Default: JSON lines on stderr with the group and unit. */
  readonly logger?: Logger;
  /** Handle SIGTERM, SIGINT and SIGHUP (default true). */
  readonly signals?: boolean;
  /** Serve metrics on `runtime.metrics` (default true; `metrics: off` in the file also turns it off). */
  readonly serveMetrics?: boolean;
  /** Called with every report, after it is logged and counted. */
  readonly onReport?: (report: GatewayReport, reason: TriggerReason) => void;
}

/** A report's stage timings as one `{stage: ms}` object for the log. */
export function stageTimings(report: GatewayReport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of report.timings) out[t.stage] = (out[t.stage] ?? 0) + t.ms;
  return out;
}

function logReport(logger: Logger, report: GatewayReport, reason: string): void {
  const fields = {
    reason,
    ok: report.ok,
    durationMs: report.durationMs,
    // Where the time went, per stage in order (ms); a stage run twice sums.
    stages: stageTimings(report),
    links: report.links,
    changes: report.changes.map((c) => ({
      name: c.name,
      action: c.action,
      ok: c.ok,
      operations: c.operations,
      ...(c.error ? { error: { code: c.error.code, message: c.error.message } } : {}),
    })),
    daemons: report.daemons,
    problems: report.problems.length,
  };
  if (report.ok) logger.info(fields, 'reconciled');
  else logger.error({ ...fields, failedStage: report.failedStage, error: report.error }, 'reconcile failed');
  for (const p of report.problems) logger.warn({ problem: p }, p.message);
}

/** Runs a gateway until stopped. */
export class GatewayDaemon {
  readonly metrics = new GatewayMetrics();
  readonly logger: Logger;
  readonly #o: GatewayDaemonOptions;
  #config: GatewayConfig;
  #next: GatewayConfig | undefined;
  #current: ComposedGateway | undefined;
  readonly #stop = new AbortController();
  #cycle = new AbortController();
  #server: MetricsServer | undefined;
  // Restarts BIRD/Keepalived found dead (process mode) on the runner's tick.
  readonly #supervisor: DaemonSupervisor;
  /** Reconciles completed so far (across reloads). */
  reconciles = 0;

  constructor(options: GatewayDaemonOptions) {
    this.#o = options;
    this.#config = options.config;
    this.logger =
      options.logger ??
      createLogger({
        destination: process.stderr,
        base: { group: options.config.group.group, unit: options.config.group.unit },
      });
    this.#supervisor = new DaemonSupervisor({
      daemons: () =>
        [this.#current?.bird, this.#current?.keepalived, this.#current?.mssClamp].filter(
          (d) => d !== undefined,
        ),
      registry: this.metrics.registry,
      log: this.logger,
    });
  }

  /** The config running now. */
  get config(): GatewayConfig {
    return this.#config;
  }

  /** The gateway wired now (undefined between configs). */
  get current(): ComposedGateway | undefined {
    return this.#current;
  }

  /** The metrics endpoint, once {@link run} started it. */
  get server(): MetricsServer | undefined {
    return this.#server;
  }

  /** Finish the reconcile in flight and stop. */
  stop(reason = 'stop'): void {
    this.logger.info({ signal: reason }, 'stopping');
    this.#stop.abort();
    this.#cycle.abort();
  }

  /** Re-read the config; swap it in when valid. Resolves to whether it was taken. */
  async reload(): Promise<boolean> {
    this.logger.info({ file: this.#config.file }, 'reload: re-reading the config');
    try {
      const file = this.#config.file;
      const load =
        this.#o.load ??
        (() => {
          if (file === undefined) throw new Error('no config file to re-read (pass options.load)');
          return loadGatewayConfig(file, { registry: this.#o.registry ?? defaultBackendRegistry });
        });
      this.#next = await load();
      this.#cycle.abort();
      return true;
    } catch (e) {
      this.logger.error({ err: e }, 'new config refused; keeping the running one');
      return false;
    }
  }

  /**
   * Run until {@link stop} (or SIGTERM/SIGINT). The metrics address and log
   * fields stay as started until a restart.
   */
  async run(): Promise<{ reconciles: number }> {
    const onStop = (signal: NodeJS.Signals) => this.stop(signal);
    const onHup = () => void this.reload();
    const signals = this.#o.signals ?? true;
    if (signals) {
      process.on('SIGTERM', onStop);
      process.on('SIGINT', onStop);
      process.on('SIGHUP', onHup);
    }
    try {
      await this.#startMetrics();
      while (!this.#stop.signal.aborted) await this.#runOnce();
    } finally {
      if (signals) {
        process.off('SIGTERM', onStop);
        process.off('SIGINT', onStop);
        process.off('SIGHUP', onHup);
      }
      await this.#server?.close();
      this.#server = undefined;
    }
    this.logger.info({ reconciles: this.reconciles }, 'stopped');
    return { reconciles: this.reconciles };
  }

  async #startMetrics(): Promise<void> {
    const listen = this.#config.runtime.metrics;
    if (!listen || this.#o.serveMetrics === false) return;
    this.#server = await startMetricsServer({
      metrics: this.metrics,
      host: listen.host,
      port: listen.port,
      beforeScrape: async () => {
        if (this.#current)
          await refreshMetrics(this.metrics, this.#current, (e, source) =>
            this.logger.debug({ err: e, source }, 'metrics source unavailable'),
          );
      },
      onError: (e) => this.logger.warn({ err: e }, 'metrics'),
    });
    const { host, port } = this.#server;
    this.logger.info(
      { host, port },
      `metrics on http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`,
    );
  }

  /** One config's lifetime: wire, loop until stopped or reloaded, release. */
  async #runOnce(): Promise<void> {
    const config = this.#config;
    const gw = await composeGateway(config, {
      ...(this.#o.registry ? { registry: this.#o.registry } : {}),
      ...(this.#o.extraDaemons ? { extraDaemons: this.#o.extraDaemons } : {}),
    });
    this.#current = gw;
    const { group, runtime } = config;
    // The Keepalived track files: rewritten the moment fast reroute prunes
    // and on every route change (the monitor below).
    const trackFiles = gw.keepalived
      ? new RouteTrackFiles({ run: commandRunner({ timeoutMs: 5000 }), log: this.logger })
      : undefined;
    const runner = new GatewayRunner({
      reconcile: () => gw.gateway.reconcile(),
      watch: (onChange) =>
        gw.exchange.watch(
          { group: group.group, unit: group.unit },
          group.peerings.map((p) => p.id),
          onChange,
        ),
      intervalMs: runtime.intervalSeconds * 1000,
      debounceMs: runtime.debounceMs,
      signal: this.#cycle.signal,
      onReport: (report, reason) => {
        if (trackFiles && gw.keepalived) {
          const keepalived = gw.keepalived;
          void keepalived
            .installed()
            // Route changes come from the route monitor; a reconcile only
            // matters when it changed which files Keepalived watches.
            .then((text) => (trackFiles.setConfig(text) ? trackFiles.refresh() : undefined))
            .catch((e) => this.logger.debug({ err: e }, 'track files: keepalived.conf not readable'));
        }
        this.reconciles += 1;
        this.metrics.recordReport(report);
        logReport(this.logger, report, reason);
        this.#o.onReport?.(report, reason);
      },
      onError: (e, reason) => this.logger.error({ err: e, reason }, 'reconcile threw'),
      supervise: () => this.#supervisor.tick(),
    });
    this.logger.info(
      { backend: runtime.backend, exchange: runtime.exchange, intervalSeconds: runtime.intervalSeconds },
      'running',
    );
    // With BFD on, take a dead link's next hops out of the kernel as soon as
    // BIRD drops its neighbour, instead of at BIRD's next OSPF tick (≤ 1 s).
    // The same poll puts a link that has just come up into the kernel's
    // routes at once (early routes), seconds before BIRD's own calculation.
    const bfd = group.routing.bfd;
    const bird = gw.bird;
    const early =
      bird && bfd
        ? new EarlyRoutes({
            run: commandRunner({ timeoutMs: 5000 }),
            log: this.logger,
            links: () => bird.links,
            onChange: (n) => this.metrics.setEarlyRoutes(n),
          })
        : undefined;
    const reroute =
      bird && bfd
        ? new FastReroute({
            socketPath: runtime.bird.socket,
            pollMs: Math.max(20, Math.round(bfd.intervalMs / 2)),
            run: commandRunner({ timeoutMs: 5000 }),
            log: this.logger,
            ...(trackFiles ? { onPrune: () => void trackFiles.refresh() } : {}),
            ...(early ? { onAdjacencies: (full) => early.observe(full) } : {}),
          })
        : undefined;
    reroute?.start();
    // Track files follow every route change BIRD makes (a route back, one
    // withdrawn without a prune) as it happens, from one long-lived
    // `ip monitor route`: a steady gateway spawns nothing for them. The slow
    // timer only covers a monitor that could not run. Fast reroute first
    // takes out dead next hops that BIRD put back (a stale route computation
    // after a link went down), so the files never count them as routes.
    const monitor =
      trackFiles || reroute
        ? new EventMonitor({
            onChange: () =>
              void (async () => {
                await reroute?.routesChanged();
                await trackFiles?.refresh();
              })(),
            log: this.logger,
          })
        : undefined;
    monitor?.start();
    // The MSS clamping table is trusted between reconciles; any table event
    // (someone flushed the ruleset, or our own load) makes the next one look.
    const mssClamp = gw.mssClamp;
    const tables = mssClamp
      ? new EventMonitor({
          command: ['nft', 'monitor', 'tables'],
          onChange: () => mssClamp.invalidate(),
          log: this.logger,
        })
      : undefined;
    tables?.start();
    const trackTimer = trackFiles
      ? setInterval(() => void trackFiles.refresh(), TRACK_FALLBACK_MS)
      : undefined;
    trackTimer?.unref();
    try {
      await runner.start();
    } finally {
      reroute?.stop();
      // BIRD's routes stay; the early ones go with the process that checks
      // them, or pass to the next cycle's watcher on a config reload that
      // keeps BFD (hence early routes) on.
      await early
        ?.stop({ withdraw: !this.#next?.group.routing.bfd })
        .catch((e) => this.logger.warn({ err: e }, 'early routes: not withdrawn'));
      monitor?.stop();
      tables?.stop();
      clearInterval(trackTimer);
      // Left at 1, a file would hold the priority down after this process
      // is gone; at 0 the track scripts alone check the routes. A config
      // reload keeps them: the next cycle rewrites them from the routes.
      if (this.#next) trackFiles?.close();
      else await trackFiles?.release();
      this.#current = undefined;
      await gw.close();
    }
    if (this.#next) {
      this.#config = this.#next;
      this.#next = undefined;
      this.logger.info({ file: this.#config.file }, 'new config applied');
    }
    this.#cycle = new AbortController();
  }
}
