import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mustRunPrivileged } from '@wg-gateway/testkit/netns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type CliResult, removeTempDirs, runCli, tempDir, writeIn } from './cli-process.js';

const COMMANDS = [
  'init',
  'plan',
  'apply',
  'run',
  'status',
  'render',
  'peerings',
  'lab',
  'decommission',
  'version',
];

/** A valid unit config (JSON is YAML too) with every path inside `dir`. */
function unitConfig(dir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    unit: 'gw-a1',
    group: 'site-a',
    'ingress-address': '192.0.2.1',
    'advertise-prefixes': ['198.18.1.0/24', '2001:db8:a::/48'],
    peerings: [{ id: 'a-b', role: 'initiator' }],
    'router-id': '192.0.2.1',
    paths: {
      state: join(dir, 'state.json'),
      'wireguard-dir': join(dir, 'wireguard'),
      'bird-config': join(dir, 'bird.conf'),
      'keepalived-config': join(dir, 'keepalived.conf'),
    },
    runtime: {
      backend: 'wgquick',
      exchange: `dir:${join(dir, 'exchange')}`,
      bird: { mode: 'process', socket: join(dir, 'bird.ctl'), 'pid-file': join(dir, 'bird.pid') },
      keepalived: { mode: 'process', 'run-dir': join(dir, 'keepalived') },
    },
    ...extra,
  };
}

function writeConfig(dir: string, config: Record<string, unknown>, name = 'config.json'): string {
  return writeIn(dir, name, `${JSON.stringify(config, null, 2)}\n`);
}

beforeAll(() => assertBuilt());
afterAll(() => removeTempDirs());

