/**
 * The one conformance suite every WireGuard backend runs (unstorage's
 * `testDriver` shape): real wireguard-go interfaces in fresh namespaces, the
 * backend running inside them through {@link startBackendIn}. A backend's own
 * test file is a call to {@link describeBackendConformance}.
 * @module
 */
import {
  changedFields,
  type DesiredInterface,
  NodeKeySource,
  type ObservedInterface,
  plan,
  WgGatewayError,
} from '@wg-gateway/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BackendSpec } from './backend-wire.js';
import {
  createForeignInterface,
  desiredLink,
  type ForeignInterface,
  foreignState,
  holdUdpPort,
  linkOf,
  waitFor,
} from './conformance-fixtures.js';
import { runHandshakeRounds } from './conformance-handshake.js';
import { cleanupNamespaces, createNetns, mustRunPrivileged, type Netns, uniquePrefix } from './netns.js';
import type { RemoteBackend } from './remote-backend.js';
import { startBackendIn } from './remote-backend.js';

/** What the suite runs against. */
export interface ConformanceSpec extends BackendSpec {
  /** Name in test titles, e.g. `wgquick (wireguard-go)`. */
  readonly name: string;
  /** Backend-specific cases, run in the suite's namespace after the shared ones. */
  readonly additionalTests?: (ctx: ConformanceContext) => void;
}

/** Live handles of the suite, for `additionalTests` (read them inside `it`). */
export interface ConformanceContext {
  readonly ns: () => Netns;
  readonly backend: () => RemoteBackend;
  readonly spec: ConformanceSpec;
}

const byName = (list: readonly ObservedInterface[], name: string): ObservedInterface | undefined =>
  list.find((i) => i.name === name);

