import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { parseGroupConfig } from '../src/config.js';
import { birdDaemon } from '../src/daemon-spec.js';
import { DryRunBackend } from '../src/dry-run-backend.js';
import { EndpointNames } from '../src/endpoint-names.js';
import { Gateway } from '../src/gateway.js';
import type { NameResolver, ResolvedAddress } from '../src/name-resolver.js';
import { pickAddress } from '../src/name-resolver.js';
import type { ObservedInterface } from '../src/observed.js';
import type { Problem } from '../src/problems.js';
import type { LinkRecord } from '../src/state.js';
import { FakeKeySource } from './support/fake-key-source.js';
import { FakeDaemon, FakeExchange, FakeStateStore, Faults } from './support/fakes.js';

/** A fake resolver: answers from a table, counts lookups, fails on demand. */
class FakeResolver implements NameResolver {
  readonly answers = new Map<string, ResolvedAddress[]>();
  failure: string | undefined;
  lookups = 0;
  async lookup(name: string): Promise<readonly ResolvedAddress[]> {
    this.lookups++;
    if (this.failure) throw new Error(this.failure);
    const a = this.answers.get(name);
    if (!a) throw new Error(`ENOTFOUND ${name}`);
    return a;
  }
}

const NAME = 'b0.example.net';

function unit(
  exchange: FakeExchange,
  clock: ManualClock,
  name: string,
  group: string,
  role: 'initiator' | 'acceptor',
  ingress: string,
  resolver: NameResolver | undefined,
  state = new FakeStateStore(new Faults()),
) {
  const config = parseGroupConfig({
    unit: name,
    group,
    'ingress-address': ingress,
    'advertise-prefixes': group === 'a' ? ['192.0.2.0/24'] : ['198.51.100.0/24'],
    peerings: [{ id: 'a-b', role }],
    'router-id': group === 'a' ? '198.18.0.1' : '198.18.1.1',
  });
  const backend = new DryRunBackend([], { pathMtu: {}, interfaceOf: {} });
  const gateway = new Gateway({
    config,
    state,
    exchange,
    backend,
    daemons: [birdDaemon(new FakeDaemon('bird', new Faults()))],
    clock,
    keys: new FakeKeySource(name),
    ...(resolver ? { resolver } : {}),
  });
  return { gateway, backend, state };
}

const endpoints = async (b: DryRunBackend) =>
  (await b.observe()).flatMap((i) => i.peers.map((p) => p.endpoint ?? '-')).sort();
const codes = (ps: readonly Problem[]) => ps.map((p) => `${p.code}:${p.peering}:${p.unit}`);

async function pair(resolver: FakeResolver | undefined) {
  const ex = new FakeExchange();
  const clock = new ManualClock(1_000_000);
  const a = unit(ex, clock, 'a-0', 'a', 'initiator', '198.18.0.1', resolver);
  const b = unit(ex, clock, 'b-0', 'b', 'acceptor', NAME, resolver);
  const settle = async () => {
    for (let i = 0; i < 4; i++) for (const u of [a, b]) await u.gateway.reconcile();
  };
  return { ex, clock, a, b, settle };
}