// Each case starts the CLI a few times; on a loaded machine that takes a while.
describe('wg-gateway (no system access)', { timeout: 180_000 }, () => {
  it('prints its version, as text and as JSON', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const text = await runCli(['version']);
    expect(text.code).toBe(0);
    expect(text.stdout.trim()).toMatch(
      new RegExp(`^wg-gateway ${pkg.version.replaceAll('.', '\\.')} \\(node v\\d+`),
    );
    const json = await runCli(['version', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ name: 'wg-gateway', version: pkg.version });
    expect(json.stderr).toBe('');
  });

  it('documents exit codes and has an example in the help of every command', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/Exit codes:[\s\S]*0 {3}success[\s\S]*2 {3}plan: there are changes/);
    const helps = await Promise.all(COMMANDS.map((command) => runCli([command, '--help'])));
    for (const [i, command] of COMMANDS.entries()) {
      const help = helps[i] as CliResult;
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toMatch(/Examples:\n {2}(sudo )?wg-gateway /);
      expect(help.stdout, command).toContain(command);
    }
  });

  it('accepts every example config under examples/', async () => {
    const dir = tempDir();
    const root = fileURLToPath(new URL('../../../examples/', import.meta.url));
    const files = readdirSync(root).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) {
      const r = await runCli([
        '--config',
        join(root, f),
        '--state',
        join(dir, `${f}.state.json`),
        '--exchange',
        `dir:${join(dir, 'exchange')}`,
        'plan',
        '--backend',
        'dry-run',
        '--json',
      ]);
      expect(r.code, `${f}: ${r.stderr}`).toBe(2);
      // The dry run has no host facts, so no interface is known to hold the VIPs; nothing else may be wrong.
      const plan = JSON.parse(r.stdout) as { problems: { code: string }[] };
      expect(plan.problems.map((p) => p.code)).toEqual(['VIP_INTERFACE_UNKNOWN']);
    }
  });

  it('exits 64 on a usage error', async () => {
    const r = await runCli(['plan', '--no-such-option']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--no-such-option');
  });

  it('init writes a sample that plan --backend dry-run accepts, and refuses to overwrite it', async () => {
    const dir = tempDir();
    const file = join(dir, 'etc', 'config.yaml');
    const init = await runCli(['--config', file, 'init']);
    expect(init.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('# wg-gateway config');
    const g = ['--config', file, '--state', join(dir, 'state.json'), '--exchange', `dir:${join(dir, 'ex')}`];
    const plan = await runCli([...g, 'plan', '--backend', 'dry-run']);
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('WireGuard (dry-run backend):');
    const again = await runCli(['--config', file, 'init']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists; not overwritten[\s\S]*--force/);
    writeFileSync(file, 'changed\n');
    expect((await runCli(['--config', file, 'init', '--force'])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('# wg-gateway config');
  });

  it('a bad config names the file, the field path, the value and what is allowed', async () => {
    const dir = tempDir();
    const bad = unitConfig(dir, { tunnels: 1 });
    (bad.runtime as Record<string, unknown>).backend = 'kernel';
    const file = writeConfig(dir, bad);
    const r = await runCli(['--config', file, 'plan', '--backend', 'dry-run']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/tunnels: must be at least 2 \(got 1\)/);
    expect(r.stderr).toMatch(
      /runtime\.backend: unknown backend; known: dry-run, netlink, wgquick \(got "kernel"\)/,
    );
    const json = await runCli(['--config', file, '--json', 'plan', '--backend', 'dry-run']);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout) as {
      ok: boolean;
      error: { code: string; issues: { path: string; value: string }[] };
    };
    expect(doc.ok).toBe(false);
    expect(doc.error.code).toBe('CONFIG_INVALID');
    expect(doc.error.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'tunnels', value: '1' }),
        expect.objectContaining({ path: 'runtime.backend', value: '"kernel"' }),
      ]),
    );
  });

  it('checks the runtime section and --exchange', async () => {
    const dir = tempDir();
    const config = unitConfig(dir);
    const runtime = config.runtime as Record<string, unknown>;
    runtime.metrics = 'localhost';
    runtime.exchange = 'nfs:/srv/x';
    runtime.colour = 'blue';
    const file = writeConfig(dir, config);
    const r = await runCli(['--config', file, 'plan', '--backend', 'dry-run']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/runtime: Unrecognized key: "colour"/);
    const fixed = { ...config, runtime: { ...runtime, colour: undefined } };
    const file2 = writeConfig(dir, fixed, 'config2.json');
    const r2 = await runCli(['--config', file2, 'plan', '--backend', 'dry-run']);
    expect(r2.stderr).toMatch(/runtime\.exchange: must be dir:PATH or etcd:URL.* \(got "nfs:\/srv\/x"\)/);
    expect(r2.stderr).toMatch(/runtime\.metrics: must be HOST:PORT.* \(got "localhost"\)/);
    const flag = await runCli([
      '--config',
      writeConfig(dir, unitConfig(dir), 'ok.json'),
      '--exchange',
      'etcd:ftp://x',
      'plan',
    ]);
    expect(flag.code).toBe(64);
    expect(flag.stderr).toContain('etcd endpoints must be http(s)://HOST:PORT');
  });

  it('a YAML syntax error names the file, line and column', async () => {
    const dir = tempDir();
    const file = writeIn(
      dir,
      'config.yaml',
      'unit: gw-a1\ngroup: site-a\npeerings: [\n  { id: a-b, role: initiator }\nadvertise-prefixes: x\n',
    );
    const r = await runCli(['--config', file, 'plan', '--backend', 'dry-run']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/line \d+, column \d+: YAML syntax error/);
  });

  it('a missing config file says how to create one', async () => {
    const r = await runCli(['--config', '/nonexistent/wg-gateway.yaml', 'plan', '--backend', 'dry-run']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /cannot read config file \/nonexistent\/wg-gateway.yaml: ENOENT[\s\S]*wg-gateway init/,
    );
  });

  it('render bird prints a config that bird -p accepts', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, unitConfig(dir, { ospf: { hello: 2, dead: 8, bfd: {} } }));
    const r = await runCli(['--config', file, 'render', 'bird']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('router id 192.0.2.1;');
    const conf = writeIn(dir, 'rendered-bird.conf', r.stdout);
    // Throws (fails the test) when bird refuses the file.
    execFileSync('bird', ['-p', '-c', conf], { stdio: 'pipe' });
  });

  it('plan --backend dry-run --json is one JSON document and exits 2 on a fresh state', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, unitConfig(dir));
    const r = await runCli(['--config', file, 'plan', '--backend', 'dry-run', '--json']);
    expect(r.code).toBe(2);
    const plan = JSON.parse(r.stdout) as {
      empty: boolean;
      wireguard: unknown[];
      bird: { changed: boolean; diff: string };
      publish: { peerings: Record<string, Record<string, string>> };
    };
    expect(plan.empty).toBe(false);
    expect(plan.bird.changed).toBe(true);
    expect(plan.bird.diff).toMatch(/^--- \/dev\/null\n\+\+\+ /);
    expect(plan.publish.peerings['a-b']?.['public-keys']?.split(',')).toHaveLength(2);
    expect(r.stdout).not.toMatch(/privateKey|PrivateKey/);
  });

  it('plan exits 0 when nothing would change', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, unitConfig(dir));
    const rendered = await runCli(['--config', file, 'render', 'bird']);
    expect(rendered.code).toBe(0);
    writeFileSync(join(dir, 'bird.conf'), rendered.stdout);
    const r = await runCli(['--config', file, 'plan', '--backend', 'dry-run']);
    expect(r.stdout).toContain('Plan: nothing to change.');
    expect(r.code).toBe(0);
    // A changed file on disk is a change again.
    writeFileSync(
      join(dir, 'bird.conf'),
      rendered.stdout.replace('hello 5;', 'hello 6;').replace('router id', '# x\nrouter id'),
    );
    const changed = await runCli(['--config', file, 'plan', '--backend', 'dry-run']);
    expect(changed.code).toBe(2);
    expect(changed.stdout).toMatch(/^-# x$/m);
  });

  it('peerings lists each peering and the remote units in the exchange', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, unitConfig(dir));
    const r = await runCli(['--config', file, 'peerings', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ id: 'a-b', role: 'initiator', remoteUnits: [], problems: [] }]);
  });

  it('refuses --backend dry-run for apply', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, unitConfig(dir));
    const r = await runCli(['--config', file, 'apply', '--backend', 'dry-run']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('dry-run is only for plan');
  });
});

describe.runIf(mustRunPrivileged())('wg-gateway preflight', { timeout: 180_000 }, () => {
  it('names a missing tool and its Debian package', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, unitConfig(dir, {}));
    const bin = join(dir, 'bin');
    execFileSync('mkdir', [bin]);
    symlinkSync(process.execPath, join(bin, 'node'));
    const r = await runCli(['--config', file, 'apply'], { env: { ...process.env, PATH: bin } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /missing programs on PATH: ip \(.*Debian package iproute2\), wg \(.*wireguard-tools\)/,
    );
    expect(r.stderr).toContain('bird (OSPF routing; Debian package bird2)');
    expect(r.stderr).toMatch(/hint: install with: apt-get install iproute2 wireguard-tools procps bird2/);
  });

  it('says root is needed when run as another user', async () => {
    const dir = tempDir();
    execFileSync('chmod', ['755', dir]);
    const file = writeConfig(dir, unitConfig(dir));
    execFileSync('chmod', ['644', file]);
    const r = await runCli(['--config', file, 'status'], {
      prefix: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'],
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/status needs root[\s\S]*hint: run it as root/);
  });
});
