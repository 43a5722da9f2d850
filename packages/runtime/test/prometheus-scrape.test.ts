/**
 * A real Prometheus (Debian package prometheus) scrapes a gateway's metrics
 * endpoint with the shipped alert rules loaded: every metric the rules and
 * the Grafana dashboard use arrives, and every rule evaluates without error.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayReport, LinkRecord, ObservedInterface, UnitState } from '@wg-gateway/core';
import { freePort } from '@wg-gateway/testkit';
import { scrapeWithPrometheus } from '@wg-gateway/testkit/prometheus';
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
  // Only the fields the key metrics read: one key, a rotation in progress.
  metrics.keys.setKeys(
    {
      keys: [{ peering: 'a-b', publicKey: KEY, retired: false, createdAt: NOW - 86_400_000 }],
      rotations: { 'a-b': { requestedAt: NOW - 1000, reason: 'manual', keys: 1 } },
    } as unknown as UnitState,
    NOW,
  );
  metrics.setBirdStatus({
    protocols: parseProtocolsAll(fixture('show-protocols-all')),
    neighbors: parseOspfNeighbors(fixture('show-ospf-neighbors-forming')),
    routes: parseRouteCount(fixture('show-route-count')),
  });
  metrics.setVrrpStates([{ kind: 'INSTANCE', name: 'wg_gateway_vip_0', state: 'MASTER', priority: 150 }]);
  return metrics;
}

let server: MetricsServer | undefined;
let dir: string | undefined;
afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a real Prometheus scraping the gateway', () => {
  it('gets every metric the rules and dashboard use, and evaluates every rule', async () => {
    server = await startMetricsServer({ metrics: populated(), port: 0 });
    dir = await mkdtemp(join(tmpdir(), 'wg-prom-'));
    const r = await scrapeWithPrometheus({
      dir,
      target: `127.0.0.1:${server.port}`,
      webAddress: `127.0.0.1:${await freePort()}`,
      rulesFile: join(EXAMPLES, 'prometheus/alerts.yml'),
      dashboardFile: join(EXAMPLES, 'grafana/wg-gateway-dashboard.json'),
      spawn: ([file, ...args]) => spawn(file as string, args, { stdio: 'ignore' }),
      getJson: async (url) => (await fetch(url)).json(),
    });
    expect(r.missing).toEqual([]);
    expect(r.unhealthyRules).toEqual([]);
  }, 120_000);
});
