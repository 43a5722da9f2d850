/**
 * End to end, as root: two units of two groups in two network namespaces
 * joined by a veth, sharing a directory exchange, each driven only through
 * the built CLI (each backend on wireguard-go, BIRD and Keepalived in process mode).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cleanupNamespaces,
  connect,
  createNetns,
  mustRunPrivileged,
  type Netns,
  uniquePrefix,
} from '@wg-gateway/testkit/netns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  type CliResult,
  removeTempDirs,
  runCli,
  startCli,
  tempDir,
  waitCli,
} from './cli-process.js';

const PREFIX = uniquePrefix('wc');

/** Backends to run against; narrow with WG_GATEWAY_CLI_BACKENDS=wgquick (comma-separated). */
const BACKENDS = (process.env.WG_GATEWAY_CLI_BACKENDS ?? 'wgquick,netlink').split(',').filter(Boolean);

interface Unit {
  readonly name: string;
  readonly ns: Netns;
  readonly dir: string;
  readonly config: string;
}

interface StatusJson {
  links: {
    interface: string;
    state: string;
    present: boolean;
    endpoint: string | null;
    lastHandshake: number | null;
  }[];
  ospf: { neighbors?: { state: string; interface: string }[]; error?: string };
  vrrp: { states?: { kind: string; name: string; state: string }[]; error?: string } | null;
  problems: unknown[];
}

function configOf(
  dir: string,
  exchange: string,
  unit: string,
  group: string,
  ingress: string,
  prefix: string,
  role: string,
  vips: readonly string[],
  backend: string,
): Record<string, unknown> {
  return {
    unit,
    group,
    'ingress-address': ingress,
    'advertise-prefixes': [prefix],
    vips,
    peerings: [{ id: 'a-b', role }],
    'router-id': ingress,
    ospf: { hello: 1, dead: 4 },
    paths: {
      state: join(dir, 'state.json'),
      'wireguard-dir': join(dir, 'wireguard'),
      'bird-config': join(dir, 'bird.conf'),
      'keepalived-config': join(dir, 'keepalived.conf'),
    },
    runtime: {
      backend,
      userspace: 'wireguard-go',
      exchange: `dir:${exchange}`,
      metrics: '127.0.0.1:0',
      bird: { mode: 'process', socket: join(dir, 'bird.ctl'), 'pid-file': join(dir, 'bird.pid') },
      keepalived: { mode: 'process', 'run-dir': join(dir, 'keepalived') },
      'interval-seconds': 2,
      'debounce-ms': 100,
    },
  };
}

