import { describe, expect, it } from 'vitest';
import {
  formatOspfTimers,
  negotiateOspfTimers,
  type OspfTimers,
  parseOspfTimers,
  REFERENCE_OSPF_TIMERS,
} from '../src/ospf-timers.js';
import { type Unit, World } from './support/world.js';

const t = (helloSeconds: number, deadSeconds: number): OspfTimers => ({ helloSeconds, deadSeconds });

describe('ospf-timers wire value', () => {
  it('parses HELLO/DEAD and formats it back', () => {
    expect(parseOspfTimers('1/4')).toEqual({ ok: true, value: t(1, 4) });
    expect(parseOspfTimers(' 10 / 40 ')).toEqual({ ok: true, value: t(10, 40) });
    expect(parseOspfTimers('65534/65535')).toEqual({ ok: true, value: t(65534, 65535) });
    expect(formatOspfTimers(t(1, 4))).toBe('1/4');
  });

  for (const bad of ['4/4', '5/4', '0/4', '1', '1/4/5', 'a/b', '1/70000', '-1/4', '1.5/4', '', '1/4,2/8']) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      const r = parseOspfTimers(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(/HELLO\/DEAD/);
    });
  }
});

describe('negotiateOspfTimers', () => {
  const asks: (OspfTimers | undefined)[] = [
    undefined,
    t(1, 4),
    t(1, 40),
    t(2, 3),
    t(5, 30),
    t(10, 11),
    t(3, 100),
  ];

  it('is symmetric and always gives dead > hello, at least as slow as either side', () => {
    for (const a of asks) {
      for (const b of asks) {
        const ab = negotiateOspfTimers(a, b);
        expect(negotiateOspfTimers(b, a)).toEqual(ab);
        expect(ab.deadSeconds).toBeGreaterThan(ab.helloSeconds);
        for (const x of [a ?? REFERENCE_OSPF_TIMERS, b ?? REFERENCE_OSPF_TIMERS]) {
          expect(ab.helloSeconds).toBeGreaterThanOrEqual(x.helloSeconds);
          expect(ab.deadSeconds).toBeGreaterThanOrEqual(x.deadSeconds);
        }
      }
    }
  });

  it('counts a side that publishes none as the reference (5/30)', () => {
    expect(negotiateOspfTimers(t(1, 4), undefined)).toEqual(t(5, 30));
    expect(negotiateOspfTimers(undefined, undefined)).toEqual(t(5, 30));
    expect(negotiateOspfTimers(t(1, 4), t(1, 4))).toEqual(t(1, 4));
    expect(negotiateOspfTimers(t(1, 40), t(2, 3))).toEqual(t(2, 40));
  });
});

/** Every routed link of the world: its timers at both ends. */
function linkTimers(
  w: World,
): { from: string; to: string; near: OspfTimers | undefined; far: OspfTimers | undefined }[] {
  const timersOf = (u: Unit, port: number) => u.desired?.bird.interfaceTimers?.[`wg${port}`];
  return [...w.units.values()].flatMap((u) =>
    u.state.links
      .filter((l) => l.status === 'open')
      .map((l) => {
        const far = w.units.get(l.peerUnit) as Unit;
        const back = far.state.links.find((x) => x.peerPublicKey === l.publicKey && x.status === 'open');
        return {
          from: u.id,
          to: far.id,
          near: timersOf(u, l.port),
          far: back ? timersOf(far, back.port) : undefined,
        };
      }),
  );
}

const twoSites = () =>
  new World(
    [
      { name: 'a', units: 2, tunnels: 2 },
      { name: 'b', units: 2, tunnels: 2 },
    ],
    [{ id: 'a-b', initiator: 'a', acceptor: 'b' }],
  );

