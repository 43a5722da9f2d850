/**
 * docs/site-to-site.md, run as root in network namespaces: the guide's shell
 * blocks marked `<!-- ci:step NAME -->` (certificates with openssl, etcd with
 * TLS and client-certificate auth, per-group RBAC with etcdctl) and its
 * per-unit etcd config run with their paths moved into a temp dir; then one
 * unit per site (examples/site-a-0.yaml, site-b-0.yaml) runs the way the
 * systemd unit's ExecStart runs it, as a plain process (netlink backend on
 * wireguard-go, BIRD and Keepalived in process mode). The two units must
 * handshake and each site's prefix must reach the other's. Editing a marked
 * block in the guide changes what this test runs.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cleanupNamespaces,
  connect,
  createNetns,
  mustRunPrivileged,
  type Netns,
  sh,
  uniquePrefix,
} from '@wg-gateway/testkit/netns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { assertBuilt, BIN, removeTempDirs, runCli, tempDir } from './cli-process.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PREFIX = uniquePrefix('wsg');
const ETCD_URL = 'https://203.0.113.100:2379';

/** The fenced block after each `<!-- ci:step NAME -->` marker in a Markdown text. */
function guideSteps(markdown: string): Map<string, string> {
  const steps = new Map<string, string>();
  const re = /<!-- ci:step ([\w-]+) -->\s*\n```\w*\n([\s\S]*?)\n```/g;
  for (const m of markdown.matchAll(re)) steps.set(m[1] as string, m[2] as string);
  return steps;
}