for (const backend of BACKENDS)
  describe.runIf(mustRunPrivileged())(`wg-gateway in network namespaces (${backend} backend)`, () => {
    let a: Unit;
    let b: Unit;

    const cli = (u: Unit, args: readonly string[]): Promise<CliResult> =>
      runCli(['--config', u.config, ...args], { prefix: u.ns.enter, timeoutMs: 90_000 });
    const status = async (u: Unit): Promise<StatusJson> => {
      const r = await cli(u, ['status', '--json']);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as StatusJson;
    };
    const converged = (s: StatusJson) =>
      s.links.length === 2 && s.links.every((l) => l.state === 'open' && l.present);

    beforeAll(async () => {
      assertBuilt();
      // PREFIX is unique to this run: nothing of ours exists yet, and other
      // runs' namespaces (same base, other suffix) are never touched.
      const root = tempDir();
      const exchange = join(root, 'exchange');
      const make = async (
        name: string,
        group: string,
        ingress: string,
        prefix: string,
        role: string,
        vips: readonly string[] = [],
      ): Promise<Unit> => {
        const dir = join(root, name);
        mkdirSync(dir);
        const ns = await createNetns(`${PREFIX}${backend.slice(0, 1)}${name}`);
        const config = join(dir, 'config.json');
        writeFileSync(
          config,
          JSON.stringify(configOf(dir, exchange, name, group, ingress, prefix, role, vips, backend), null, 2),
        );
        return { name, ns, dir, config };
      };
      a = await make('a1', 'site-a', '198.51.100.1', '198.18.1.0/24', 'initiator', ['198.51.100.10/24']);
      b = await make('b1', 'site-b', '198.51.100.2', '198.18.2.0/24', 'acceptor');
      await connect(
        { ns: a.ns, ifname: 'veth-a', addresses: ['198.51.100.1/24'] },
        { ns: b.ns, ifname: 'veth-b', addresses: ['198.51.100.2/24'] },
      );
    });

    afterAll(async () => {
      await a?.ns.destroy();
      await b?.ns.destroy();
      await cleanupNamespaces(`${PREFIX}${backend.slice(0, 1)}`);
      removeTempDirs();
    });

    it('apply on both sides opens the tunnels; status, plan and render agree', async () => {
      let last: [StatusJson, StatusJson] | undefined;
      // Each side needs the other's published data: a few rounds, bounded.
      for (let round = 0; round < 6; round++) {
        for (const u of [a, b]) {
          const r = await cli(u, ['apply', '--json']);
          expect(r.code, `${u.name} round ${round}: ${r.stdout}${r.stderr}`).toBe(0);
          expect(JSON.parse(r.stdout)).toMatchObject({ ok: true });
        }
        last = [await status(a), await status(b)];
        if (converged(last[0]) && converged(last[1])) break;
      }
      expect(last?.[0].links.map((l) => l.state)).toEqual(['open', 'open']);
      expect(last?.[1].links.map((l) => l.state)).toEqual(['open', 'open']);
      expect(last?.[0].links.every((l) => l.endpoint?.startsWith('198.51.100.2:'))).toBe(true);

      // Converged: nothing left to change on either side.
      for (const u of [a, b]) {
        const plan = await cli(u, ['plan']);
        expect(plan.code, `${u.name}: ${plan.stdout}${plan.stderr}`).toBe(0);
        expect(plan.stdout).toContain('Plan: nothing to change.');
      }

      // Tunnels carry handshakes and BIRD forms OSPF adjacencies over them (bounded wait).
      let s = await status(a);
      for (
        let i = 0;
        i < 40 &&
        !(
          s.links.every((l) => l.lastHandshake !== null) &&
          (s.ospf.neighbors ?? []).filter((n) => n.state.toLowerCase() === 'full').length >= 4
        );
        i++
      ) {
        await new Promise((r) => setTimeout(r, 1000));
        s = await status(a);
      }
      expect(
        s.links.every((l) => l.lastHandshake !== null),
        JSON.stringify(s),
      ).toBe(true);
      expect(
        (s.ospf.neighbors ?? []).filter((n) => n.state.toLowerCase() === 'full').length,
        JSON.stringify(s.ospf),
      ).toBeGreaterThanOrEqual(4);
      // The VIP's VRRP instance becomes MASTER (a missing route only lowers its priority).
      const master = (x: StatusJson) =>
        (x.vrrp?.states ?? []).some((v) => v.kind === 'INSTANCE' && v.state === 'MASTER');
      for (let i = 0; i < 40 && !master(s); i++) {
        await new Promise((r) => setTimeout(r, 1000));
        s = await status(a);
      }
      expect(master(s), JSON.stringify(s.vrrp)).toBe(true);
      const text = await cli(a, ['status']);
      expect(text.stdout).toMatch(/INSTANCE\s+\S+\s+MASTER/);
      expect(text.stdout).toMatch(/wg5\d{4}\s+open\s+(up|down|unknown)\s+a-b\s+b1\s+198\.51\.100\.2:5\d{4}/);

      // render wireguard hides the private keys unless asked.
      const state = JSON.parse(readFileSync(join(a.dir, 'state.json'), 'utf8')) as {
        keys: { privateKey: string }[];
      };
      const hidden = await cli(a, ['render', 'wireguard']);
      expect(hidden.code).toBe(0);
      expect(hidden.stdout.match(/PrivateKey = \(hidden\)/g)).toHaveLength(2);
      for (const k of state.keys) expect(hidden.stdout).not.toContain(k.privateKey);
      const shown = await cli(a, ['render', 'wireguard', '--show-secrets']);
      expect(shown.stderr).toContain('WARNING');
      expect(state.keys.some((k) => shown.stdout.includes(k.privateKey))).toBe(true);
    }, 400_000);

    it('run serves metrics, keeps its config on a bad SIGHUP and exits 0 on SIGTERM', async () => {
      const child = startCli(['--config', a.config, 'run'], { prefix: a.ns.enter });
      const done = waitCli(child, 90_000);
      let stderr = '';
      child.stderr?.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      const waitFor = async (re: RegExp, what: string) => {
        for (let i = 0; i < 300 && !re.test(stderr); i++) await new Promise((r) => setTimeout(r, 100));
        expect(stderr, what).toMatch(re);
      };
      await waitFor(/"msg":"reconciled"/, 'a first reconcile');
      const port = /metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(stderr)?.[1];
      expect(port).toBeDefined();
      const scrape = await a.ns.exec([
        'node',
        '-e',
        `fetch('http://127.0.0.1:${port}/metrics').then(r=>r.text()).then(t=>process.stdout.write(t))`,
      ]);
      expect(scrape.stdout).toMatch(/^wg_gateway_links\{state="open"\} 2$/m);

      const good = readFileSync(a.config, 'utf8');
      writeFileSync(a.config, good.replace('"unit": "a1"', '"unit": "a1", "tunnels": 1'));
      child.kill('SIGHUP');
      await waitFor(/new config refused/, 'the refusal of a bad config');
      expect(stderr).toMatch(/tunnels: must be at least 2 \(got 1\)/);
      expect(child.exitCode).toBeNull();
      writeFileSync(a.config, good);
      const before = (stderr.match(/"msg":"reconciled"/g) ?? []).length;
      child.kill('SIGHUP');
      await waitFor(/"msg":"new config applied"/, 'a valid config taken on SIGHUP');
      for (let i = 0; i < 300 && (stderr.match(/"msg":"reconciled"/g) ?? []).length <= before; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(
        (stderr.match(/"msg":"reconciled"/g) ?? []).length,
        'a reconcile under the new config',
      ).toBeGreaterThan(before);

      child.kill('SIGTERM');
      const r = await done;
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/"msg":"stopped"/);
    }, 120_000);
  });
