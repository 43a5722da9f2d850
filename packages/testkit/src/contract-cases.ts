/**
 * The cases of the backend contract, declared inside a `describe` of the
 * contract suite (in memory) or of the system suite (real interfaces in a
 * namespace). They only use the {@link WireGuardBackend} methods and
 * `plan()`, and adapt to the backend's capabilities, never to its name.
 * @module
 */
import {
  changedFields,
  type DesiredInterface,
  type InterfaceChange,
  type KeySource,
  type ObservedInterface,
  plan,
  WgGatewayError,
  type WireGuardBackend,
} from '@wg-gateway/core';
import { expect, it } from 'vitest';
import { desiredLink } from './conformance-fixtures.js';

/** What the cases need from the suite that declares them. */
export interface ContractCaseOptions {
  /** The backend under test, created in the suite's `beforeAll`. */
  readonly backend: () => WireGuardBackend;
  /** A fresh backend of the same kind (for the lifecycle case; closed by the case). */
  readonly create: () => Promise<WireGuardBackend>;
  readonly keys: KeySource;
  /**
   * A snapshot of the link of an interface (index, flags) that must not change
   * when a field is changed in place; only asked when `capabilities.livePeerUpdate`.
   */
  readonly linkSnapshot?: (name: string) => Promise<unknown>;
  /** True when each change must take at least one operation (a real system). */
  readonly countsOperations?: boolean;
}

const byName = (list: readonly ObservedInterface[], name: string): ObservedInterface | undefined =>
  list.find((i) => i.name === name);

const NO_QUERY = { pathMtuTo: [], interfaceOf: [], routerId: false } as const;

