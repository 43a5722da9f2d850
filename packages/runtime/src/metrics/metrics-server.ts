/**
 * The HTTP endpoint: `/metrics` (Prometheus text format) and `/healthz`.
 * @module
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayMetrics } from './gateway-metrics.js';

/** Default listen address: loopback only, metrics are not for the world. */
export const DEFAULT_METRICS_HOST = '127.0.0.1';
/** Default port (the port prometheus_wireguard_exporter uses, whose job these metrics take over). */
export const DEFAULT_METRICS_PORT = 9586;

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  readonly metrics: GatewayMetrics;
  /** Default {@link DEFAULT_METRICS_HOST}. */
  readonly host?: string;
  /** Default {@link DEFAULT_METRICS_PORT}; 0 picks a free port. */
  readonly port?: number;
  /** `/healthz` fails when the last reconcile ended longer ago than this (default 5 min). */
  readonly maxReconcileAgeMs?: number;
  /** Called before each scrape, e.g. to read BIRD and VRRP status; a failure is logged by `onError`, the scrape goes on. */
  readonly beforeScrape?: () => Promise<void>;
  readonly onError?: (error: unknown) => void;
  /** Clock (epoch ms). */
  readonly now?: () => number;
}

/** Health verdict of `/healthz`. */
export interface Health {
  readonly ok: boolean;
  readonly reason?: string;
  readonly lastReconcileAt?: number;
}

/** Healthy when the last reconcile succeeded and ended less than `maxAgeMs` ago. */
export function healthOf(metrics: GatewayMetrics, now: number, maxAgeMs: number): Health {
  const r = metrics.lastReport;
  if (!r) return { ok: false, reason: 'no reconcile yet' };
  const endedAt = r.startedAt + r.durationMs;
  if (!r.ok) {
    return {
      ok: false,
      reason: `last reconcile failed at stage ${r.failedStage ?? 'unknown'}${r.error ? `: ${r.error.code}` : ''}`,
      lastReconcileAt: endedAt,
    };
  }
  if (now - endedAt > maxAgeMs) {
    return {
      ok: false,
      reason: `last reconcile ended ${Math.round((now - endedAt) / 1000)} s ago`,
      lastReconcileAt: endedAt,
    };
  }
  return { ok: true, lastReconcileAt: endedAt };
}

/** A running endpoint. */
export interface MetricsServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Serve `/metrics` and `/healthz` over HTTP. Resolves once listening. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { metrics } = options;
  const now = options.now ?? Date.now;
  const maxAge = options.maxReconcileAgeMs ?? 5 * 60_000;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      const h = healthOf(metrics, now(), maxAge);
      res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(h));
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
      return;
    }
    void (async () => {
      try {
        await options.beforeScrape?.();
      } catch (e) {
        options.onError?.(e);
      }
      try {
        const body = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body);
      } catch (e) {
        options.onError?.(e);
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n');
      }
    })();
  });
  const host = options.host ?? DEFAULT_METRICS_HOST;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_METRICS_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    host,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}
