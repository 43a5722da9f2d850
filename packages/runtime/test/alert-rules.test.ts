/**
 * The shipped Prometheus rules and Grafana dashboard (examples/prometheus,
 * examples/grafana): promtool accepts the rules, every alert has a
 * `promtool test rules` case that passes, and every metric they use is one
 * the gateway exports. promtool comes with the Debian package prometheus.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DaemonSupervisor } from '../src/daemon-adapter/daemon-supervisor.js';
import { GatewayMetrics } from '../src/metrics/gateway-metrics.js';

const EXAMPLES = new URL('../../../examples/', import.meta.url).pathname;
const RULES = `${EXAMPLES}prometheus/alerts.yml`;

function promtool(...args: string[]): { status: number | null; output: string } {
  const r = spawnSync('promtool', args, { cwd: `${EXAMPLES}prometheus`, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new Error(`promtool: ${r.error.message} (install the Debian package prometheus)`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Metric names in PromQL text (ours, bird_exporter's and keepalived-exporter's prefixes). */
function metricNames(text: string): Set<string> {
  return new Set(
    [...text.matchAll(/\b((?:wg_gateway|bird|keepalived)_[a-z0-9_]+)\b/g)].map((m) => m[1] as string),
  );
}

/** Every metric name a running gateway exports (histograms with their series suffixes). */
async function exported(): Promise<Set<string>> {
  const metrics = new GatewayMetrics();
  new DaemonSupervisor({ daemons: [], registry: metrics.registry });
  const names = new Set<string>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram')
      for (const s of ['_bucket', '_sum', '_count']) names.add(`${m.name}${s}`);
  }
  return names;
}

describe('alert rules and dashboard', () => {
  it('promtool check rules accepts the alert rules', () => {
    const r = promtool('check', 'rules', RULES);
    expect(r.status, r.output).toBe(0);
  });

  it('promtool test rules passes, with a case for every alert', () => {
    const r = promtool('test', 'rules', 'alerts.test.yml');
    expect(r.status, r.output).toBe(0);
    const alerts = [...readFileSync(RULES, 'utf8').matchAll(/- alert: (\w+)/g)].map((m) => m[1]);
    const tested = new Set(
      [...readFileSync(`${EXAMPLES}prometheus/alerts.test.yml`, 'utf8').matchAll(/alertname: (\w+)/g)].map(
        (m) => m[1],
      ),
    );
    expect(alerts.filter((a) => !tested.has(a))).toEqual([]);
  });

  it('uses only metrics the gateway exports', async () => {
    const have = await exported();
    const dashboard = JSON.parse(readFileSync(`${EXAMPLES}grafana/wg-gateway-dashboard.json`, 'utf8')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
    const used = new Set([...metricNames(readFileSync(RULES, 'utf8')), ...metricNames(exprs)]);
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((n) => !have.has(n))).toEqual([]);
  });
});
