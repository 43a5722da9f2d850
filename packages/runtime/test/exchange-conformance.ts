/**
 * The one behaviour every {@link Exchange} must show, run against each
 * implementation by a few-line test file. No implementation-specific branches.
 */
import {
  type Exchange,
  ExchangeUnreachableError,
  type PeerDataWire,
  type Publication,
  type UnitAddress,
} from '@wg-gateway/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ExchangeError } from '../src/exchange/exchange-error.js';

/** Exchanges made with the same `space` share data; different spaces are isolated. */
export type ExchangeFactory = (space: string) => Promise<Exchange>;

/** Faults each implementation makes in its own way, for the shared outage tests. */
export interface ExchangeFaults {
  /** Make the exchange of `space` unreadable (etcd stopped, directory gone); resolves to a function that heals it. */
  outage(space: string): Promise<() => Promise<void>>;
  /** Make `self`'s entries vanish without a withdrawal, as when its lease runs out (its exchange is closed already). */
  lose(space: string, self: UnitAddress): Promise<void>;
}

const wire = (n: number, extra: Record<string, string> = {}): PeerDataWire => ({
  'ingress-address': `192.0.2.${n}`,
  'advertise-prefixes': `198.51.${n}.0/24`,
  'public-keys': '',
  'listen-ports': '',
  ...extra,
});
const group = (mtu: number): PeerDataWire => ({ mtu: String(mtu) });
const pub = (peerings: Record<string, PeerDataWire>, g: PeerDataWire = {}): Publication => ({
  peerings,
  group: g,
});

