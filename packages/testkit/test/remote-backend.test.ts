import { WgGatewayError } from '@wg-gateway/core';
import { afterAll, describe, expect, it } from 'vitest';
import { fromWire, loadBackend, reportFromWire, reportToWire, toWire } from '../src/backend-wire.js';
import { cleanupNamespaces, createNetns, mustRunPrivileged, uniquePrefix } from '../src/netns.js';
import { startBackendIn } from '../src/remote-backend.js';

describe('backend wire format', () => {
  it('keeps name, code, message and hint of errors, and drops the cause', () => {
    const e = new WgGatewayError('X_FAILED', '[x] broke', { hint: 'do y', cause: new Error('secret') });
    e.name = 'XError';
    const back = fromWire(JSON.parse(JSON.stringify(toWire(e))));
    expect(back).toBeInstanceOf(WgGatewayError);
    expect([back.name, back.code, back.message, back.hint, back.cause]).toEqual([
      'XError',
      'X_FAILED',
      '[x] broke',
      'do y',
      undefined,
    ]);
    expect(toWire(new TypeError('plain'))).toEqual({ name: 'TypeError', code: 'ERROR', message: 'plain' });
  });

  it('rehydrates errors inside apply reports', () => {
    const report = {
      results: [
        {
          name: 'wg1',
          action: 'create' as const,
          ok: false,
          error: new WgGatewayError('E', 'm'),
          operations: 1,
        },
      ],
      operations: 1,
    };
    const back = reportFromWire(JSON.parse(JSON.stringify(reportToWire(report))));
    expect(back.results[0]?.error).toBeInstanceOf(WgGatewayError);
    expect(back.results[0]?.error?.code).toBe('E');
  });
});

describe('loadBackend', () => {
  const module = new URL('./fixtures/backend-factory.ts', import.meta.url).href;

  it('calls an exported factory with the options, or constructs an exported class', async () => {
    const made = await loadBackend({ module, export: 'createDryRun', options: { names: ['wg50001'] } });
    expect((await made.observe()).map((i) => i.name)).toEqual(['wg50001']);
    const built = await loadBackend({ module: '@wg-gateway/core', export: 'DryRunBackend' });
    expect(built.name).toBe('dry-run');
  });

  it('names a missing or non-function export', async () => {
    await expect(loadBackend({ module, export: 'notAFactory' })).rejects.toThrow(
      /has no function export notAFactory/,
    );
  });
});

describe.runIf(mustRunPrivileged())('startBackendIn', () => {
  const prefix = uniquePrefix('rb');
  afterAll(async () => {
    await cleanupNamespaces(prefix);
  });

  it('serves a backend from inside a namespace over IPC', async () => {
    const ns = await createNetns(`${prefix}a`);
    const b = await startBackendIn(ns, { module: '@wg-gateway/core', export: 'DryRunBackend' });
    expect(b.name).toBe('dry-run');
    const change = {
      action: 'create' as const,
      name: 'wg50001',
      privateKey: 'K',
      publicKey: 'P',
      listenPort: 50001,
      mtu: 1420,
      addresses: ['169.254.0.1/24'],
      peer: { publicKey: 'Q', persistentKeepalive: 5, allowedIps: ['fe80::/64'] },
    };
    expect(await b.apply([change])).toEqual({
      results: [{ name: 'wg50001', action: 'create', ok: true, operations: 0 }],
      operations: 0,
    });
    expect((await b.observe()).map((i) => i.name)).toEqual(['wg50001']);
    expect(await b.facts({ pathMtuTo: [], interfaceOf: [], routerId: true })).toEqual({
      pathMtu: {},
      interfaceOf: {},
    });
    // The host runs in the namespace: its network is the namespace's.
    await b.close();
    await b.close();
    await expect(b.observe()).rejects.toThrow(/called after close/);
  });

  it('reports a backend that cannot be built', async () => {
    const ns = await createNetns(`${prefix}b`);
    await expect(startBackendIn(ns, { module: '@wg-gateway/core', export: 'NoSuchBackend' })).rejects.toThrow(
      /has no function export NoSuchBackend/,
    );
  });
});
