import { describe, expect, it } from 'vitest';
import type { ExchangeSnapshot } from '../src/gateway-ports.js';
import { resolveRemote, SEEN_REFRESH_MS } from '../src/remote-cache.js';
import type { RemoteCache } from '../src/state.js';
import { refKey } from './fixtures.js';

const good = (n: number) => ({
  'ingress-address': `198.51.100.${n}`,
  'advertise-prefixes': '198.51.100.0/24',
  'public-keys': refKey('b', n),
  'listen-ports': '',
});
const snap = (units: Record<string, Record<string, string>>, withdrawn: Record<string, number> = {}) =>
  ({
    peerings: { p: units },
    group: {},
    withdrawn: {
      peerings: { p: Object.fromEntries(Object.entries(withdrawn).map(([u, at]) => [u, { at }])) },
      group: {},
    },
  }) satisfies ExchangeSnapshot;
const cache = (missingSince?: number): RemoteCache => ({
  peerings: { p: { b: { wire: good(1), seenAt: 1000, ...(missingSince ? { missingSince } : {}) } } },
  group: {},
});
const base = { peerings: ['p'], now: 100_000, graceMs: 50_000 };

describe('resolveRemote', () => {
  it('holds every unit while the exchange is unreachable, without changing the cache', () => {
    const r = resolveRemote({ ...base, read: { status: 'unreachable', error: 'down' }, cache: cache() });
    expect(r.remote).toEqual({ p: { b: good(1) } });
    expect(r.cacheChanged).toBe(false);
    expect(r.health).toMatchObject({ reachable: false, error: 'down', held: 1 });
    expect(r.health.units[0]).toMatchObject({ state: 'held', reason: 'unreachable', ageSeconds: 99 });
  });

  it('holds a missing unit, remembering since when, and drops it after the grace', () => {
    const r = resolveRemote({ ...base, read: { status: 'ok', snapshot: snap({}) }, cache: cache() });
    expect(r.remote.p).toEqual({ b: good(1) });
    expect(r.cache.peerings.p?.b?.missingSince).toBe(100_000);
    expect(r.cacheChanged).toBe(true);
    const later = resolveRemote({
      ...base,
      now: 149_999,
      read: { status: 'ok', snapshot: snap({}) },
      cache: r.cache,
    });
    expect(later.remote.p).toEqual({ b: good(1) });
    expect(later.cacheChanged).toBe(false);
    const gone = resolveRemote({
      ...base,
      now: 150_000,
      read: { status: 'ok', snapshot: snap({}) },
      cache: r.cache,
    });
    expect(gone.remote.p).toEqual({});
    expect(gone.cache.peerings).toEqual({});
    expect(gone.problems.map((p) => p.code)).toEqual(['REMOTE_UNIT_DEPARTED']);
  });

  it('drops a withdrawn unit at once', () => {
    const r = resolveRemote({
      ...base,
      read: { status: 'ok', snapshot: snap({}, { b: 5 }) },
      cache: cache(),
    });
    expect(r.remote.p).toEqual({});
    expect(r.cache.peerings).toEqual({});
    expect(r.health.units).toEqual([{ peering: 'p', unit: 'b', state: 'withdrawn', ageSeconds: 99 }]);
  });

  it('keeps the last good data over invalid data, and passes invalid data it cannot replace to reconcile', () => {
    const bad = { 'ingress-address': 'nonsense' };
    const r = resolveRemote({
      ...base,
      read: { status: 'ok', snapshot: snap({ b: bad, c: bad }) },
      cache: cache(),
    });
    expect(r.remote.p).toEqual({ b: good(1), c: bad });
    expect(Object.keys(r.cache.peerings.p ?? {})).toEqual(['b']);
    expect(r.problems).toEqual([expect.objectContaining({ code: 'REMOTE_DATA_HELD', unit: 'b' })]);
  });

  it('takes new good data, refreshes seenAt at most once a minute, and forgets unconfigured peerings', () => {
    const fresh = resolveRemote({
      ...base,
      read: { status: 'ok', snapshot: snap({ b: good(1) }) },
      cache: cache(),
    });
    expect(fresh.cache.peerings.p?.b?.seenAt).toBe(100_000);
    const steady = resolveRemote({
      ...base,
      now: 100_000 + SEEN_REFRESH_MS - 1,
      read: { status: 'ok', snapshot: snap({ b: good(1) }) },
      cache: fresh.cache,
    });
    expect(steady.cacheChanged).toBe(false);
    const moved = resolveRemote({
      ...base,
      read: { status: 'ok', snapshot: snap({ b: good(2) }) },
      cache: fresh.cache,
    });
    expect(moved.cacheChanged).toBe(true);
    expect(moved.remote.p).toEqual({ b: good(2) });
    const dropped = resolveRemote({
      ...base,
      peerings: [],
      read: { status: 'ok', snapshot: snap({}) },
      cache: cache(),
    });
    expect(dropped).toMatchObject({ cacheChanged: true, cache: { peerings: {} } });
  });
});
