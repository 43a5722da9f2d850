import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { GatewayReport, LinkRecord, ObservedInterface } from '@wg-gateway/core';
import { register } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBirdReply } from '../src/bird/bird-reply.js';
import { parseOspfNeighbors, parseProtocolsAll, parseRouteCount } from '../src/bird/bird-status.js';
import { GatewayMetrics } from '../src/metrics/gateway-metrics.js';
import {
  DEFAULT_METRICS_HOST,
  type MetricsServer,
  startMetricsServer,
} from '../src/metrics/metrics-server.js';

const key = () => randomBytes(32).toString('base64');
const fixture = (name: string) =>
  parseBirdReply(readFileSync(new URL(`fixtures/bird/${name}.reply`, import.meta.url), 'utf8'));

const NOW = 1_800_000_000_000;

/** `promtool check metrics` on an exposition (Debian package prometheus; scripts/install.sh installs it). */
function promtoolCheckMetrics(body: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8', timeout: 20_000 });
  if (r.error) throw new Error(`promtool: ${r.error.message} (install the Debian package prometheus)`);
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

function report(over: Partial<GatewayReport> = {}): GatewayReport {
  return {
    ok: true,
    changes: [],
    daemons: { bird: { changed: false, enabled: true }, keepalived: { changed: false, enabled: true } },
    problems: [
      { code: 'PEER_DATA_INVALID', message: 'bad listen-ports', peering: 'dc1-dc2', unit: 'dc2/0' },
      { code: 'PEER_DATA_INVALID', message: 'bad mtu', peering: 'dc1-dc2', unit: 'dc2/1' },
    ],
    timings: [
      { stage: 'load-state', ms: 2 },
      { stage: 'apply', ms: 120 },
    ],
    links: { 'half-open': 1, open: 2, 'half-closed': 0, closed: 3 },
    startedAt: NOW - 1000,
    durationMs: 250,
    ...over,
  };
}

/** `name{a="x",b="y"} value` lines of the Prometheus text format. */
function parse(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] ?? ''] = l[2] ?? '';
    out.push({ name: m[1] ?? '', labels, value: Number(m[3]) });
  }
  return out;
}

