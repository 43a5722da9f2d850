/**
 * The backend system suite: the contract's cases ({@link backendContractSuite})
 * and the cases only a real system has (a user's own interface left alone, a
 * port held by another socket, handshakes and pings between namespaces), on
 * real wireguard-go interfaces in fresh network namespaces.
 *
 * The backend runs inside the namespace, in a child process entered with
 * `nsenter` (netlink sockets and `ip` commands act on the namespace of the
 * process that makes them, and Node cannot switch a thread's namespace), so
 * a factory function cannot cross over: the suite is given where to find it,
 * a module specifier and the name of an exported factory, and the child
 * calls `factory(options)` (see {@link BackendSpec}).
 *
 * It needs root and wireguard-go. When they are missing it FAILS, naming
 * what is missing, unless the caller opts out by name:
 * `WG_GATEWAY_SKIP_SUITES=backend-system`.
 * @module
 */
import { type DesiredInterface, NodeKeySource, plan, WgGatewayError } from '@wg-gateway/core';
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
import { declareContractCases } from './contract-cases.js';
import { cleanupNamespaces, createNetns, type Netns, uniquePrefix } from './netns.js';
import type { RemoteBackend } from './remote-backend.js';
import { startBackendIn } from './remote-backend.js';
import {
  assertPrerequisites,
  missingPrerequisites,
  SKIP_SUITES_ENV,
  SuitePrerequisiteError,
  SYSTEM_SUITE_PROGRAMS,
  suiteSkipped,
} from './suite-prerequisites.js';

/** The name to give `WG_GATEWAY_SKIP_SUITES` to opt out of the system suite. */
export const BACKEND_SYSTEM_SUITE = 'backend-system';

/** What the system suite runs against. */
export interface BackendSystemSpec {
  /** Name in test titles, e.g. `wgquick (wireguard-go)`. */
  readonly name: string;
  /** Where the child in the namespace finds the backend's factory, and its options. */
  readonly backend: BackendSpec;
  /** Backend-specific cases, run in the suite's namespace after the shared ones. */
  readonly additionalTests?: (ctx: SystemSuiteContext) => void;
}

/** Live handles of the suite, for `additionalTests` (read them inside `it`). */
export interface SystemSuiteContext {
  readonly ns: () => Netns;
  readonly backend: () => RemoteBackend;
  readonly spec: BackendSystemSpec;
}

/** Declare the system suite (a vitest `describe`) for one backend. */
export function backendSystemSuite(spec: BackendSystemSpec): void {
  const title = `WireGuard backend system suite: ${spec.name}`;
  if (suiteSkipped(BACKEND_SYSTEM_SUITE)) {
    describe.skip(`${title} (opted out: ${SKIP_SUITES_ENV}=${BACKEND_SYSTEM_SUITE})`, () => {
      it('is skipped by name', () => undefined);
    });
    return;
  }
  const { missing, packages } = missingPrerequisites(SYSTEM_SUITE_PROGRAMS);
  if (missing.length > 0) {
    describe(title, () => {
      it('has its prerequisites (root, wireguard-go)', () => {
        throw new SuitePrerequisiteError(BACKEND_SYSTEM_SUITE, missing, packages);
      });
    });
    return;
  }
  describe(title, () => {
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
      backend = await startBackendIn(ns, spec.backend);
      // The backend's own programs, as it declares them.
      assertPrerequisites(BACKEND_SYSTEM_SUITE, backend.capabilities.programs);
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

    declareContractCases({
      backend: () => backend,
      create: () => startBackendIn(ns, spec.backend),
      keys,
      countsOperations: true,
      linkSnapshot: async (name) => {
        const link = await linkOf(ns, name);
        return { ifindex: link?.ifindex, flags: link?.flags };
      },
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

    it('marks its interfaces with the gateway alias, and deletes only them', async () => {
      expect((await linkOf(ns, desired[0]?.name ?? ''))?.ifalias).toBe('wg-gateway');
      desired = [];
      const { report } = await reconcile([]);
      expect(report.results.every((r) => r.ok && r.action === 'delete')).toBe(true);
      expect(await backend.observe()).toEqual([]);
    });

    it(
      'handshakes and pings between two namespaces, also when both ends apply at once',
      () => runHandshakeRounds(spec.backend, `${prefix}`, keys, 3),
      180_000,
    );

    spec.additionalTests?.({ ns: () => ns, backend: () => backend, spec });
  });
}
