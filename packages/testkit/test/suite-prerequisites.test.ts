import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { missingPrerequisites, SuitePrerequisiteError, suiteSkipped } from '../src/suite-prerequisites.js';

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, 'fixtures');
const VITEST = join(import.meta.dirname, '..', '..', '..', 'node_modules', 'vitest', 'vitest.mjs');

/** Run the fixture system suite in a child vitest with only node on PATH (no wireguard-go). */
async function runFixture(env: Record<string, string>): Promise<{ code: number; out: string }> {
  try {
    const r = await run(process.execPath, [VITEST, 'run', '--config', join(FIXTURES, 'vitest.config.ts')], {
      env: { PATH: dirname(process.execPath), HOME: process.env.HOME ?? '/', NO_COLOR: '1', ...env },
      timeout: 60_000,
    });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? -1, out: `${x.stdout}${x.stderr}` };
  }
}

describe('system suite prerequisites', () => {
  it('opts out only by the exact suite name', () => {
    expect(suiteSkipped('backend-system', { WG_GATEWAY_SKIP_SUITES: 'x, backend-system' })).toBe(true);
    expect(suiteSkipped('backend-system', { WG_GATEWAY_SKIP_SUITES: 'backend' })).toBe(false);
    expect(suiteSkipped('backend-system', {})).toBe(false);
  });

  it('names a missing program and its Debian package, and how to opt out', () => {
    const { missing, packages } = missingPrerequisites([
      { program: 'no-such-program-wgg', debianPackage: 'no-such-package', why: 'test' },
    ]);
    expect(missing).toContain('no-such-program-wgg');
    const e = new SuitePrerequisiteError('backend-system', missing, packages);
    expect(e.message).toContain('missing');
    expect(e.hint).toContain('apt-get install no-such-package');
    expect(e.hint).toContain('WG_GATEWAY_SKIP_SUITES=backend-system');
  });

  it('FAILS (does not skip) when wireguard-go is missing', async () => {
    const { code, out } = await runFixture({});
    expect(code, out).not.toBe(0);
    expect(out).toContain('cannot run: missing');
    expect(out).toContain('wireguard-go');
  }, 90_000);

  it('skips when the caller opts out by name', async () => {
    const { code, out } = await runFixture({ WG_GATEWAY_SKIP_SUITES: 'backend-system' });
    expect(code, out).toBe(0);
    expect(out).toMatch(/skipped/);
  }, 90_000);
});