describe('metrics endpoint', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves links, tunnels, reconcile, problems, BIRD and VRRP metrics over loopback, never a key', async () => {
    const keys = { ours: key(), peer: key(), priv: key(), other: key() };
    const links: LinkRecord[] = [
      {
        peering: 'dc1-dc2',
        peerUnit: 'dc2/0',
        status: 'open',
        publicKey: keys.ours,
        port: 50001,
        peerPublicKey: keys.peer,
        peerEndpoint: '198.51.100.2:50002',
        peerPrefixes: ['10.2.0.0/16'],
        mtu: 1420,
        openedAt: NOW - 60_000,
      },
      {
        peering: 'dc1-dc2',
        peerUnit: 'dc2/1',
        status: 'half-open',
        publicKey: keys.other,
        port: 50003,
        peerPublicKey: key(),
        peerPrefixes: [],
        mtu: 1420,
        openedAt: NOW,
      },
    ];
    const observed: ObservedInterface[] = [
      {
        name: 'wg50001',
        listenPort: 50001,
        publicKey: keys.ours,
        mtu: 1420,
        addresses: ['169.254.0.1/24'],
        up: true,
        peers: [
          {
            publicKey: keys.peer,
            endpoint: '198.51.100.2:50002',
            allowedIps: ['10.2.0.0/16'],
            persistentKeepalive: 5,
            lastHandshake: NOW - 42_000,
            rxBytes: 1234,
            txBytes: 5678,
          },
        ],
      },
    ];
    const metrics = new GatewayMetrics();
    metrics.recordReport(report({ ok: false, failedStage: 'publish', error: { code: 'X', message: 'y' } }));
    metrics.recordReport(report());
    metrics.setTunnels(links, observed, NOW);
    let scrapes = 0;
    server = await startMetricsServer({
      metrics,
      port: 0,
      now: () => NOW,
      beforeScrape: async () => {
        scrapes++;
        metrics.setBirdStatus({
          protocols: parseProtocolsAll(fixture('show-protocols-all')),
          neighbors: parseOspfNeighbors(fixture('show-ospf-neighbors-forming')),
          routes: parseRouteCount(fixture('show-route-count')),
        });
        metrics.setVrrpStates([
          { kind: 'GROUP', name: 'G1', state: 'MASTER' },
          { kind: 'INSTANCE', name: 'VI_1', state: 'MASTER', priority: 150 },
          { kind: 'INSTANCE', name: 'VI_2', state: 'BACKUP', priority: 100 },
        ]);
      },
    });
    expect(server.host).toBe(DEFAULT_METRICS_HOST);
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const body = await res.text();
    expect(scrapes).toBe(1);
    const samples = parse(body);
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        ?.value;

    expect(value('wg_gateway_links', { state: 'open' })).toBe(2);
    expect(value('wg_gateway_links', { state: 'closed' })).toBe(3);
    const tunnel = { interface: 'wg50001', peering: 'dc1-dc2', peer_unit: 'dc2/0' };
    expect(value('wg_gateway_tunnel_up', tunnel)).toBe(1);
    expect(value('wg_gateway_tunnel_last_handshake_age_seconds', tunnel)).toBe(42);
    expect(value('wg_gateway_tunnel_rx_bytes_total', tunnel)).toBe(1234);
    expect(value('wg_gateway_tunnel_tx_bytes_total', tunnel)).toBe(5678);
    expect(value('wg_gateway_tunnel_mtu_bytes', tunnel)).toBeGreaterThan(0);
    expect(body).toContain('# TYPE wg_gateway_tunnel_rx_bytes_total counter');
    expect(value('wg_gateway_build_info', { version: '0.1.0', node: process.version })).toBe(1);
    expect(samples.filter((s) => s.name === 'wg_gateway_tunnel_up')).toHaveLength(1); // half-open has no interface
    expect(value('wg_gateway_reconcile_duration_seconds_count')).toBe(2);
    expect(value('wg_gateway_reconcile_duration_seconds_sum')).toBe(0.5);
    expect(value('wg_gateway_reconcile_failures_total', { stage: 'publish' })).toBe(1);
    expect(value('wg_gateway_reconcile_failures_total', { stage: 'apply' })).toBe(0);
    expect(value('wg_gateway_reconciles_total', { result: 'ok' })).toBe(1);
    expect(value('wg_gateway_reconcile_stage_seconds', { stage: 'apply' })).toBe(0.12);
    expect(value('wg_gateway_problems', { peering: 'dc1-dc2', code: 'PEER_DATA_INVALID' })).toBe(2);
    expect(value('wg_gateway_last_reconcile_success')).toBe(1);

    // bird_exporter names.
    expect(value('bird_protocol_up', { name: 'ospf6', proto: 'OSPFv3', ip_version: '6' })).toBe(1);
    // Both instances are OSPFv3; the address family is ip_version.
    expect(value('bird_protocol_up', { name: 'ospf4', proto: 'OSPFv3', ip_version: '4' })).toBe(1);
    expect(samples.some((s) => s.labels.proto === 'OSPF')).toBe(false);
    expect(value('bird_protocol_prefix_import_count', { name: 'ospf4' })).toBe(4);
    expect(value('bird_protocol_prefix_export_count', { name: 'kernel6' })).toBe(2);
    expect(value('bird_ospfv3_running', { name: 'ospf6', ip_version: '6' })).toBe(1);
    expect(value('bird_ospfv3_neighbor_count', { name: 'ospf6', ip_version: '6' })).toBe(2);
    expect(value('bird_ospfv3_neighbor_adjacent_count', { name: 'ospf6', ip_version: '6' })).toBe(1);
    expect(value('wg_gateway_ospf_neighbors', { name: 'ospf4', state: 'Init' })).toBe(1);
    expect(value('wg_gateway_bird_routes', { table: 'master4' })).toBe(4);

    expect(value('wg_gateway_vrrp_state', { instance: 'VI_1', state: 'MASTER' })).toBe(1);
    expect(value('wg_gateway_vrrp_master', { instance: 'VI_2' })).toBe(0);
    // keepalived-exporter's numbering.
    expect(value('keepalived_vrrp_state', { iname: 'VI_1' })).toBe(2);
    expect(value('keepalived_vrrp_state', { iname: 'VI_2' })).toBe(1);

    // promtool agrees the exposition follows the conventions (counters end in _total, ...); its only
    // findings are bird_exporter's own `_count` gauges, kept by name so its dashboards work.
    const lint = promtoolCheckMetrics(body);
    const findings = lint.output.split('\n').filter((l) => l !== '');
    expect(findings.filter((l) => !/^bird_\S+_count non-histogram/.test(l))).toEqual([]);
    expect(findings.length).toBeLessThanOrEqual(4);
    expect(samples.some((s) => s.labels.instance === 'G1')).toBe(false);

    // No key, and nothing that looks like one, in any label value or anywhere in the body.
    for (const k of Object.values(keys)) expect(body).not.toContain(k);
    const keyLike = /^[A-Za-z0-9+/]{42,43}=?$/;
    const offending = samples.flatMap((s) => Object.values(s.labels)).filter((v) => keyLike.test(v));
    expect(offending).toEqual([]);

    // A dedicated registry: nothing lands in prom-client's global one.
    expect(await register.getMetricsAsJSON()).toEqual([]);
  });

  it('healthz: 503 with a reason until a recent reconcile succeeded', async () => {
    const metrics = new GatewayMetrics();
    let now = NOW;
    server = await startMetricsServer({ metrics, port: 0, now: () => now, maxReconcileAgeMs: 60_000 });
    const health = async () => {
      const res = await fetch(`http://127.0.0.1:${server?.port}/healthz`);
      return { status: res.status, body: (await res.json()) as { ok: boolean; reason?: string } };
    };
    expect(await health()).toEqual({ status: 503, body: { ok: false, reason: 'no reconcile yet' } });
    metrics.recordReport(
      report({ ok: false, failedStage: 'bird', error: { code: 'BIRD_CONFIG_INVALID', message: 'x' } }),
    );
    const failed = await health();
    expect(failed.status).toBe(503);
    expect(failed.body.reason).toBe('last reconcile failed at stage bird: BIRD_CONFIG_INVALID');
    metrics.recordReport(report());
    expect((await health()).status).toBe(200);
    now = NOW + 120_000;
    const stale = await health();
    expect(stale.status).toBe(503);
    expect(stale.body.reason).toMatch(/^last reconcile ended 121 s ago$/);
    expect((await fetch(`http://127.0.0.1:${server.port}/nope`)).status).toBe(404);
  });
});
