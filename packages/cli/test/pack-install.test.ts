/**
 * Every package as it would be published: `npm pack` each, install the
 * tarballs into an empty directory (third-party packages from npm's cache
 * when it has them), import each package, run `wg-gateway version`, and
 * check that no source map points at a file the tarball does not ship.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from './cli-process.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);
const PACKAGES = ['core', 'backend-wgquick', 'backend-netlink', 'runtime', 'testkit', 'cli', 'lab'];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('npm pack of every package', { timeout: 600_000 }, () => {
  let app: string;

  beforeAll(async () => {
    const packs = tempDir('wg-gateway-packs-');
    app = tempDir('wg-gateway-app-');
    for (const p of PACKAGES)
      await run('npm', ['pack', '--silent', '--pack-destination', packs, '-w', `@wg-gateway/${p}`], {
        cwd: ROOT,
        timeout: 120_000,
      });
    const tarballs = readdirSync(packs).map((f) => join(packs, f));
    expect(tarballs).toHaveLength(PACKAGES.length);
    writeFileSync(join(app, 'package.json'), '{ "name": "pack-check", "private": true, "type": "module" }\n');
    await run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--omit=dev',
        '--no-package-lock',
        ...tarballs,
      ],
      { cwd: app, timeout: 500_000 },
    );
  }, 600_000);

  afterAll(() => removeTempDirs());

  it('ships a README and the LICENSE in each', () => {
    for (const p of PACKAGES) {
      const dir = join(app, 'node_modules/@wg-gateway', p);
      expect(readFileSync(join(dir, 'LICENSE'), 'utf8'), p).toContain('Apache License');
      expect(existsSync(join(dir, 'README.md')), p).toBe(true);
    }
  });

  it('imports each package and runs wg-gateway version', async () => {
    for (const p of PACKAGES) {
      // testkit's main entry is the vitest suite; its netns entry loads no test framework.
      const entry = p === 'testkit' ? '@wg-gateway/testkit/netns' : `@wg-gateway/${p}`;
      const { stdout } = await run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import('${entry}'); console.log(Object.keys(m).length);`,
        ],
        { cwd: app },
      );
      expect(Number(stdout.trim()), entry).toBeGreaterThan(0);
    }
    const { stdout } = await run(join(app, 'node_modules/.bin/wg-gateway'), ['version'], { cwd: app });
    expect(stdout).toMatch(/^wg-gateway \d+\.\d+\.\d+/);
    // runtime finds a built-in backend package from the install.
    const { stdout: out } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const { defaultBackendRegistry: r } = await import('@wg-gateway/runtime'); const b = await r.get('wgquick').create({ group: { paths: { wireguardDir: '/tmp/x' } }, runtime: {} }); console.log(b.name);",
      ],
      { cwd: app },
    );
    expect(out.trim()).toBe('wgquick');
  });

  it('has no source map pointing at an unshipped file', () => {
    const missing: string[] = [];
    for (const p of PACKAGES) {
      const dir = join(app, 'node_modules/@wg-gateway', p);
      for (const map of filesUnder(dir).filter((f) => f.endsWith('.map'))) {
        const { sources } = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[] };
        for (const s of sources) if (!existsSync(resolve(dirname(map), s))) missing.push(`${map} → ${s}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
