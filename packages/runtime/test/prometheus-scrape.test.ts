/**
 * A real Prometheus (Debian package prometheus) scrapes a gateway's metrics
 * endpoint with the shipped alert rules loaded: every metric the rules and
 * the Grafana dashboard use arrives, and every rule evaluates without error.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayReport, LinkRecord, ObservedInterface } from '@wg-gateway/core';
import { freePort } from '@wg-gateway/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBirdReply } from '../src/bird/bird-reply.js';
import { parseOspfNeighbors, parseProtocolsAll, parseRouteCount } from '../src/bird/bird-status.js';
import { DaemonSupervisor, type SupervisedDaemon } from '../src/daemon-adapter/daemon-supervisor.js';
import { GatewayMetrics } from '../src/metrics/gateway-metrics.js';
import { type MetricsServer, startMetricsServer } from '../src/metrics/metrics-server.js';

const EXAMPLES = new URL('../../../examples/', import.meta.url).pathname;
const fixture = (name: string) =>
  parseBirdReply(readFileSync(new URL(`fixtures/bird/${name}.reply`, import.meta.url), 'utf8'));
const NOW = Date.now();
const KEY = `${'A'.repeat(43)}=`;

/** A gateway's metrics with every family populated (a unit with one open link, BIRD, VRRP, a held remote unit). */
function populated(): GatewayMetrics {
  const metrics = new GatewayMetrics();
  // A fake daemon for the supervisor: only its name matters here (it zeroes the restart counter).
  const fakeBird = {
    name: 'bird',
    supervise: async () => ({ action: 'none' }),
  } as unknown as SupervisedDaemon;
  new DaemonSupervisor({ daemons: [fakeBird], registry: metrics.registry });
  const report: GatewayReport = {
    ok: true,
    changes: [],
    daemons: {},
    problems: [{ code: 'IMPORT_REFUSED', message: 'x', peering: 'a-b', unit: 'b1' }],
    timings: [{ stage: 'apply', ms: 12 }],
    links: { 'half-open': 0, open: 1, 'half-closed': 0, closed: 0 },
    startedAt: NOW - 100,
    durationMs: 100,
    exchange: {
      reachable: true,
      held: 1,
      units: [{ peering: 'a-b', unit: 'b1', state: 'held', ageSeconds: 90 }],
    },
  };
  metrics.recordReport(report);
  const link: LinkRecord = {
    peering: 'a-b',
    peerUnit: 'b0',
    status: 'open',
    publicKey: KEY,
    port: 50001,
    peerPublicKey: KEY,
    peerPrefixes: [],
    mtu: 1420,
    openedAt: NOW - 60_000,
  };
  const observed: ObservedInterface[] = [
    {
      name: 'wg50001',
      listenPort: 50001,
      publicKey: KEY,
      mtu: 1420,
      addresses: [],
      up: true,
      peers: [
        {
          publicKey: KEY,
          allowedIps: [],
          persistentKeepalive: 5,
          lastHandshake: NOW - 5000,
          rxBytes: 1,
          txBytes: 2,
        },
      ],
    },
  ];
  metrics.setTunnels([link], observed, NOW);
  metrics.setBirdStatus({
    protocols: parseProtocolsAll(fixture('show-protocols-all')),
    neighbors: parseOspfNeighbors(fixture('show-ospf-neighbors-forming')),
    routes: parseRouteCount(fixture('show-route-count')),
  });
  metrics.setVrrpStates([{ kind: 'INSTANCE', name: 'wg_gateway_vip_0', state: 'MASTER', priority: 150 }]);
  return metrics;
}

/** Metric names in PromQL text. */
function metricNames(text: string): string[] {
  return [
    ...new Set(
      [...text.matchAll(/\b((?:wg_gateway|bird|keepalived)_[a-z0-9_]+)\b/g)].map((m) => m[1] as string),
    ),
  ];
}

/** Poll `f` until it gives a value; `fatal` ends the wait early with its error. */
async function poll<T>(
  what: string,
  timeoutMs: number,
  f: () => Promise<T | undefined>,
  fatal: () => Error | undefined = () => undefined,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const failure = fatal();
    if (failure) throw failure;
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

let server: MetricsServer | undefined;
let prometheus: ChildProcess | undefined;
let dir: string | undefined;
afterAll(async () => {
  prometheus?.kill('SIGTERM');
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a real Prometheus scraping the gateway', () => {
  it('gets every metric the rules and dashboard use, and evaluates every rule', async () => {
    server = await startMetricsServer({ metrics: populated(), port: 0 });
    dir = await mkdtemp(join(tmpdir(), 'wg-prom-'));
    const webPort = await freePort();
    await writeFile(
      join(dir, 'prometheus.yml'),
      JSON.stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [join(EXAMPLES, 'prometheus/alerts.yml')],
        scrape_configs: [
          {
            job_name: 'wg-gateway',
            static_configs: [{ targets: [`127.0.0.1:${server.port}`], labels: { group: 'site-a' } }],
          },
        ],
      }),
    );
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${webPort}`,
      ],
      { stdio: 'ignore' },
    );
    let spawnError: Error | undefined;
    prometheus.on('error', (e) => {
      spawnError = new Error(`prometheus: ${e.message} (install the Debian package prometheus)`);
    });
    const api = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${webPort}/api/v1/${path}`);
      return ((await res.json()) as { data: unknown }).data;
    };
    const names = await poll(
      'the first scrape',
      60_000,
      async () => {
        const n = (await api('label/__name__/values')) as string[];
        return n.includes('wg_gateway_build_info') ? new Set(n) : undefined;
      },
      () => spawnError,
    );

    const dashboard = JSON.parse(
      readFileSync(join(EXAMPLES, 'grafana/wg-gateway-dashboard.json'), 'utf8'),
    ) as {
      panels: { targets: { expr: string }[] }[];
    };
    const used = metricNames(
      `${readFileSync(join(EXAMPLES, 'prometheus/alerts.yml'), 'utf8')}\n${dashboard.panels
        .flatMap((p) => p.targets.map((t) => t.expr))
        .join('\n')}`,
    );
    expect(used.filter((n) => !names.has(n))).toEqual([]);

    type Rules = { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
    const rules = await poll('every rule evaluated', 30_000, async () => {
      const r = ((await api('rules')) as Rules).groups.flatMap((g) => g.rules);
      return r.length > 0 && r.every((x) => x.health !== 'unknown') ? r : undefined;
    });
    expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError}`)).toEqual([]);
  }, 120_000);
});
