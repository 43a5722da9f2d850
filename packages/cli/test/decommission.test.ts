import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApplyReport, Exchange, InterfaceChange, ObservedInterface } from '@wg-gateway/core';
import { DirectoryExchange } from '@wg-gateway/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { decommission } from '../src/commands/decommission.js';

const A = { group: 'site-a', unit: 'site-a-1' };
const B = { group: 'site-b', unit: 'site-b-0' };
const data = (ip: string) => ({ peerings: { 'a-b': { 'ingress-address': ip } }, group: {} });

/** A fake backend: two interfaces; records the changes applied. */
class FakeBackend {
  readonly applied: InterfaceChange[] = [];
  async observe(): Promise<ObservedInterface[]> {
    return ['wg50003', 'wg50001'].map((name) => ({
      name,
      listenPort: Number(name.slice(2)),
      publicKey: 'k',
      mtu: 1420,
      addresses: [],
      up: true,
      peers: [],
    }));
  }
  async apply(changes: readonly InterfaceChange[]): Promise<ApplyReport> {
    this.applied.push(...changes);
    return {
      results: changes.map((c) => ({ name: c.name, action: c.action, ok: true, operations: 1 })),
      operations: 2,
    };
  }
}

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('decommission', () => {
  it('says what it would do without --yes, then withdraws the unit and deletes its interfaces', async () => {
    dir = await mkdtemp(join(tmpdir(), 'wg-decom-'));
    const a = new DirectoryExchange(dir);
    const b = new DirectoryExchange(dir);
    await a.publish(A, data('192.0.2.1'));
    await b.publish(B, data('198.51.100.1'));
    const backend = new FakeBackend();

    const dry = await decommission({ exchange: a, backend, self: A }, false);
    expect(dry).toMatchObject({ done: false, interfaces: ['wg50001', 'wg50003'] });
    expect(backend.applied).toEqual([]);
    expect(Object.keys((await b.read(B, ['a-b'])).peerings['a-b'] ?? {})).toEqual(['site-a-1']);

    const done = await decommission({ exchange: a, backend, self: A }, true);
    expect(done).toMatchObject({ done: true, interfaces: ['wg50001', 'wg50003'], failed: [] });
    expect(backend.applied).toEqual([
      { action: 'delete', name: 'wg50001' },
      { action: 'delete', name: 'wg50003' },
    ]);
    // The other site sees a withdrawal (its links close at once), not a missing unit.
    const seen = await b.read(B, ['a-b']);
    expect(seen.peerings['a-b'] ?? {}).toEqual({});
    expect(Object.keys(seen.withdrawn.peerings['a-b'] ?? {})).toEqual(['site-a-1']);
    await Promise.all([a.close(), b.close()]);
  });

  it('changes nothing when the exchange cannot withdraw', async () => {
    const backend = new FakeBackend();
    // A fake exchange without the optional withdraw().
    const exchange: Exchange = {
      read: async () => ({ peerings: {}, group: {}, withdrawn: { peerings: {}, group: {} } }),
      publish: async () => {},
      watch: () => () => {},
      close: async () => {},
    };
    await expect(decommission({ exchange, backend, self: A }, true)).rejects.toMatchObject({
      code: 'DECOMMISSION_UNSUPPORTED',
    });
    expect(backend.applied).toEqual([]);
  });
});
