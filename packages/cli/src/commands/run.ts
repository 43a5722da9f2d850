/**
 * `wg-gateway run`: the daemon. Reconciles on peer-data changes (debounced),
 * on an interval and at start; serves metrics; SIGTERM/SIGINT stop it
 * cleanly, SIGHUP re-reads the config file.
 * @module
 */

import type { GatewayReport } from '@wg-gateway/core';
import type { Logger } from '@wg-gateway/runtime';
import type { Command } from 'commander';
import { bindAction, EXIT, examples } from '../command-kit.js';
import { type GlobalOptions, loadSettings } from '../global-options.js';
import { changeResultJson } from '../output/changes.js';
import { printJson } from '../output/json.js';
import { preflight } from '../preflight.js';
import { createWiring, type Settings } from '../wiring.js';

function logReport(logger: Logger, report: GatewayReport, reason: string): void {
  const fields = {
    reason,
    ok: report.ok,
    durationMs: report.durationMs,
    links: report.links,
    changes: report.changes.map(changeResultJson),
    daemons: report.daemons,
    problems: report.problems.length,
  };
  if (report.ok) logger.info(fields, 'reconciled');
  else logger.error({ ...fields, failedStage: report.failedStage, error: report.error }, 'reconcile failed');
  for (const p of report.problems) logger.warn({ problem: p }, p.message);
}

/** Run until SIGTERM/SIGINT; resolves to the exit code. */
export async function runDaemon(globals: GlobalOptions): Promise<number> {
  let settings: Settings = await loadSettings(globals);
  preflight(settings, 'apply', 'run');
  const { createLogger, DaemonSupervisor, GatewayMetrics, GatewayRunner, startMetricsServer } = await import(
    '@wg-gateway/runtime'
  );
  const { refreshMetrics } = await import('../daemon-metrics.js');
  const logger = createLogger({
    level: globals.logLevel,
    destination: process.stderr,
    base: { group: settings.group.group, unit: settings.group.unit },
  });
  const metrics = new GatewayMetrics();
  const stop = new AbortController();
  let cycle = new AbortController();
  let next: Settings | undefined;
  let current: Awaited<ReturnType<typeof createWiring>> | undefined;
  let reconciles = 0;

  const onStop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stopping');
    stop.abort();
    cycle.abort();
  };
  // The new file replaces the running config only when it is valid; the
  // metrics address and log fields stay until a restart.
  const onHup = async () => {
    logger.info({ file: settings.file }, 'SIGHUP: re-reading the config file');
    try {
      const s = await loadSettings(globals);
      preflight(s, 'apply', 'run');
      next = s;
      cycle.abort();
    } catch (e) {
      logger.error({ err: e }, 'new config refused; keeping the running one');
    }
  };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  const hup = () => void onHup();
  process.on('SIGHUP', hup);

  const listen = settings.runtime.metrics;
  const server = listen
    ? await startMetricsServer({
        metrics,
        host: listen.host,
        port: listen.port,
        beforeScrape: async () => {
          if (current)
            await refreshMetrics(metrics, current, (e, source) =>
              logger.debug({ err: e, source }, 'metrics source unavailable'),
            );
        },
        onError: (e) => logger.warn({ err: e }, 'metrics'),
      })
    : undefined;
  if (server)
    logger.info(
      { host: server.host, port: server.port },
      `metrics on http://${server.host.includes(':') ? `[${server.host}]` : server.host}:${server.port}/metrics`,
    );

  const supervisor = new DaemonSupervisor({
    daemons: () => [current?.bird, current?.keepalived].filter((d) => d !== undefined),
    registry: metrics.registry,
    log: logger,
  });
  try {
    while (!stop.signal.aborted) {
      const wiring = await createWiring(settings);
      current = wiring;
      const { group, runtime } = settings;
      const runner = new GatewayRunner({
        reconcile: () => wiring.gateway.reconcile(),
        watch: (onChange) =>
          wiring.exchange.watch(
            { group: group.group, unit: group.unit },
            group.peerings.map((p) => p.id),
            onChange,
          ),
        intervalMs: runtime.intervalSeconds * 1000,
        debounceMs: runtime.debounceMs,
        signal: cycle.signal,
        onReport: (report, reason) => {
          reconciles += 1;
          metrics.recordReport(report);
          logReport(logger, report, reason);
        },
        onError: (e, reason) => logger.error({ err: e, reason }, 'reconcile threw'),
        supervise: () => supervisor.tick(),
      });
      logger.info(
        { backend: settings.backend, exchange: runtime.exchange, intervalSeconds: runtime.intervalSeconds },
        'running',
      );
      await runner.start();
      current = undefined;
      await wiring.close();
      if (next) {
        settings = next;
        next = undefined;
        logger.info({ file: settings.file }, 'new config applied');
      }
      cycle = new AbortController();
    }
  } finally {
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    process.off('SIGHUP', hup);
    await server?.close();
  }
  logger.info({ reconciles }, 'stopped');
  if (globals.json) printJson({ ok: true, reconciles });
  return EXIT.ok;
}

/** Register `run`. */
export function registerRun(program: Command, exit: { code: number }): void {
  const cmd = program
    .command('run')
    .description('run continuously: reconcile on peer-data changes and on an interval, serve metrics')
    .addHelpText(
      'after',
      `
Signals: SIGTERM/SIGINT finish the reconcile in flight and exit 0; SIGHUP re-reads
the config file and applies it when valid (an invalid one is logged and ignored).
Logs are JSON lines on stderr; metrics on runtime.metrics (default 127.0.0.1:9586).
${examples('sudo wg-gateway run', 'sudo wg-gateway --log-level debug run', 'sudo systemctl reload wg-gateway   # SIGHUP: re-read the config')}`,
    );
  bindAction(cmd, exit, (globals) => runDaemon(globals));
}