const A1 = { group: 'site-a', unit: 'site-a/0' };
const A2 = { group: 'site-a', unit: 'site-a/1' };
const B1 = { group: 'site-b', unit: 'site-b/0' };
const C1 = { group: 'site-c', unit: 'site-c/0' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait (bounded) until `cond` holds. */
async function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** A watch callback that counts calls; `settle` waits until calls stop for `quietMs` (bounded). */
function counter() {
  const c = {
    calls: 0,
    fn: () => {
      c.calls += 1;
    },
    async settle(quietMs = 600, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      let seen = c.calls;
      let since = Date.now();
      while (Date.now() < deadline) {
        await sleep(50);
        if (c.calls !== seen) {
          seen = c.calls;
          since = Date.now();
        } else if (Date.now() - since >= quietMs) return;
      }
      throw new Error('watch kept firing');
    },
  };
  return c;
}

let spaceSeq = 0;

/** Run the exchange conformance suite against `factory`. */
export function describeExchangeConformance(
  name: string,
  factory: ExchangeFactory,
  faults: ExchangeFaults,
): void {
  describe(`Exchange conformance: ${name}`, () => {
    const made: Exchange[] = [];
    let space = '';
    const open = async () => {
      const ex = await factory(space);
      made.push(ex);
      return ex;
    };
    const fresh = () => {
      space = `s${process.pid}-${Date.now()}-${spaceSeq++}`;
    };

    afterEach(async () => {
      await Promise.all(made.splice(0).map((ex) => ex.close()));
    });

    it('round-trips a publication to units of another group and to the group peers', async () => {
      fresh();
      const [a1, a2, b1] = [await open(), await open(), await open()];
      await a1.publish(A1, pub({ p1: wire(1) }, group(1420)));
      const seenByB = await b1.read(B1, ['p1']);
      expect(seenByB.peerings).toEqual({ p1: { 'site-a/0': wire(1) } });
      expect(seenByB.group).toEqual({});
      const seenByA2 = await a2.read(A2, ['p1']);
      expect(seenByA2.group).toEqual({ 'site-a/0': group(1420) });
    });

    it("hides the unit's own group under a peering and itself in the group", async () => {
      fresh();
      const [a1, a2, b1] = [await open(), await open(), await open()];
      await a1.publish(A1, pub({ p1: wire(1) }, group(1400)));
      await a2.publish(A2, pub({ p1: wire(2) }, group(1380)));
      await b1.publish(B1, pub({ p1: wire(3) }, group(1300)));
      const snap = await a1.read(A1, ['p1']);
      expect(snap.peerings).toEqual({ p1: { 'site-b/0': wire(3) } });
      expect(snap.group).toEqual({ 'site-a/1': group(1380) });
      expect((await b1.read(B1, ['p1'])).peerings.p1).toEqual({ 'site-a/0': wire(1), 'site-a/1': wire(2) });
    });

    it('lets two units of different groups see each other, per peering', async () => {
      fresh();
      const [a1, b1, c1] = [await open(), await open(), await open()];
      await a1.publish(A1, pub({ ab: wire(1), ac: wire(11) }));
      await b1.publish(B1, pub({ ab: wire(2) }));
      await c1.publish(C1, pub({ ac: wire(3) }));
      expect((await a1.read(A1, ['ab', 'ac', 'none'])).peerings).toEqual({
        ab: { 'site-b/0': wire(2) },
        ac: { 'site-c/0': wire(3) },
        none: {},
      });
      expect((await b1.read(B1, ['ab'])).peerings).toEqual({ ab: { 'site-a/0': wire(1) } });
      expect((await c1.read(C1, ['ac'])).peerings).toEqual({ ac: { 'site-a/0': wire(11) } });
    });

    it('withdraws a peering that a later publication leaves out, keeping the rest', async () => {
      fresh();
      const [a1, b1] = [await open(), await open()];
      await a1.publish(A1, pub({ p1: wire(1), p2: wire(1) }, group(1400)));
      await a1.publish(A1, pub({ p2: wire(1, { mtu: '1400' }) }, group(1400)));
      const snap = await b1.read(B1, ['p1', 'p2']);
      expect(snap.peerings).toEqual({ p1: {}, p2: { 'site-a/0': wire(1, { mtu: '1400' }) } });
      const a2 = await open();
      expect((await a2.read(A2, [])).group).toEqual({ 'site-a/0': group(1400) });
    });

    it('refuses names that could escape the layout', async () => {
      fresh();
      const ex = await open();
      for (const bad of ['../x', 'a/../../b', '', '.hidden', 'a b', 'a\0b']) {
        await expect(ex.publish({ group: 'g', unit: bad }, pub({}))).rejects.toBeInstanceOf(ExchangeError);
        await expect(ex.read({ group: bad, unit: 'u' }, [])).rejects.toBeInstanceOf(ExchangeError);
        await expect(ex.read({ group: 'g', unit: 'u' }, [bad])).rejects.toBeInstanceOf(ExchangeError);
      }
    });

    it('calls watch on a remote change and stops after the unsubscribe', async () => {
      fresh();
      const [a1, a2, b1] = [await open(), await open(), await open()];
      const seen = counter();
      const stop = a1.watch(A1, ['p1'], seen.fn);
      await seen.settle();

      seen.calls = 0;
      await b1.publish(B1, pub({ p1: wire(3) }));
      await until(() => seen.calls > 0, 'a call after a remote peering change');
      await seen.settle();

      seen.calls = 0;
      await a2.publish(A2, pub({}, group(1280)));
      await until(() => seen.calls > 0, 'a call after a group peer change');
      await seen.settle();

      seen.calls = 0;
      await b1.publish(B1, pub({}));
      await until(() => seen.calls > 0, 'a call after a remote withdrawal');
      await seen.settle();

      stop();
      stop();
      seen.calls = 0;
      await b1.publish(B1, pub({ p1: wire(4) }));
      await a2.publish(A2, pub({}, group(1300)));
      await sleep(1500);
      expect(seen.calls).toBe(0);
      // The change itself did happen.
      expect((await a1.read(A1, ['p1'])).peerings.p1).toEqual({ 'site-b/0': wire(4) });
    });

    it("stays quiet for the unit's own publishes and for a republish of unchanged data", async () => {
      fresh();
      const [a1, b1] = [await open(), await open()];
      await b1.publish(B1, pub({ p1: wire(3) }, group(1300)));
      const seenByA = counter();
      const seenByB = counter();
      const stops = [a1.watch(A1, ['p1'], seenByA.fn), b1.watch(B1, ['p1'], seenByB.fn)];
      await Promise.all([seenByA.settle(), seenByB.settle()]);

      seenByA.calls = 0;
      seenByB.calls = 0;
      await a1.publish(A1, pub({ p1: wire(1) }, group(1400)));
      await until(() => seenByB.calls > 0, 'the remote unit to see the first publish');
      await seenByB.settle();
      seenByB.calls = 0;
      // A reconcile loop republishes the same data every time: nobody may wake for it.
      await a1.publish(A1, pub({ p1: wire(1) }, group(1400)));
      await b1.publish(B1, pub({ p1: wire(3) }, group(1300)));
      await sleep(1500);
      expect(seenByA.calls).toBe(0);
      expect(seenByB.calls).toBe(0);
      for (const stop of stops) stop();
    });

    it('tells a withdrawal from a present entry, and a later publish clears it', async () => {
      fresh();
      const [a1, a2, b1] = [await open(), await open(), await open()];
      const t0 = Date.now();
      await b1.publish(B1, pub({ p1: wire(3), p2: wire(3) }));
      await a2.publish(A2, pub({}, group(1380)));
      expect((await a1.read(A1, ['p1'])).withdrawn).toEqual({ peerings: { p1: {} }, group: {} });

      // Leaving one peering withdraws the unit from it only.
      await b1.publish(B1, pub({ p2: wire(3) }));
      let snap = await a1.read(A1, ['p1', 'p2']);
      expect(snap.peerings).toEqual({ p1: {}, p2: { 'site-b/0': wire(3) } });
      expect(Object.keys(snap.withdrawn.peerings.p1 ?? {})).toEqual(['site-b/0']);
      expect(snap.withdrawn.peerings.p1?.['site-b/0']?.at).toBeGreaterThanOrEqual(t0 - 1000);
      expect(snap.withdrawn.peerings.p2).toEqual({});

      await b1.withdraw?.(B1);
      await a2.withdraw?.(A2);
      snap = await a1.read(A1, ['p1', 'p2']);
      expect(snap.peerings).toEqual({ p1: {}, p2: {} });
      expect(snap.group).toEqual({});
      expect(Object.keys(snap.withdrawn.peerings.p2 ?? {})).toEqual(['site-b/0']);
      expect(Object.keys(snap.withdrawn.group)).toEqual(['site-a/1']);

      await b1.publish(B1, pub({ p1: wire(4) }));
      snap = await a1.read(A1, ['p1', 'p2']);
      expect(snap.peerings.p1).toEqual({ 'site-b/0': wire(4) });
      expect(snap.withdrawn.peerings.p1).toEqual({});
      expect(Object.keys(snap.withdrawn.peerings.p2 ?? {})).toEqual(['site-b/0']);
    });

    it('shows an entry that vanished without a withdrawal as missing, not withdrawn', async () => {
      fresh();
      const [a1, b1] = [await open(), await open()];
      await b1.publish(B1, pub({ p1: wire(3) }));
      await b1.close();
      await faults.lose(space, B1);
      const snap = await a1.read(A1, ['p1']);
      expect(snap.peerings).toEqual({ p1: {} });
      expect(snap.withdrawn).toEqual({ peerings: { p1: {} }, group: {} });
    });

    it('throws ExchangeUnreachableError while it cannot be read, and has the data again after', async () => {
      fresh();
      const [a1, b1] = [await open(), await open()];
      await b1.publish(B1, pub({ p1: wire(3) }));
      const heal = await faults.outage(space);
      try {
        await expect(a1.read(A1, ['p1'])).rejects.toBeInstanceOf(ExchangeUnreachableError);
      } finally {
        await heal();
      }
      let snap: Awaited<ReturnType<Exchange['read']>> | undefined;
      await until(
        async () => {
          snap = await a1.read(A1, ['p1']).catch(() => undefined);
          return snap !== undefined;
        },
        'the exchange to be readable again',
        60_000,
      );
      expect(snap?.peerings).toEqual({ p1: { 'site-b/0': wire(3) } });
    }, 90_000);

    it('closes idempotently and refuses use afterwards', async () => {
      fresh();
      const ex = await open();
      ex.watch(A1, ['p1'], () => undefined);
      await ex.close();
      await ex.close();
      await expect(ex.read(A1, ['p1'])).rejects.toBeInstanceOf(ExchangeError);
      await expect(ex.publish(A1, pub({}))).rejects.toBeInstanceOf(ExchangeError);
    });
  });
}
