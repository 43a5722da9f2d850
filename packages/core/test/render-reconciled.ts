/**
 * Desired systems made by the real `reconcile()`: two units of two groups
 * peered until their links are open. The renderers must accept what the
 * engine derives, not only hand-written fixtures.
 */
import { ManualClock } from '../src/clock.js';
import { parseGroupConfig } from '../src/config.js';
import type { DesiredSystem } from '../src/desired.js';
import { seededKeySource } from '../src/keys.js';
import type { PeerDataWire } from '../src/peer-data.js';
import { type ReconcileResult, reconcile } from '../src/reconcile.js';
import { emptyState } from '../src/state.js';

const PEERING = 'site-a--site-b';

const configs = {
  a: parseGroupConfig({
    unit: 'a-0',
    group: 'site-a',
    'ingress-address': '2001:db8::a',
    'advertise-prefixes': '192.0.2.0/24, 2001:db8:a::/48',
    vips: '192.0.2.100/24, 2001:db8:a::100/64',
    peerings: [{ id: PEERING, role: 'initiator' }],
    'router-id': '192.0.2.1',
    ospf: { hello: 5, dead: 30, bfd: { 'interval-ms': 100, multiplier: 5 } },
  }),
  b: parseGroupConfig({
    unit: 'b-0',
    group: 'site-b',
    'ingress-address': '198.51.100.2',
    'advertise-prefixes': '198.51.100.0/24, 203.0.113.0/24, 2001:db8:b::/48',
    peerings: [{ id: PEERING, role: 'acceptor' }],
  }),
};

/** Reconcile both units in turn until neither publishes anything new (bounded). */
export function reconciledPair(): { readonly a: DesiredSystem; readonly b: DesiredSystem } {
  const clock = new ManualClock(1_700_000_000_000);
  const keys = { a: seededKeySource('render-a'), b: seededKeySource('render-b') };
  const facts = {
    a: { pathMtu: {}, interfaceOf: { '192.0.2.100': 'lan0', '2001:db8:a::100': 'lan0' } },
    b: { pathMtu: {}, interfaceOf: {} },
  };
  let state = { a: emptyState(50000), b: emptyState(50000) };
  let published: Record<'a' | 'b', PeerDataWire> = { a: {}, b: {} };
  let last: Partial<Record<'a' | 'b', ReconcileResult>> = {};
  for (let round = 0; round < 10; round += 1) {
    const before = JSON.stringify(published);
    for (const [me, them] of [
      ['a', 'b'],
      ['b', 'a'],
    ] as const) {
      const r = reconcile({
        config: configs[me],
        state: state[me],
        remote: { [PEERING]: { [configs[them].unit]: published[them] } },
        group: {},
        facts: facts[me],
        clock,
        keys: keys[me],
      });
      state = { ...state, [me]: r.state };
      published = { ...published, [me]: r.publish.peerings[PEERING] ?? {} };
      last = { ...last, [me]: r };
    }
    if (JSON.stringify(published) === before) break;
  }
  if (!last.a || !last.b) throw new Error('reconcile did not run');
  return { a: last.a.desired, b: last.b.desired };
}