/** Declare the conformance suite for one backend (vitest `describe`). */
export function describeBackendConformance(spec: ConformanceSpec): void {
  describe.runIf(mustRunPrivileged())(`WireGuard backend conformance: ${spec.name}`, () => {
    const prefix = uniquePrefix('cf');
    const keys = new NodeKeySource();
    let ns: Netns;
    let backend: RemoteBackend;
    let foreign: ForeignInterface;
    let desired: DesiredInterface[] = [];
    const remote = keys.generate();

    beforeAll(async () => {
      ns = await createNetns(`${prefix}a`);
      foreign = await createForeignInterface(ns, 'wg0', 40000, keys.generate());
      backend = await startBackendIn(ns, spec);
    });

    afterAll(async () => {
      await backend?.close();
      await cleanupNamespaces(prefix);
    });

    // The user's own interface survives every case and is never observed.
    afterEach(async () => {
      expect(await foreignState(ns, foreign)).toEqual({
        listenPort: foreign.listenPort,
        publicKey: foreign.publicKey,
        up: true,
      });
      expect((await backend.observe()).map((i) => i.name)).not.toContain(foreign.name);
    });

    const reconcile = async (want: readonly DesiredInterface[]) => {
      const changes = plan(want, await backend.observe());
      return { changes, report: await backend.apply(changes) };
    };

    it('creates N interfaces from a plan, and observes exactly what was desired', async () => {
      desired = [50001, 50003, 50005, 50007].map((port) =>
        desiredLink({
          port,
          role: 'initiator',
          keys: keys.generate(),
          peerPublicKey: remote.publicKey,
          endpoint: `198.51.100.2:${port + 1}`,
          mtu: 1400,
        }),
      );
      const { changes, report } = await reconcile(desired);
      expect(changes.map((c) => c.action)).toEqual(['create', 'create', 'create', 'create']);
      expect(report.results.map((r) => [r.name, r.ok, r.error?.message])).toEqual(
        desired.map((d) => [d.name, true, undefined]),
      );
      const observed = await backend.observe();
      expect(observed.map((o) => o.name)).toEqual(desired.map((d) => d.name));
      expect(plan(desired, observed)).toEqual([]);
      for (const d of desired) {
        const o = byName(observed, d.name);
        expect(o).toMatchObject({ listenPort: d.listenPort, publicKey: d.publicKey, mtu: 1400, up: true });
        expect(o?.addresses).toEqual([...d.addresses].sort());
        expect(o?.peers).toHaveLength(1);
        expect(o?.peers[0]).toMatchObject({
          publicKey: remote.publicKey,
          endpoint: d.peer.endpoint,
          persistentKeepalive: 5,
          allowedIps: [...d.peer.allowedIps].sort(),
        });
        expect((await linkOf(ns, d.name))?.ifalias).toBe('wg-gateway');
      }
    });

    it('applies the same plan again as an empty plan with zero operations', async () => {
      const { changes, report } = await reconcile(desired);
      expect(changes).toEqual([]);
      expect(report).toEqual({ results: [], operations: 0 });
    });

    const fieldCases: [string, string[], (d: DesiredInterface) => DesiredInterface][] = [
      ['endpoint', ['endpoint'], (d) => ({ ...d, peer: { ...d.peer, endpoint: '198.51.100.3:50002' } })],
      [
        'allowed IPs',
        ['allowed-ips'],
        (d) => ({ ...d, peer: { ...d.peer, allowedIps: [...d.peer.allowedIps, '192.0.2.128/25'].sort() } }),
      ],
      ['MTU', ['mtu'], (d) => ({ ...d, mtu: 1380 })],
      ['keepalive', ['persistent-keepalive'], (d) => ({ ...d, peer: { ...d.peer, persistentKeepalive: 7 } })],
    ];
    for (const [what, fields, edit] of fieldCases) {
      it(`changes the ${what} alone, in place`, async () => {
        const before = desired[0] as DesiredInterface;
        const link = await linkOf(ns, before.name);
        desired = [edit(before), ...desired.slice(1)];
        const { changes, report } = await reconcile(desired);
        expect(changes).toHaveLength(1);
        expect(changedFields(changes[0] as never)).toEqual(fields);
        expect(report.results[0]).toMatchObject({ ok: true });
        expect(report.operations).toBeGreaterThan(0);
        const observed = await backend.observe();
        expect(plan(desired, observed)).toEqual([]);
        expect(byName(observed, before.name)?.listenPort).toBe(before.listenPort);
        // Same link, still up: changed in place, not recreated.
        expect(await linkOf(ns, before.name)).toMatchObject({ ifindex: link?.ifindex, flags: link?.flags });
      });
    }

    it('deletes an interface that is no longer desired', async () => {
      const gone = desired.at(-1) as DesiredInterface;
      desired = desired.slice(0, -1);
      const { changes, report } = await reconcile(desired);
      expect(changes).toEqual([{ action: 'delete', name: gone.name }]);
      expect(report.results[0]).toMatchObject({ ok: true });
      expect((await backend.observe()).map((o) => o.name)).toEqual(desired.map((d) => d.name));
      expect(await linkOf(ns, gone.name)).toBeUndefined();
    });

    it('reports a change whose port is taken, and applies the others', async () => {
      const holder = await holdUdpPort(ns, 50011);
      try {
        const bad = desiredLink({
          port: 50011,
          role: 'acceptor',
          keys: keys.generate(),
          peerPublicKey: remote.publicKey,
        });
        const good = desiredLink({
          port: 50013,
          role: 'acceptor',
          keys: keys.generate(),
          peerPublicKey: remote.publicKey,
        });
        const { report } = await reconcile([...desired, bad, good]);
        const [rBad, rGood] = report.results;
        // Messages in the compared values, so a failure explains itself.
        expect([rBad?.name, rBad?.action, rBad?.ok]).toEqual([bad.name, 'create', false]);
        expect([rGood?.name, rGood?.action, rGood?.ok, rGood?.error?.message]).toEqual([
          good.name,
          'create',
          true,
          undefined,
        ]);
        expect(rBad?.error).toBeInstanceOf(WgGatewayError);
        expect(rBad?.error?.message).toMatch(/\S/);
        expect(rBad?.error?.message).not.toContain(bad.privateKey);
        const names = (await backend.observe()).map((o) => o.name);
        expect(names).toContain(good.name);
        expect(names).not.toContain(bad.name);
        holder.kill('SIGKILL');
        await new Promise((r) => holder.once('exit', r));
        // Once the port is free, reconciling creates it: at once, or (userspace
        // daemons of the failed attempt may still be exiting) within a few rounds.
        desired = [...desired, bad, good];
        const first = await reconcile(desired);
        expect(first.changes.map((c) => [c.action, c.name])).toEqual([['create', bad.name]]);
        const converged = await waitFor(
          `${bad.name} to be created once its port is free`,
          async () => {
            const again = await reconcile(desired);
            return again.changes.length === 0 ? again : undefined;
          },
          { attempts: 5, intervalMs: 1_000 },
        ).catch((e: Error) => {
          throw new Error(`${e.message}; first attempt: ${first.report.results[0]?.error?.message}`);
        });
        expect(converged.report.operations).toBe(0);
      } finally {
        holder.kill('SIGKILL');
      }
    });

    it('deletes everything it made, and only that', async () => {
      desired = [];
      const { report } = await reconcile([]);
      expect(report.results.every((r) => r.ok && r.action === 'delete')).toBe(true);
      expect(await backend.observe()).toEqual([]);
    });

    it(
      'handshakes and pings between two namespaces, also when both ends apply at once',
      () => runHandshakeRounds(spec, `${prefix}`, keys, 3),
      180_000,
    );

    spec.additionalTests?.({ ns: () => ns, backend: () => backend, spec });
  });
}
