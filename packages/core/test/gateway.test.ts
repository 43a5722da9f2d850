import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { parseGroupConfig } from '../src/config.js';
import { birdDaemon, type DaemonSpec, keepalivedDaemon } from '../src/daemon-spec.js';
import { DryRunBackend } from '../src/dry-run-backend.js';
import { Gateway } from '../src/gateway.js';
import { decodePeerData } from '../src/peer-data.js';
import { decodeState } from '../src/state.js';
import { FakeKeySource } from './support/fake-key-source.js';
import { FakeDaemon, FakeExchange, FakeStateStore, Faults } from './support/fakes.js';

function unit(
  exchange: FakeExchange,
  clock: ManualClock,
  name: string,
  group: string,
  role: 'initiator' | 'acceptor',
  ingress: string,
  faults = new Faults(),
  extra: readonly DaemonSpec[] = [],
) {
  const config = parseGroupConfig({
    unit: name,
    group,
    'ingress-address': ingress,
    'advertise-prefixes':
      group === 'a' ? ['192.0.2.0/24', '3fff::/20'] : ['198.51.100.0/24', '2001:db8::/32'],
    vips: group === 'a' ? ['192.0.2.1/24'] : [],
    peerings: [{ id: 'a-b', role }],
  });
  const ports = {
    config,
    state: new FakeStateStore(faults),
    exchange,
    backend: new DryRunBackend([], { pathMtu: {}, interfaceOf: { '192.0.2.1': 'lan0' }, routerId: ingress }),
    bird: new FakeDaemon('bird', faults),
    keepalived: new FakeDaemon('keepalived', faults),
    clock,
    keys: new FakeKeySource(name),
  };
  const daemons = [birdDaemon(ports.bird), keepalivedDaemon(ports.keepalived), ...extra];
  return { ports, gateway: new Gateway({ ...ports, daemons }), faults };
}

async function settle(units: { gateway: Gateway }[], rounds = 6) {
  for (let i = 0; i < rounds; i++) for (const u of units) await u.gateway.reconcile();
}

