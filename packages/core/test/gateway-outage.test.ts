/**
 * An outage is not a departure: with the exchange unreachable, or a remote
 * unit's entry missing, links, ports and keys stay; a withdrawal, or an entry
 * missing past the grace, closes them.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { parseGroupConfig } from '../src/config.js';
import { birdDaemon, keepalivedDaemon } from '../src/daemon-spec.js';
import { DryRunBackend } from '../src/dry-run-backend.js';
import { Gateway } from '../src/gateway.js';
import { decodeState } from '../src/state.js';
import { FakeKeySource } from './support/fake-key-source.js';
import { FakeDaemon, FakeExchange, FakeStateStore } from './support/fakes.js';

const HOUR = 3_600_000;

function unit(exchange: FakeExchange, clock: ManualClock, name: string, group: 'a' | 'b', grace?: number) {
  const config = parseGroupConfig({
    unit: name,
    group,
    'ingress-address': group === 'a' ? '198.18.0.1' : '198.18.1.1',
    'advertise-prefixes': group === 'a' ? ['192.0.2.0/24'] : ['198.51.100.0/24'],
    peerings: [{ id: 'a-b', role: group === 'a' ? 'initiator' : 'acceptor' }],
    ...(grace === undefined ? {} : { 'remote-grace-seconds': grace }),
  });
  const ports = {
    config,
    state: new FakeStateStore(),
    exchange,
    backend: new DryRunBackend([], { pathMtu: {}, interfaceOf: {}, routerId: config.ingressAddress }),
    daemons: [birdDaemon(new FakeDaemon('bird')), keepalivedDaemon(new FakeDaemon('keepalived'))],
    clock,
    keys: new FakeKeySource(name),
  };
  return { ports, gateway: new Gateway(ports) };
}

type Unit = ReturnType<typeof unit>;

async function settle(units: Unit[], rounds = 6) {
  for (let i = 0; i < rounds; i++) for (const u of units) await u.gateway.reconcile();
}

/** Links and interfaces of `u`, as comparable data (status, ports, keys). */
async function snapshot(u: Unit) {
  const state = decodeState(u.ports.state.text ?? '{}');
  return {
    links: state.links.map((l) => ({ ...l })),
    interfaces: (await u.ports.backend.observe()).map((i) => ({ name: i.name, port: i.listenPort })),
  };
}

async function converged() {
  const clock = new ManualClock(1_000_000);
  const ex = new FakeExchange(undefined, () => clock.now());
  const a = unit(ex, clock, 'a-0', 'a');
  const b = unit(ex, clock, 'b-0', 'b');
  await settle([a, b]);
  const before = await snapshot(a);
  expect(before.interfaces).toHaveLength(2);
  expect(before.links.every((l) => l.status === 'open')).toBe(true);
  return { clock, ex, a, b, before };
}

describe('Gateway through exchange outages', () => {
  it('keeps every link while the exchange is unreachable, and reports the outage', async () => {
    const { clock, ex, a, b, before } = await converged();
    ex.unreachable = true;
    for (let i = 0; i < 5; i++) {
      clock.advance(10 * HOUR);
      const r = await a.gateway.reconcile();
      expect(r.ok).toBe(true);
      expect(r.changes).toEqual([]);
      expect(r.exchange).toMatchObject({ reachable: false, held: 1 });
      expect(r.exchange?.units).toEqual([
        expect.objectContaining({ peering: 'a-b', unit: 'b-0', state: 'held', reason: 'unreachable' }),
      ]);
      expect(r.problems.map((p) => p.code)).toEqual(
        expect.arrayContaining(['EXCHANGE_UNREACHABLE', 'PUBLISH_SKIPPED']),
      );
    }
    expect(await snapshot(a)).toEqual(before);
    ex.unreachable = false;
    await settle([a, b], 2);
    expect(await snapshot(a)).toEqual(before);
    const r = await a.gateway.reconcile();
    expect(r.exchange).toMatchObject({ reachable: true, held: 0 });
  });

  it('keeps the links of a unit whose entry vanishes for a while; they return with the same ports and keys', async () => {
    const { clock, ex, a, b, before } = await converged();
    ex.peerings.get('a-b')?.delete('b-0'); // its lease ran out
    for (let i = 0; i < 5; i++) {
      clock.advance(HOUR);
      const r = await a.gateway.reconcile();
      expect(r.ok).toBe(true);
      expect(r.changes).toEqual([]);
      expect(r.exchange?.units).toEqual([
        expect.objectContaining({
          unit: 'b-0',
          state: 'held',
          reason: 'missing',
          missingSince: 1_000_000 + HOUR,
        }),
      ]);
    }
    expect(await snapshot(a)).toEqual(before);
    await settle([b, a], 3); // b publishes again
    expect(await snapshot(a)).toEqual(before);
    expect((await a.gateway.reconcile()).exchange?.units[0]).toMatchObject({ state: 'fresh', ageSeconds: 0 });
  });

  it('closes the links of a unit that withdraws', async () => {
    const { ex, a, b } = await converged();
    await ex.withdraw({ group: 'b', unit: 'b-0' });
    const r = await a.gateway.reconcile();
    expect(r.exchange?.units).toEqual([expect.objectContaining({ unit: 'b-0', state: 'withdrawn' })]);
    const after = await snapshot(a);
    expect(after.interfaces).toEqual([]);
    expect(after.links.every((l) => l.status !== 'open')).toBe(true);
    void b;
  });

  it('closes the links of a unit missing for longer than remote-grace-seconds', async () => {
    const clock = new ManualClock(1_000_000);
    const ex = new FakeExchange(undefined, () => clock.now());
    const a = unit(ex, clock, 'a-0', 'a', 600);
    const b = unit(ex, clock, 'b-0', 'b');
    await settle([a, b]);
    ex.peerings.get('a-b')?.delete('b-0');
    await a.gateway.reconcile();
    clock.advance(599_000);
    await a.gateway.reconcile();
    expect((await snapshot(a)).interfaces).toHaveLength(2);
    clock.advance(1_000);
    const r = await a.gateway.reconcile();
    expect(r.problems.map((p) => p.code)).toContain('REMOTE_UNIT_DEPARTED');
    expect((await snapshot(a)).interfaces).toEqual([]);
  });

  it('keeps the held data in the state file, and does not rewrite it for a steady exchange', async () => {
    const { clock, a } = await converged();
    const saved = decodeState(a.ports.state.text ?? '');
    expect(Object.keys(saved.remote?.peerings['a-b'] ?? {})).toEqual(['b-0']);
    const text = a.ports.state.text;
    clock.advance(30_000);
    await a.gateway.reconcile();
    expect(a.ports.state.text).toBe(text);
  });
});