describe('reconcile: OSPF timers per link', () => {
  it('publishes what the config asks for, and two wg-gateway units run it on both ends', () => {
    const w = twoSites();
    w.settle();
    const a1 = w.units.get('a-1') as Unit;
    expect(a1.published?.peerings['a-b']?.['ospf-timers']).toBe('1/4');
    const links = linkTimers(w);
    expect(links).toHaveLength(16);
    for (const l of links) {
      expect(l.near).toEqual(t(1, 4));
      expect(l.far).toEqual(l.near);
    }
  });

  it('runs 5/30 on the links to a reference unit (no ospf-timers) and 1/4 on the others', () => {
    const w = twoSites();
    const ref = w.units.get('b-4') as Unit;
    // A reference unit runs its fixed 5/30 and publishes no timers.
    ref.config = { ...ref.config, routing: { ...ref.config.routing, helloSeconds: 5, deadSeconds: 30 } };
    w.noTimers.add(ref.id);
    w.settle();
    expect(ref.published?.peerings['a-b']?.['ospf-timers']).toBeUndefined();
    const links = linkTimers(w);
    expect(links).toHaveLength(16);
    for (const l of links) {
      const toRef = l.from === ref.id || l.to === ref.id;
      expect(l.near, `${l.from} → ${l.to}`).toEqual(toRef ? t(5, 30) : t(1, 4));
      expect(l.far).toEqual(l.near);
    }
    // The same unit's BIRD model mixes both.
    const a1 = w.units.get('a-1') as Unit;
    const perInterface = Object.values(a1.desired?.bird.interfaceTimers ?? {});
    expect(perInterface).toContainEqual(t(5, 30));
    expect(perInterface).toContainEqual(t(1, 4));
  });

  it('takes the slower of two different asks on both ends, and follows a change', () => {
    const w = twoSites();
    for (const u of w.units.values())
      if (u.group === 'b')
        u.config = { ...u.config, routing: { ...u.config.routing, helloSeconds: 2, deadSeconds: 10 } };
    w.settle();
    for (const l of linkTimers(w)) expect([l.near, l.far]).toEqual([t(2, 10), t(2, 10)]);
    for (const u of w.units.values())
      if (u.group === 'b')
        u.config = { ...u.config, routing: { ...u.config.routing, helloSeconds: 1, deadSeconds: 4 } };
    w.settle();
    for (const l of linkTimers(w)) expect([l.near, l.far]).toEqual([t(1, 4), t(1, 4)]);
  });

  it('reports invalid ospf-timers as PEER_DATA_INVALID naming the field, keeps the unit and runs 5/30 with it', () => {
    const w = twoSites();
    w.settle();
    const a1 = w.units.get('a-1') as Unit;
    const b3 = w.units.get('b-3') as Unit;
    const pub = b3.published as NonNullable<Unit['published']>;
    a1.view.set(b3.id, { ...pub, peerings: { 'a-b': { ...pub.peerings['a-b'], 'ospf-timers': '4/4' } } });
    w.step(a1.id);
    const p = a1.problems.find((x) => x.code === 'PEER_DATA_INVALID');
    expect(p?.unit).toBe('b-3');
    expect(p?.issues?.[0]).toMatchObject({ path: 'ospf-timers', value: '"4/4"' });
    expect(p?.message).toMatch(/ospf-timers from b-3 ignored.*hello 5 \/ dead 30/);
    const toB3 = a1.state.links.filter((l) => l.peerUnit === 'b-3');
    expect(toB3.map((l) => l.status)).toEqual(['open', 'open']);
    for (const l of a1.state.links) {
      expect(a1.desired?.bird.interfaceTimers?.[`wg${l.port}`]).toEqual(
        l.peerUnit === 'b-3' ? t(5, 30) : t(1, 4),
      );
    }
  });

  it('keeps the timers a refused unit asks for on its held links', () => {
    const w = twoSites();
    w.settle();
    const a1 = w.units.get('a-1') as Unit;
    const b3 = w.units.get('b-3') as Unit;
    const pub = b3.published as NonNullable<Unit['published']>;
    a1.view.set(b3.id, { ...pub, peerings: { 'a-b': { ...pub.peerings['a-b'], mtu: '12' } } });
    w.step(a1.id);
    expect(a1.problems.find((x) => x.code === 'PEER_DATA_INVALID')?.unit).toBe('b-3');
    for (const l of a1.state.links)
      expect(a1.desired?.bird.interfaceTimers?.[`wg${l.port}`]).toEqual(t(1, 4));
  });
});