describe('ingress addresses by name', () => {
  it('prefers the given family, else the first answer', () => {
    const both: ResolvedAddress[] = [
      { address: '2001:db8::1', family: 6 },
      { address: '198.18.1.1', family: 4 },
    ];
    expect(pickAddress(both, 4)).toBe('198.18.1.1');
    expect(pickAddress(both, 6)).toBe('2001:db8::1');
    expect(pickAddress([{ address: '2001:db8::1', family: 6 }], 4)).toBe('2001:db8::1');
    expect(pickAddress([], 4)).toBeUndefined();
  });

  it('the initiator resolves the published name through the port and uses the address as endpoint', async () => {
    const dns = new FakeResolver();
    dns.answers.set(NAME, [
      { address: '2001:db8::b', family: 6 },
      { address: '198.18.1.1', family: 4 },
    ]);
    const { a, settle } = await pair(dns);
    await settle();
    const eps = await endpoints(a.backend);
    expect(eps).toHaveLength(2);
    // Our own ingress is IPv4, so the A record wins.
    for (const e of eps) expect(e).toMatch(/^198\.18\.1\.1:\d+$/);
    const plan = await a.gateway.plan();
    expect(plan.names).toMatchObject([
      { name: NAME, address: '198.18.1.1', users: [{ peering: 'a-b', unit: 'b-0' }] },
    ]);
    expect(plan.problems).toEqual([]);
  });

  it('asks again only when a handshake is older than endpoint-refresh-seconds, and follows a new answer', async () => {
    const dns = new FakeResolver();
    dns.answers.set(NAME, [{ address: '198.18.1.1', family: 4 }]);
    const { a, clock, settle } = await pair(dns);
    await settle();
    const asked = dns.lookups;
    clock.advance(60_000);
    await settle();
    // Fresh links (the dry run never shakes hands: the link's age stands in): no new lookup.
    expect(dns.lookups).toBe(asked);
    dns.answers.set(NAME, [{ address: '198.18.1.99', family: 4 }]);
    clock.advance(80_000); // 140 s > 135 s since the links opened
    await a.gateway.reconcile();
    expect(dns.lookups).toBe(asked + 1);
    for (const e of await endpoints(a.backend)) expect(e).toMatch(/^198\.18\.1\.99:\d+$/);
    // At most one attempt per retry interval while the handshake stays stale.
    await a.gateway.reconcile();
    expect(dns.lookups).toBe(asked + 1);
  });

  it('keeps the last good address when resolution fails, and reports it', async () => {
    const dns = new FakeResolver();
    dns.answers.set(NAME, [{ address: '198.18.1.1', family: 4 }]);
    const { a, clock, settle } = await pair(dns);
    await settle();
    dns.failure = 'queryA ETIMEOUT b0.example.net';
    clock.advance(200_000);
    const report = await a.gateway.reconcile();
    expect(report.ok).toBe(true);
    expect(codes(report.problems)).toEqual(['ENDPOINT_NAME_HELD:a-b:b-0']);
    expect(report.problems[0]?.message).toMatch(/ETIMEOUT.*198\.18\.1\.1 is kept/);
    for (const e of await endpoints(a.backend)) expect(e).toMatch(/^198\.18\.1\.1:\d+$/);
    expect(report.links.open).toBe(2);
  });

  it('after a restart with DNS down, the address saved with the links is held', async () => {
    const dns = new FakeResolver();
    dns.answers.set(NAME, [{ address: '198.18.1.1', family: 4 }]);
    const { ex, clock, a, settle } = await pair(dns);
    await settle();
    dns.failure = 'getaddrinfo EAI_AGAIN';
    const restarted = unit(ex, clock, 'a-0', 'a', 'initiator', '198.18.0.1', dns, a.state);
    const plan = await restarted.gateway.plan();
    expect(plan.names).toMatchObject([{ name: NAME, address: '198.18.1.1', error: 'getaddrinfo EAI_AGAIN' }]);
    expect(codes(plan.problems)).toEqual(['ENDPOINT_NAME_HELD:a-b:b-0']);
    expect(plan.desired.interfaces.every((i) => i.peer.endpoint?.startsWith('198.18.1.1:'))).toBe(true);
  });

  it('a name that never resolved: links open without an endpoint and a problem names peering and unit', async () => {
    const { a, settle } = await pair(undefined);
    await settle();
    const report = await a.gateway.reconcile();
    expect(report.links.open).toBe(2);
    expect(await endpoints(a.backend)).toEqual(['-', '-']);
    expect(codes(report.problems)).toEqual(['ENDPOINT_NAME_UNRESOLVED:a-b:b-0']);
    expect(report.problems[0]?.message).toMatch(/no name resolver/);
  });

  it('asks again when the peer of a link we initiate roamed to another address, not on a peering we accept', async () => {
    const dns = new FakeResolver();
    dns.answers.set(NAME, [{ address: '198.18.1.1', family: 4 }]);
    const names = new EndpointNames(dns, { refreshMs: 135_000, prefer: 4 });
    const link: LinkRecord = {
      peering: 'a-b',
      peerUnit: 'b-0',
      status: 'open',
      publicKey: 'mine',
      port: 50001,
      peerPublicKey: 'theirs',
      peerEndpoint: '198.18.1.1:50002',
      peerPrefixes: [],
      mtu: 1420,
      openedAt: 0,
    };
    const observed = (endpoint: string): ObservedInterface[] => [
      {
        name: 'wg50001',
        listenPort: 50001,
        mtu: 1420,
        addresses: [],
        up: true,
        peers: [
          {
            publicKey: 'theirs',
            endpoint,
            allowedIps: [],
            persistentKeepalive: 5,
            lastHandshake: 59_000,
            rxBytes: 0,
            txBytes: 0,
          },
        ],
      },
    ];
    const remote = { 'a-b': { 'b-0': { 'ingress-address': NAME } } };
    const input = (now: number, endpoint: string, initiating: string[]) => ({
      remote,
      links: [link],
      observed: observed(endpoint),
      initiating: new Set(initiating),
      now,
    });
    await names.refresh(input(0, '198.18.1.1:50002', ['a-b']));
    expect(dns.lookups).toBe(1);
    // Same endpoint, fresh handshake: nothing to ask.
    await names.refresh(input(60_000, '198.18.1.1:50002', ['a-b']));
    expect(dns.lookups).toBe(1);
    // An acceptor only learns endpoints: a different one means nothing.
    await names.refresh(input(60_000, '198.18.1.99:50002', []));
    expect(dns.lookups).toBe(1);
    dns.answers.set(NAME, [{ address: '198.18.1.99', family: 4 }]);
    const table = await names.refresh(input(60_000, '198.18.1.99:50002', ['a-b']));
    expect(dns.lookups).toBe(2);
    expect(table.get(NAME)?.address).toBe('198.18.1.99');
  });
});
