/**
 * A real Prometheus (Debian package prometheus) scraping one wg-gateway
 * metrics endpoint with the shipped alert rules: which metrics the rules and
 * the Grafana dashboard use but the scrape lacks, and which rules fail to
 * evaluate. Shared by the fixture-data test (runtime) and the lab test.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where Prometheus runs and how the check reaches its HTTP API. */
export interface PrometheusScrapeOptions {
  /** Scratch directory for prometheus.yml and the TSDB (the caller removes it). */
  readonly dir: string;
  /** `host:port` of the gateway's metrics endpoint, as Prometheus sees it. */
  readonly target: string;
  /** `host:port` Prometheus listens on. */
  readonly webAddress: string;
  /** examples/prometheus/alerts.yml. */
  readonly rulesFile: string;
  /** examples/grafana/wg-gateway-dashboard.json. */
  readonly dashboardFile: string;
  /** Start a process (on the host, or inside a namespace that reaches the target). */
  readonly spawn: (argv: readonly string[]) => ChildProcess;
  /** GET a URL of Prometheus' API and parse its JSON body. */
  readonly getJson: (url: string) => Promise<unknown>;
  /** How long to wait for the first scrape that has every used metric (default 60 s). */
  readonly timeoutMs?: number;
}

/** What the scrape showed. */
export interface PrometheusScrapeResult {
  /** Metrics the rules or dashboard use that the scrape did not deliver (want: none). */
  readonly missing: string[];
  /** Rules not evaluating cleanly, `name: error` (want: none). */
  readonly unhealthyRules: string[];
}

/** Metric names in PromQL text. */
export function metricNames(text: string): string[] {
  return [
    ...new Set(
      [...text.matchAll(/\b((?:wg_gateway|bird|keepalived)_[a-z0-9_]+)\b/g)].map((m) => m[1] as string),
    ),
  ];
}

/** Metric names the shipped rules and dashboard use. */
export function usedMetricNames(rulesFile: string, dashboardFile: string): string[] {
  const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as {
    panels: { targets: { expr: string }[] }[];
  };
  return metricNames(
    `${readFileSync(rulesFile, 'utf8')}\n${dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n')}`,
  );
}

/** Poll `f` until it gives a value or time runs out (then the last value, possibly undefined). */
async function poll<T>(
  timeoutMs: number,
  f: () => Promise<T | undefined>,
  fatal: () => Error | undefined,
): Promise<T | undefined> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const failure = fatal();
    if (failure) throw failure;
    const v = await f().catch(() => undefined);
    if (v !== undefined || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 500));
  }
}

type Rules = { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };

/**
 * Start Prometheus against `target`, wait until the used metrics arrive (or
 * the timeout) and every rule was evaluated, stop it, and report what is
 * missing. Throws when Prometheus cannot start or never answers.
 */
export async function scrapeWithPrometheus(
  options: PrometheusScrapeOptions,
): Promise<PrometheusScrapeResult> {
  const { dir, rulesFile } = options;
  const used = usedMetricNames(rulesFile, options.dashboardFile);
  await writeFile(
    join(dir, 'prometheus.yml'),
    JSON.stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [rulesFile],
      scrape_configs: [
        {
          job_name: 'wg-gateway',
          static_configs: [{ targets: [options.target], labels: { group: 'site-a' } }],
        },
      ],
    }),
  );
  const prometheus = options.spawn([
    'prometheus',
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=${options.webAddress}`,
  ]);
  let failure: Error | undefined;
  prometheus.on('error', (e) => {
    failure = new Error(`prometheus: ${e.message} (install the Debian package prometheus)`);
  });
  prometheus.on('exit', (code) => {
    failure ??= new Error(`prometheus exited with ${code}`);
  });
  const api = async (path: string) =>
    ((await options.getJson(`http://${options.webAddress}/api/v1/${path}`)) as { data: unknown }).data;
  try {
    let names: Set<string> | undefined;
    await poll(
      options.timeoutMs ?? 60_000,
      async () => {
        names = new Set((await api('label/__name__/values')) as string[]);
        return used.every((n) => names?.has(n)) ? names : undefined;
      },
      () => failure,
    );
    if (!names) throw new Error(`prometheus at ${options.webAddress} never answered`);
    const rules = await poll(
      30_000,
      async () => {
        const r = ((await api('rules')) as Rules).groups.flatMap((g) => g.rules);
        return r.length > 0 && r.every((x) => x.health !== 'unknown') ? r : undefined;
      },
      () => failure,
    );
    return {
      missing: used.filter((n) => !names?.has(n)),
      unhealthyRules: (rules ?? [{ name: 'rules', health: 'unknown', lastError: 'never evaluated' }])
        .filter((r) => r.health !== 'ok')
        .map((r) => `${r.name}: ${r.lastError}`),
    };
  } finally {
    prometheus.removeAllListeners('exit');
    prometheus.kill('SIGTERM');
  }
}
