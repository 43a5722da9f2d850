/**
 * scripts/install-system.sh, as root: installs the command, the route check
 * and the systemd unit (here under a temporary PREFIX), then the unit's own
 * ExecStart line runs an example config in a network namespace until it has
 * reconciled, and stops cleanly on SIGTERM.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createNetns, isRoot, mustRunPrivileged, type Netns, uniquePrefix } from '@wg-gateway/testkit/netns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { removeTempDirs, tempDir, waitCli } from './cli-process.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);

describe.runIf(mustRunPrivileged())('scripts/install-system.sh', { timeout: 600_000 }, () => {
  let prefix: string;
  let ns: Netns | undefined;

  beforeAll(async () => {
    if (!isRoot()) throw new Error('the system install test needs root');
    prefix = tempDir('wg-gateway-system-');
    await run(join(ROOT, 'scripts/install-system.sh'), {
      env: { ...process.env, PREFIX: prefix },
      timeout: 500_000,
    });
  }, 600_000);

  afterAll(async () => {
    await ns?.destroy();
    removeTempDirs();
  });

  it('installs the command, the route check and the unit', async () => {
    const bin = join(prefix, 'bin/wg-gateway');
    const { stdout } = await run(bin, ['version']);
    expect(stdout).toMatch(/^wg-gateway \d+\.\d+\.\d+/);
    const check = join(prefix, 'lib/wg-gateway/check-route.sh');
    accessSync(check, constants.X_OK);
    expect(statSync(join(prefix, 'lib/systemd/system/wg-gateway.service')).isFile()).toBe(true);
    expect(statSync(join(prefix, 'share/doc/wg-gateway/cli.md')).isFile()).toBe(true);
  });

  it("runs the unit's ExecStart with an example config in a namespace and stops on SIGTERM", async () => {
    const unit = readFileSync(join(prefix, 'lib/systemd/system/wg-gateway.service'), 'utf8');
    const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1]?.split(' ') ?? [];
    expect(execStart).toEqual([
      join(prefix, 'bin/wg-gateway'),
      '--config',
      '/etc/wg-gateway/config.yaml',
      'run',
    ]);

    // examples/site-a-0.yaml with its files and daemons moved into a temp dir
    // (process mode: no systemd here) and a directory exchange.
    const dir = tempDir();
    const example = parse(readFileSync(join(ROOT, 'examples/site-a-0.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    const config = {
      ...example,
      paths: {
        state: join(dir, 'state.json'),
        'wireguard-dir': join(dir, 'wireguard'),
        'bird-config': join(dir, 'bird.conf'),
        'keepalived-config': join(dir, 'keepalived.conf'),
        'route-check-script': join(prefix, 'lib/wg-gateway/check-route.sh'),
      },
      runtime: {
        backend: 'netlink',
        userspace: 'wireguard-go',
        exchange: `dir:${join(dir, 'exchange')}`,
        metrics: 'off',
        bird: { mode: 'process', socket: join(dir, 'bird.ctl'), 'pid-file': join(dir, 'bird.pid') },
        keepalived: { mode: 'process', 'run-dir': join(dir, 'keepalived') },
      },
    };
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(config, null, 2));
    ns = await createNetns(uniquePrefix('wis'));
    const argv = execStart.map((a) => (a === '/etc/wg-gateway/config.yaml' ? file : a));
    const child = ns.spawn(argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    const done = waitCli(child, 120_000);
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    for (let i = 0; i < 600 && !/"msg":"reconcile(d| failed)"/.test(stderr); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(stderr, 'a first reconcile').toMatch(/"msg":"reconciled"/);
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/"msg":"stopped"/);
  });
});
