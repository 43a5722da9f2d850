/**
 * End-to-end, a real Prometheus scrapes a lab unit (real wireguard-go, BIRD,
 * Keepalived; metrics on in the lab): every metric the shipped alert rules
 * and Grafana dashboard use arrives from a running `wg-gateway run`, and
 * every rule evaluates. One backend is enough: metrics do not depend on it.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mustRunPrivileged } from '@wg-gateway/testkit/netns';
import { scrapeWithPrometheus } from '@wg-gateway/testkit/prometheus';
import { afterAll, describe, expect, it } from 'vitest';
import { LAB_METRICS_ADDRESS, type Lab } from '../src/index.js';
import { log, startLab } from './e2e-support.js';

const EXAMPLES = new URL('../../../examples/', import.meta.url).pathname;

describe.runIf(mustRunPrivileged())('e2e: a real Prometheus scraping a lab unit', () => {
  let lab: Lab | undefined;
  let dir: string | undefined;
  afterAll(async () => {
    await lab?.down();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('gets every metric the rules and dashboard use, and evaluates every rule', async () => {
    lab = await startLab({
      backend: 'wgquick',
      metrics: true,
      sites: [
        { name: 'a', units: 1, tunnels: 2, prefixes: ['3fff::/20', '192.0.2.0/24'], vips: ['192.0.2.1/24'] },
        { name: 'b', units: 1, tunnels: 2, prefixes: ['2001:db8::/32', '198.51.100.0/24'] },
      ],
    });
    const started = Date.now();
    dir = await mkdtemp(join(tmpdir(), 'wg-lab-prom-'));
    // Prometheus runs inside the unit's namespace: the endpoint is on that namespace's loopback.
    const ns = lab.ns('a-1');
    // GET from inside the namespace with this same Node (no curl needed on the machine).
    const getInNamespace = async (url: string) =>
      (
        await ns.exec(
          [
            process.execPath,
            '-e',
            'fetch(process.argv[1]).then((r) => r.text()).then((t) => process.stdout.write(t))',
            url,
          ],
          { timeoutMs: 10_000 },
        )
      ).stdout;
    const r = await scrapeWithPrometheus({
      dir,
      target: LAB_METRICS_ADDRESS,
      webAddress: '127.0.0.1:9090',
      rulesFile: join(EXAMPLES, 'prometheus/alerts.yml'),
      dashboardFile: join(EXAMPLES, 'grafana/wg-gateway-dashboard.json'),
      spawn: (argv) => {
        const [file, ...args] = [...ns.enter, ...argv];
        return spawn(file as string, args, { stdio: 'ignore' });
      },
      // The one metric allowed to be absent is known at once: do not wait out a full minute for it.
      timeoutMs: 15_000,
      getJson: async (url) => JSON.parse(await getInNamespace(url)),
    });
    log(`prometheus check took ${((Date.now() - started) / 1000).toFixed(1)} s after lab up`);
    // A healthy unit has no problems and has never rotated its keys, so these
    // labelled gauges have no series yet; they must still be declared.
    const onlyWithProblems = ['wg_gateway_problems', 'wg_gateway_key_rotation_in_progress'];
    expect(r.missing.filter((n) => !onlyWithProblems.includes(n))).toEqual([]);
    const exposition = await getInNamespace(`http://${LAB_METRICS_ADDRESS}/metrics`);
    for (const name of r.missing) expect(exposition, name).toContain(`# TYPE ${name} gauge`);
    expect(r.unhealthyRules).toEqual([]);
  }, 300_000);
});
