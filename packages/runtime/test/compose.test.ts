import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DryRunBackend } from '@wg-gateway/core';
import {
  type BackendEntry,
  createGateway,
  defaultBackendRegistry,
  GatewayConfigError,
  GatewayDaemon,
  parseGatewayConfig,
  preflight,
  requiredPrograms,
  withOverrides,
} from '@wg-gateway/runtime';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'wg-gateway-compose-'));
  dirs.push(d);
  return d;
}

function document(dir: string, runtime: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    unit: 'a-0',
    group: 'site-a',
    'ingress-address': '192.0.2.1',
    'router-id': '192.0.2.1',
    'advertise-prefixes': ['198.18.1.0/24'],
    peerings: [{ id: 'a-b', role: 'initiator' }],
    paths: {
      state: join(dir, 'state.json'),
      'wireguard-dir': join(dir, 'wg'),
      'bird-config': join(dir, 'bird.conf'),
      'keepalived-config': join(dir, 'keepalived.conf'),
    },
    runtime: { backend: 'dry-run', exchange: `dir:${join(dir, 'exchange')}`, metrics: 'off', ...runtime },
  };
}

/** A fake third-party backend: core's dry run under another name. */
const fakeEntry: BackendEntry = {
  name: 'fake-memory',
  capabilities: () => ({ kernel: false, userspace: false, livePeerUpdate: true, facts: false, programs: [] }),
  create: async () => new DryRunBackend(),
};

describe('createGateway', () => {
  it('wires a dry-run gateway from a document and plans', async () => {
    const dir = tempDir();
    const gw = await createGateway(document(dir));
    try {
      expect(gw.backend.name).toBe('dry-run');
      expect(gw.bird).toBeUndefined();
      const plan = await gw.gateway.plan();
      expect(plan.daemons.bird?.next).toContain('router id 192.0.2.1');
      expect(plan.daemons.bird?.installed).toBeUndefined();
    } finally {
      await gw.close();
    }
  });

  it('reports every bad field of the group and the runtime section at once', () => {
    let error: unknown;
    try {
      parseGatewayConfig({ ...document('/tmp/x', { backend: 'kernel', 'debounce-ms': -1 }), tunnels: 1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GatewayConfigError);
    const paths = (error as GatewayConfigError).issues.map((i) => i.path).sort();
    expect(paths).toEqual(['runtime.backend', 'runtime.debounce-ms', 'tunnels']);
    expect((error as Error).message).toMatch(
      /runtime\.backend: unknown backend; known: dry-run, netlink, wgquick/,
    );
  });

  it('builds a backend a third party registered, and preflight reads its capabilities', async () => {
    const registry = defaultBackendRegistry.clone().register(fakeEntry);
    expect(() => parseGatewayConfig(document('/tmp/x', { backend: 'fake-memory' }))).toThrow(
      GatewayConfigError,
    );
    const dir = tempDir();
    const gw = await createGateway(document(dir, { backend: 'fake-memory' }), { registry });
    try {
      expect(gw.backend).toBeInstanceOf(DryRunBackend);
      // Touches no host: no root, no programs, whoever runs this.
      expect(() => preflight(gw.config, 'apply', 'apply', registry)).not.toThrow();
    } finally {
      await gw.close();
    }
    const netlink = withOverrides(parseGatewayConfig(document(dir)), { backend: 'netlink' });
    const programs = requiredPrograms(netlink, 'observe').map((p) => p.program);
    expect(programs).toEqual(['ip', 'wg']);
    const wgquick = withOverrides(netlink, { backend: 'wgquick' });
    expect(requiredPrograms(wgquick, 'observe').map((p) => p.program)).toContain('wg-quick');
  });
});

describe('GatewayDaemon', () => {
  it('runs reconciles, swaps in a reloaded config and stops', async () => {
    const registry = defaultBackendRegistry.clone().register(fakeEntry);
    const dir = tempDir();
    const first = parseGatewayConfig(document(dir, { backend: 'fake-memory' }), { registry });
    const second = withOverrides(first, { state: join(dir, 'state-2.json') }, registry);
    const seen: string[] = [];
    const daemon = new GatewayDaemon({
      config: first,
      registry,
      load: async () => second,
      signals: false,
      logger: pino({ level: 'silent' }),
      onReport: () => {
        seen.push(daemon.config.group.paths.state);
        if (seen.length === 1) void daemon.reload();
        else daemon.stop();
      },
    });
    const { reconciles } = await daemon.run();
    expect(reconciles).toBe(2);
    expect(seen).toEqual([join(dir, 'state.json'), join(dir, 'state-2.json')]);
  });
});

describe('examples/embed', () => {
  it('runs with the dry-run backend against a temp dir', () => {
    const script = fileURLToPath(new URL('../../../examples/embed/embed.ts', import.meta.url));
    const out = execFileSync(process.execPath, [script, tempDir()], { encoding: 'utf8', timeout: 60_000 });
    expect(out).toContain('unit site-a-0: backend dry-run, exchange dir');
    expect(out).toMatch(/bird\.conf: \d+ lines \(new\)/);
  });
});
