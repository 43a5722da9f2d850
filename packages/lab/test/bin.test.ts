import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

function lab(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, WG_GATEWAY_LAB_ROOT: '/nonexistent/wg-gateway-lab-test' },
  });
}

describe('wg-gateway-lab bin', () => {
  it('prints usage with exit 0 for help, 2 for an unknown command or a bad option', () => {
    const help = lab('help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('wg-gateway-lab up');
    const bad = lab('bogus');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown command "bogus"');
    expect(lab('up', '--sites').status).toBe(2);
  });

  it('says when no lab is up, with a hint (exit 1)', () => {
    const r = lab('status');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('[lab] [cli] no lab is up');
    expect(r.stderr).toContain('hint: run `wg-gateway-lab up`');
  });
});
