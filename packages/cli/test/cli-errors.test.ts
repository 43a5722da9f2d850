/**
 * Error paths of the CLI: a user without root, a reader that closes the
 * pipe early, usage errors under --json, large diffs, and the lab's
 * arguments passed through untouched.
 */
import { spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot, mustRunPrivileged } from '@wg-gateway/testkit/netns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unifiedDiff } from '../src/output/diff.js';
import { assertBuilt, BIN, removeTempDirs, runCli, tempDir, writeIn } from './cli-process.js';

beforeAll(() => assertBuilt());
afterAll(() => removeTempDirs());

/** A world-readable dir with a valid config whose bird.conf is root's 0640 file (as on Debian). */
function unreadableBirdSetup(): { dir: string; config: string; bird: string } {
  const dir = tempDir();
  chmodSync(dir, 0o755);
  const bird = writeIn(dir, 'bird.conf', 'router id 192.0.2.1;\n');
  chmodSync(bird, 0o640);
  const config = writeIn(
    dir,
    'config.json',
    JSON.stringify({
      unit: 'a-0',
      group: 'site-a',
      'ingress-address': '192.0.2.1',
      'router-id': '192.0.2.1',
      'advertise-prefixes': ['198.18.1.0/24'],
      peerings: [{ id: 'a-b', role: 'initiator' }],
      paths: {
        state: join(dir, 'state.json'),
        'wireguard-dir': join(dir, 'wg'),
        'bird-config': bird,
        'keepalived-config': join(dir, 'keepalived.conf'),
      },
      runtime: { exchange: `dir:${join(dir, 'exchange')}`, metrics: 'off' },
    }),
  );
  chmodSync(config, 0o644);
  return { dir, config, bird };
}

const AS_NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

describe.runIf(mustRunPrivileged())('as a user without root', { timeout: 120_000 }, () => {
  beforeAll(() => {
    if (!isRoot()) throw new Error('these tests set up root-owned files: run them as root');
  });

  for (const args of [
    ['plan', '--backend', 'dry-run'],
    ['render', 'bird'],
  ]) {
    it(`${args.join(' ')} with an unreadable bird.conf names the file and what to do`, async () => {
      const { config, bird } = unreadableBirdSetup();
      const r = await runCli(['--config', config, ...args], { prefix: AS_NOBODY });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`cannot read ${bird}: EACCES`);
      expect(r.stderr).toMatch(/hint: run as root \(sudo\), make .* readable by this user/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      const json = await runCli(['--config', config, '--json', ...args], { prefix: AS_NOBODY });
      expect(JSON.parse(json.stdout).error.code).toBe('DAEMON_CONFIG_UNREADABLE');
    });
  }
});

describe('the CLI', { timeout: 120_000 }, () => {
  it('stops quietly when the reader closes the pipe (wg-gateway help | head -1)', async () => {
    const child = spawn(process.execPath, [BIN, 'help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Close our end before the CLI writes: its first write meets EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('prints commander usage errors under --json as one JSON error on stdout', async () => {
    for (const args of [
      ['--json', 'plan', '--bogus'],
      ['--json', 'nosuch'],
      ['--json', '--backend', 'x', 'plan'],
    ]) {
      const r = await runCli(args);
      expect(r.code).toBe(64);
      const doc = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; message: string } };
      expect(doc.ok).toBe(false);
      expect(doc.error.code).toBe('USAGE');
      expect(doc.error.message.length).toBeGreaterThan(5);
    }
  });

  it('passes the lab its arguments untouched (lab up --backend netlink, exec -- cmd --config X)', async () => {
    // A fake wg-gateway-lab on PATH that prints the arguments it got.
    const dir = tempDir();
    const fake = join(dir, 'wg-gateway-lab');
    writeFileSync(fake, '#!/bin/sh\nprintf "%s|" "$@"\n', { mode: 0o755 });
    const env = { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` };
    const up = await runCli(['lab', 'up', '--backend', 'netlink', '--sites', '2'], { env });
    expect(up.stdout).toBe('up|--backend|netlink|--sites|2|');
    expect(up.code).toBe(0);
    const exec = await runCli(
      ['--json', 'lab', 'exec', 'a-cl', '--', 'wg-gateway', '--config', 'X', 'plan'],
      {
        env,
      },
    );
    expect(exec.stdout).toBe('exec|a-cl|--|wg-gateway|--config|X|plan|');
  });
});

describe('plan diff', () => {
  const lines = (n: number, f: (i: number) => string) =>
    `${Array.from({ length: n }, (_, i) => f(i)).join('\n')}\n`;

  it('diffs 6,000-line files into hunks of the changed lines only', () => {
    const a = lines(6000, (i) => `line ${i}`);
    const b = lines(6000, (i) => (i === 3000 ? 'changed' : `line ${i}`));
    const d = unifiedDiff(a, b, { before: 'bird.conf', after: 'bird.conf (new)' });
    expect(d).toBe(
      '--- bird.conf\n+++ bird.conf (new)\n@@ -2998,7 +2998,7 @@\n line 2997\n line 2998\n line 2999\n-line 3000\n+changed\n line 3001\n line 3002\n line 3003\n',
    );
  });

  it('gives files that share nothing one hunk replacing the whole file', () => {
    const a = lines(6000, (i) => `old ${i}`);
    const b = lines(6000, (i) => `new ${i}`);
    const d = unifiedDiff(a, b, { before: 'a', after: 'b' }).split('\n');
    expect(d[2]).toBe('@@ -1,6000 +1,6000 @@');
    expect(d.filter((l) => l.startsWith('@@'))).toHaveLength(1);
    expect(d).toHaveLength(3 + 12000 + 1);
  });
});