/** Declare the contract's cases (vitest `it`) in the current `describe`, in order. */
export function declareContractCases(o: ContractCaseOptions): void {
  const remote = o.keys.generate();
  let desired: DesiredInterface[] = [];
  const reconcile = async (want: readonly DesiredInterface[]) => {
    const changes = plan(want, await o.backend().observe());
    return { changes, report: await o.backend().apply(changes) };
  };

  it('declares its name and capabilities as data', () => {
    const b = o.backend();
    expect(b.name).toMatch(/\S/);
    const c = b.capabilities;
    for (const flag of ['kernel', 'userspace', 'livePeerUpdate', 'facts'] as const)
      expect(typeof c[flag], `capabilities.${flag}`).toBe('boolean');
    expect(Array.isArray(c.programs)).toBe(true);
    for (const p of c.programs)
      expect(p).toMatchObject({ program: expect.any(String), debianPackage: expect.any(String) });
  });

  it('observes nothing before it has made anything', async () => {
    expect(await o.backend().observe()).toEqual([]);
  });

  it('creates N interfaces from a plan, and observes exactly what was desired', async () => {
    desired = [50001, 50003, 50005, 50007].map((port) =>
      desiredLink({
        port,
        role: 'initiator',
        keys: o.keys.generate(),
        peerPublicKey: remote.publicKey,
        endpoint: `198.51.100.2:${port + 1}`,
        mtu: 1400,
      }),
    );
    const { changes, report } = await reconcile(desired);
    expect(changes.map((c) => c.action)).toEqual(['create', 'create', 'create', 'create']);
    expect(report.results.map((r) => [r.name, r.action, r.ok, r.error?.message])).toEqual(
      desired.map((d) => [d.name, 'create', true, undefined]),
    );
    expect(report.operations).toBe(report.results.reduce((n, r) => n + r.operations, 0));
    const observed = await o.backend().observe();
    expect(observed.map((x) => x.name)).toEqual(desired.map((d) => d.name));
    expect(plan(desired, observed)).toEqual([]);
    for (const d of desired) {
      const x = byName(observed, d.name);
      expect(x).toMatchObject({ listenPort: d.listenPort, publicKey: d.publicKey, mtu: 1400, up: true });
      expect(x?.addresses).toEqual([...d.addresses].sort());
      expect(x?.peers).toHaveLength(1);
      expect(x?.peers[0]).toMatchObject({
        publicKey: remote.publicKey,
        endpoint: d.peer.endpoint,
        persistentKeepalive: d.peer.persistentKeepalive,
        allowedIps: [...d.peer.allowedIps].sort(),
      });
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
    it(`changes the ${what} alone${o.linkSnapshot ? ', in place when it can' : ''}`, async () => {
      const before = desired[0] as DesiredInterface;
      const live = o.backend().capabilities.livePeerUpdate && o.linkSnapshot !== undefined;
      const link = live ? await o.linkSnapshot?.(before.name) : undefined;
      desired = [edit(before), ...desired.slice(1)];
      const { changes, report } = await reconcile(desired);
      expect(changes).toHaveLength(1);
      expect(changedFields(changes[0] as InterfaceChange)).toEqual(fields);
      expect(report.results[0]).toMatchObject({ name: before.name, action: 'update', ok: true });
      if (o.countsOperations) expect(report.operations).toBeGreaterThan(0);
      const observed = await o.backend().observe();
      expect(plan(desired, observed)).toEqual([]);
      expect(byName(observed, before.name)?.listenPort).toBe(before.listenPort);
      // Same link, still up: changed in place, not recreated.
      if (live) expect(await o.linkSnapshot?.(before.name)).toEqual(link);
    });
  }

  it('deletes an interface that is no longer desired', async () => {
    const gone = desired.at(-1) as DesiredInterface;
    desired = desired.slice(0, -1);
    const { changes, report } = await reconcile(desired);
    expect(changes).toEqual([{ action: 'delete', name: gone.name }]);
    expect(report.results).toMatchObject([{ name: gone.name, action: 'delete', ok: true }]);
    expect((await o.backend().observe()).map((x) => x.name)).toEqual(desired.map((d) => d.name));
  });

  it('reports a failing change with a typed error, and still applies the ones after it', async () => {
    const missing = 'wg50099';
    const good = desiredLink({
      port: 50009,
      role: 'acceptor',
      keys: o.keys.generate(),
      peerPublicKey: remote.publicKey,
    });
    const [create] = plan([good], []);
    // An update of an interface that does not exist cannot succeed on any backend.
    const bad: InterfaceChange = { action: 'update', name: missing, mtu: 1380 };
    const report = await o.backend().apply([bad, create as InterfaceChange]);
    const [rBad, rGood] = report.results;
    expect([rBad?.name, rBad?.action, rBad?.ok]).toEqual([missing, 'update', false]);
    expect([rGood?.name, rGood?.ok, rGood?.error?.message]).toEqual([good.name, true, undefined]);
    expect(rBad?.error).toBeInstanceOf(WgGatewayError);
    expect(rBad?.error?.message).toMatch(/\S/);
    for (const d of [...desired, good]) expect(rBad?.error?.message).not.toContain(d.privateKey);
    const names = (await o.backend().observe()).map((x) => x.name);
    expect(names).toContain(good.name);
    expect(names).not.toContain(missing);
    desired = [...desired, good].sort((a, b) => a.name.localeCompare(b.name));
    expect(plan(desired, await o.backend().observe())).toEqual([]);
  });

  it('answers facts() when it declares the capability, and raises "not supported" otherwise', async () => {
    const b = o.backend();
    if (b.capabilities.facts) {
      const facts = await b.facts(NO_QUERY);
      expect(facts).toMatchObject({ pathMtu: expect.any(Object), interfaceOf: expect.any(Object) });
    } else {
      const e = await b.facts(NO_QUERY).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(WgGatewayError);
      expect((e as WgGatewayError).code).toBe('BACKEND_NOT_SUPPORTED');
      expect((e as Error).message).toContain('The `facts` method is not supported by this backend');
    }
  });

  it('deletes everything it made, and only that', async () => {
    desired = [];
    const { report } = await reconcile([]);
    expect(report.results.length).toBeGreaterThan(0);
    expect(report.results.every((r) => r.ok && r.action === 'delete')).toBe(true);
    expect(await o.backend().observe()).toEqual([]);
  });

  it('closes once, and raises BACKEND_CLOSED for every call after close()', async () => {
    const b = await o.create();
    await b.observe();
    await Promise.all([b.close(), b.close()]);
    await b.close();
    const calls: [string, () => Promise<unknown>][] = [
      ['observe', () => b.observe()],
      ['apply', () => b.apply([])],
      ['facts', () => b.facts(NO_QUERY)],
    ];
    for (const [method, call] of calls) {
      const e = await call().then(
        () => undefined,
        (x: unknown) => x,
      );
      expect([method, (e as WgGatewayError | undefined)?.code]).toEqual([method, 'BACKEND_CLOSED']);
    }
  });
}