/** Replace each host path of the guide with its place in the test's temp dir. */
function substitute(text: string, paths: Readonly<Record<string, string>>): string {
  let out = text;
  for (const [from, to] of Object.entries(paths)) out = out.split(from).join(to);
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Site {
  readonly name: 'site-a' | 'site-b';
  readonly ns: Netns;
  readonly dir: string;
  readonly config: string;
  child?: ChildProcess;
  log: string;
}

describe.runIf(mustRunPrivileged())(
  'docs/site-to-site.md in network namespaces',
  { timeout: 120_000 },
  () => {
    const steps = guideSteps(readFileSync(join(ROOT, 'docs/site-to-site.md'), 'utf8'));
    const step = (name: string): string => {
      const text = steps.get(name);
      if (text === undefined) throw new Error(`docs/site-to-site.md has no <!-- ci:step ${name} --> block`);
      return text;
    };
    let wan: Netns;
    const sites: Site[] = [];
    let root: string;
    let etcdPaths: Record<string, string>;

    beforeAll(async () => {
      assertBuilt();
      root = tempDir('wg-gateway-guide-');
      etcdPaths = { '/etc/etcd': join(root, 'etc-etcd'), '/var/lib/etcd': join(root, 'etcd-data') };
      // The internet: a bridge in its own namespace holding etcd's address,
      // each unit's underlay address on a veth into it.
      wan = await createNetns(`${PREFIX}w`);
      await wan.exec(['ip', 'link', 'add', 'br0', 'type', 'bridge']);
      await wan.exec(['ip', 'addr', 'add', '203.0.113.100/24', 'dev', 'br0']);
      await wan.exec(['ip', 'link', 'set', 'br0', 'up']);
      for (const [name, address, lan] of [
        ['site-a', '203.0.113.10', '198.18.0.10/32'],
        ['site-b', '203.0.113.20', '198.18.1.10/32'],
      ] as const) {
        const ns = await createNetns(`${PREFIX}${name.slice(-1)}`);
        const dir = join(root, name);
        mkdirSync(dir);
        sites.push({ name, ns, dir, config: join(dir, 'config.json'), log: '' });
        const uplink = `wan-${name.slice(-1)}`;
        await connect(
          { ns, ifname: 'eth0', addresses: [`${address}/24`] },
          { ns: wan, ifname: uplink, addresses: [] },
        );
        await wan.exec(['ip', 'link', 'set', uplink, 'master', 'br0']);
        // An address inside the site's advertised prefix (on lo: no dummy module everywhere).
        await ns.exec(['ip', 'addr', 'add', lan, 'dev', 'lo']);
      }
    }, 60_000);

    afterAll(async () => {
      for (const s of sites) s.child?.kill('SIGTERM');
      for (const s of sites) await s.ns.destroy();
      await wan?.destroy();
      await cleanupNamespaces(PREFIX);
      removeTempDirs();
    });

    it('makes the certificates, runs etcd with TLS and sets up the per-group roles', async () => {
      await sh(['sh', '-ec', substitute(step('certs'), etcdPaths)], { timeoutMs: 60_000 });
      // etcd runs in the foreground, as its own service would; destroying the
      // namespace kills it.
      const etcd = wan.spawn(['sh', '-ec', substitute(step('etcd'), etcdPaths)], { stdio: 'ignore' });
      etcd.unref();
      const e = etcdPaths['/etc/etcd'] as string;
      const tls = [`--cacert=${e}/ca.pem`, `--cert=${e}/root.pem`, `--key=${e}/root-key.pem`];
      let healthy = false;
      for (let i = 0; i < 100 && !healthy; i++) {
        healthy = await wan
          .exec(['etcdctl', `--endpoints=${ETCD_URL}`, ...tls, '--dial-timeout=1s', 'endpoint', 'health'])
          .then(
            () => true,
            () => false,
          );
        if (!healthy) await sleep(200);
      }
      expect(healthy, 'etcd answers over TLS').toBe(true);
      await wan.exec(['sh', '-ec', substitute(step('rbac'), etcdPaths)], { timeoutMs: 60_000 });
      // Auth is on: a group's certificate cannot write another group's keys.
      const asA = [`--cacert=${e}/ca.pem`, `--cert=${e}/site-a.pem`, `--key=${e}/site-a-key.pem`];
      await expect(
        wan.exec(['etcdctl', `--endpoints=${ETCD_URL}`, ...asA, 'put', '/wg-gateway/groups/site-b/x', 'y']),
      ).rejects.toThrow(/permission denied/);
    });

    it("runs one unit per site as the systemd unit's ExecStart does; tunnels handshake, prefixes reach each other", async () => {
      const unit = readFileSync(join(ROOT, 'examples/systemd/wg-gateway.service'), 'utf8');
      const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1]?.split(' ') ?? [];
      expect(execStart).toEqual(['/usr/bin/wg-gateway', '--config', '/etc/wg-gateway/config.yaml', 'run']);
      const e = etcdPaths['/etc/etcd'] as string;
      for (const s of sites) {
        // The guide's copy step: CA and the group's certificate into the unit's /etc/wg-gateway.
        const etc = join(s.dir, 'etc');
        mkdirSync(etc, { mode: 0o700 });
        writeFileSync(join(etc, 'etcd-ca.pem'), readFileSync(join(e, 'ca.pem')));
        writeFileSync(join(etc, `etcd-${s.name}.pem`), readFileSync(join(e, `${s.name}.pem`)));
        writeFileSync(join(etc, `etcd-${s.name}-key.pem`), readFileSync(join(e, `${s.name}-key.pem`)), {
          mode: 0o600,
        });
        // The guide's runtime block for this group; one etcd member here.
        const guide = parse(
          substitute(step('config'), {
            'etcd-site-a': `etcd-${s.name}`,
            '/etc/wg-gateway/': `${etc}/`,
            ',https://203.0.113.101:2379,https://203.0.113.102:2379': '',
          }),
        ) as { runtime: Record<string, unknown> };
        const example = parse(readFileSync(join(ROOT, `examples/${s.name}-0.yaml`), 'utf8')) as Record<
          string,
          unknown
        >;
        const config = {
          ...example,
          vips: [],
          ospf: { hello: 1, dead: 4 },
          paths: {
            state: join(s.dir, 'state.json'),
            'wireguard-dir': join(s.dir, 'wireguard'),
            'bird-config': join(s.dir, 'bird.conf'),
            'keepalived-config': join(s.dir, 'keepalived.conf'),
          },
          runtime: {
            ...guide.runtime,
            backend: 'netlink',
            userspace: 'wireguard-go',
            metrics: 'off',
            bird: { mode: 'process', socket: join(s.dir, 'bird.ctl'), 'pid-file': join(s.dir, 'bird.pid') },
            keepalived: { mode: 'process', 'run-dir': join(s.dir, 'keepalived') },
            'interval-seconds': 2,
            'debounce-ms': 100,
          },
        };
        expect(guide.runtime.exchange).toBe(`etcd:${ETCD_URL}`);
        writeFileSync(s.config, JSON.stringify(config, null, 2));
        const argv = execStart.flatMap((a) =>
          a === '/usr/bin/wg-gateway'
            ? [process.execPath, BIN]
            : a === '/etc/wg-gateway/config.yaml'
              ? [s.config]
              : [a],
        );
        const child = s.ns.spawn(argv, { stdio: ['ignore', 'ignore', 'pipe'] });
        child.stderr?.on('data', (c: Buffer) => {
          s.log = (s.log + c.toString()).slice(-8000);
        });
        s.child = child;
      }
      const [a, b] = sites as [Site, Site];

      const handshaken = async (s: Site): Promise<boolean> => {
        const r = await runCli(['--config', s.config, 'status', '--json'], {
          prefix: s.ns.enter,
          timeoutMs: 20_000,
        });
        if (r.code !== 0) return false;
        const st = JSON.parse(r.stdout) as { links: { state: string; lastHandshake: number | null }[] };
        return st.links.length === 2 && st.links.every((l) => l.state === 'open' && l.lastHandshake !== null);
      };
      let up = false;
      const deadline = Date.now() + 60_000;
      for (let i = 0; i < 60 && !up && Date.now() < deadline; i++) {
        up = (await handshaken(a)) && (await handshaken(b));
        if (!up) await sleep(1000);
      }
      expect(up, `both units' links handshake\n--- site-a\n${a.log}\n--- site-b\n${b.log}`).toBe(true);

      // The peer data went through etcd, each group under its own keys.
      const tls = [`--cacert=${e}/ca.pem`, `--cert=${e}/root.pem`, `--key=${e}/root-key.pem`];
      const keys = await wan.exec([
        'etcdctl',
        `--endpoints=${ETCD_URL}`,
        ...tls,
        'get',
        '--prefix',
        '--keys-only',
        '/wg-gateway/',
      ]);
      for (const g of ['site-a', 'site-b'])
        expect(keys.stdout).toContain(`/wg-gateway/peerings/a-b/${g}/${g}-0`);

      const ping = (from: Site, src: string, dst: string) =>
        from.ns.exec(['ping', '-c', '1', '-W', '1', '-I', src, dst]).then(
          () => true,
          () => false,
        );
      let reached = false;
      for (let i = 0; i < 40 && !reached && Date.now() < deadline + 20_000; i++) {
        reached =
          (await ping(a, '198.18.0.10', '198.18.1.10')) && (await ping(b, '198.18.1.10', '198.18.0.10'));
        if (!reached) await sleep(500);
      }
      expect(reached, `site-a's 198.18.0.10 and site-b's 198.18.1.10 reach each other\n${a.log}`).toBe(true);
    });
  },
);