describe('Gateway one-shot reconcile', () => {
  it('two units converge: interfaces up, BIRD and Keepalived configured, then nothing to do', async () => {
    const ex = new FakeExchange();
    const clock = new ManualClock(1000);
    const a = unit(ex, clock, 'a-0', 'a', 'initiator', '198.18.0.1');
    const b = unit(ex, clock, 'b-0', 'b', 'acceptor', '198.18.1.1');
    await settle([a, b]);
    expect((await a.ports.backend.observe()).map((i) => i.addresses)).toEqual([
      ['169.254.0.1/24', 'fe80::1/64'],
      ['169.254.0.1/24', 'fe80::1/64'],
    ]);
    expect(await b.ports.backend.observe()).toHaveLength(2);
    expect(a.ports.bird.text).toMatch(/wg5000\d/);
    expect(a.ports.keepalived.text).toMatch(/192\.0\.2\.1\/24/);
    expect(b.ports.keepalived.text).toBeUndefined();
    const report = await a.gateway.reconcile();
    expect(report.ok).toBe(true);
    expect(report.changes).toEqual([]);
    expect(report.daemons).toEqual({
      bird: { changed: false, enabled: true },
      keepalived: { changed: false, enabled: true },
    });
    expect(report.links.open).toBe(2);
    expect(report.timings.map((t) => t.stage)).toEqual([
      'lock',
      'load-state',
      'read-exchange',
      'observe',
      'facts',
      'reconcile',
      'plan',
      'apply',
      'publish',
      'bird',
      'keepalived',
    ]);
    const p = await a.gateway.plan();
    expect(p.empty).toBe(true);
  });

  it('publishes a listen port only once its interface exists, so the first handshake to it is answered', async () => {
    const ex = new FakeExchange();
    const clock = new ManualClock(0);
    const a = unit(ex, clock, 'a-0', 'a', 'initiator', '198.18.0.1');
    const b = unit(ex, clock, 'b-0', 'b', 'acceptor', '198.18.1.1');
    let checked = 0;
    const backends = { 'a-0': a.ports.backend, 'b-0': b.ports.backend };
    ex.onPublish = async (self, pub) => {
      const names = (await backends[self.unit as 'a-0' | 'b-0'].observe()).map((i) => i.name);
      for (const wire of Object.values(pub.peerings)) {
        const d = decodePeerData(wire);
        if (!d.ok) throw new Error('published invalid data');
        // The acceptor's entries are open links: their interfaces must listen already.
        if (self.unit !== 'b-0') continue;
        for (const e of d.value.listenPorts) {
          expect(names).toContain(`wg${e.port}`);
          checked += 1;
        }
      }
    };
    await settle([a, b], 3);
    expect(checked).toBeGreaterThan(0);
  });

  it('saves state before publishing: every published key has its private key in the store', async () => {
    const ex = new FakeExchange();
    const clock = new ManualClock(0);
    const a = unit(ex, clock, 'a-0', 'a', 'initiator', '198.18.0.1');
    const b = unit(ex, clock, 'b-0', 'b', 'acceptor', '198.18.1.1');
    let checked = 0;
    ex.onPublish = (self, pub) => {
      const store = self.unit === 'a-0' ? a.ports.state : b.ports.state;
      const saved = store.text ? decodeState(store.text).keys.map((k) => k.publicKey) : [];
      for (const wire of Object.values(pub.peerings)) {
        const d = decodePeerData(wire);
        if (!d.ok) throw new Error('published invalid data');
        for (const k of d.value.publicKeys) expect(saved).toContain(k);
        checked += d.value.publicKeys.length;
      }
    };
    await settle([a, b], 3);
    expect(checked).toBeGreaterThan(0);
  });

  it('a crash after any stage converges on the next run', async () => {
    for (const point of ['load', 'read', 'save', 'publish', 'bird', 'keepalived']) {
      const ex = new FakeExchange();
      const clock = new ManualClock(0);
      const faults = new Faults();
      const a = unit(ex, clock, 'a-0', 'a', 'initiator', '198.18.0.1', faults);
      const b = unit(ex, clock, 'b-0', 'b', 'acceptor', '198.18.1.1');
      await settle([a, b], 1);
      (point === 'read' || point === 'publish' ? ex.faults : faults).arm(point);
      const failed = await a.gateway.reconcile();
      expect(failed.ok, point).toBe(false);
      await settle([a, b], 5);
      expect((await a.ports.backend.observe()).length, point).toBe(2);
      expect((await a.gateway.plan()).empty, point).toBe(true);
      expect(a.ports.state.locked, point).toBe(false);
    }
  });

  it('a held lock is a failed reconcile, not an exception', async () => {
    const ex = new FakeExchange();
    const a = unit(ex, new ManualClock(0), 'a-0', 'a', 'initiator', '198.18.0.1');
    a.ports.state.locked = true;
    const r = await a.gateway.reconcile();
    expect(r).toMatchObject({ ok: false, failedStage: 'lock' });
    expect(a.ports.state.text).toBeUndefined();
  });

  it('reports the failing stage and still runs the independent daemon', async () => {
    const ex = new FakeExchange();
    const clock = new ManualClock(0);
    const a = unit(ex, clock, 'a-0', 'a', 'initiator', '198.18.0.1');
    a.faults.arm('bird');
    const r = await a.gateway.reconcile();
    expect(r.ok).toBe(false);
    expect(r.failedStage).toBe('bird');
    expect(r.error?.message).toMatch(/injected fault at bird/);
    expect(a.ports.keepalived.text).toMatch(/vrrp_instance/);
  });

  it('takes a third daemon from the list: rendered from the desired system, keyed by its stage name', async () => {
    const ex = new FakeExchange();
    const clock = new ManualClock(0);
    const ports = new FakeDaemon('ports');
    const extra: DaemonSpec = {
      stage: 'ports',
      configurator: ports,
      render: (d) => `${d.udpPorts.join(',')}\n`,
    };
    const a = unit(ex, clock, 'a-0', 'a', 'initiator', '198.18.0.1', new Faults(), [extra]);
    const b = unit(ex, clock, 'b-0', 'b', 'acceptor', '198.18.1.1');
    await settle([a, b]);
    expect(ports.text).toBe(`${(await a.ports.backend.observe()).map((i) => i.listenPort).join(',')}\n`);
    const report = await a.gateway.reconcile();
    expect(report.daemons.ports).toEqual({ changed: false, enabled: true });
    expect(report.timings.map((t) => t.stage).slice(-3)).toEqual(['bird', 'keepalived', 'ports']);
    const plan = await a.gateway.plan();
    expect(plan.daemons.ports).toEqual({ installed: ports.text, next: ports.text });
    expect(plan.empty).toBe(true);
    ports.text = 'stale\n';
    expect((await a.gateway.plan()).empty).toBe(false);
  });

  it('runs a daemon ordered before-apply before the WireGuard apply', async () => {
    const early: DaemonSpec = {
      stage: 'ports',
      configurator: new FakeDaemon('ports'),
      render: (d) => `${d.udpPorts.join(',')}\n`,
      order: 'before-apply',
    };
    const a = unit(
      new FakeExchange(),
      new ManualClock(0),
      'a-0',
      'a',
      'initiator',
      '198.18.0.1',
      new Faults(),
      [early],
    );
    const stages = (await a.gateway.reconcile()).timings.map((t) => t.stage);
    expect(stages.slice(stages.indexOf('plan'))).toEqual([
      'plan',
      'ports',
      'apply',
      'publish',
      'bird',
      'keepalived',
    ]);
  });

  it('takes links out of the kernel routes before it deletes their interfaces; a failure is reported', async () => {
    const ex = new FakeExchange();
    const clock = new ManualClock(1000);
    const a = unit(ex, clock, 'a-0', 'a', 'initiator', '198.18.0.1');
    const b = unit(ex, clock, 'b-0', 'b', 'acceptor', '198.18.1.1');
    await settle([a, b]);
    const links = (await a.ports.backend.observe()).map((i) => i.name).sort();
    expect(links).toHaveLength(2);
    const calls: { released: string[]; present: string[] }[] = [];
    const routes = {
      async releaseInterfaces(interfaces: readonly string[]) {
        const present = (await a.ports.backend.observe()).map((i) => i.name);
        calls.push({ released: [...interfaces].sort(), present: present.sort() });
        return ['ip -4 route replace 198.51.100.0/24: Operation not permitted'];
      },
    };
    // The peering leaves a's config: its links close and their interfaces go.
    const config = { ...a.ports.config, peerings: [] };
    const gw = new Gateway({
      ...a.ports,
      config,
      routes,
      daemons: [birdDaemon(a.ports.bird), keepalivedDaemon(a.ports.keepalived)],
    });
    const report = await gw.reconcile();
    expect(calls).toEqual([{ released: links, present: links }]);
    expect(await a.ports.backend.observe()).toEqual([]);
    expect(report.problems.filter((p) => p.code === 'ROUTE_RELEASE_FAILED')).toHaveLength(1);
    // Nothing deleted, nothing released.
    await gw.reconcile();
    expect(calls).toHaveLength(1);
  });

  it('refuses a daemon list with a stage name twice or a gateway stage name', () => {
    const ex = new FakeExchange();
    const a = unit(ex, new ManualClock(0), 'a-0', 'a', 'initiator', '198.18.0.1');
    const d = (stage: string): DaemonSpec => ({
      stage,
      configurator: new FakeDaemon(stage),
      render: () => '',
    });
    expect(() => new Gateway({ ...a.ports, daemons: [d('bird'), d('bird')] })).toThrow(
      /daemons\[1\]\.stage "bird" is used twice/,
    );
    expect(() => new Gateway({ ...a.ports, daemons: [d('apply')] })).toThrow(/gateway's own stages/);
  });
});
