/** EtcdExchange across an etcd crash and restart (same data dir and ports). */

import { type EtcdProcess, startEtcd } from '@wg-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdExchange } from '../src/exchange/etcd-exchange.js';

let etcd: EtcdProcess;
const exchanges: EtcdExchange[] = [];
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await Promise.all(exchanges.map((e) => e.close()));
  await etcd?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const A = { group: 'site-a', unit: 'site-a/0' };
const B = { group: 'site-b', unit: 'site-b/0' };
const rec = (n: number) => ({ peerings: { ab: { 'ingress-address': `192.0.2.${n}` } }, group: {} });

/** Retry `run` (bounded) while the client reconnects. */
async function eventually<T>(run: () => Promise<T>, tries = 100): Promise<T> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      return await run();
    } catch (e) {
      last = e;
      await sleep(200);
    }
  }
  throw last;
}

describe('EtcdExchange and an etcd restart', () => {
  it('keeps the data, reconnects, and the watch reports changes made after the restart', async () => {
    const opts = { endpoints: [etcd.endpoint], prefix: '/wg-test/restart/', leaseTtlSeconds: 10 };
    const a = new EtcdExchange(opts);
    const b = new EtcdExchange(opts);
    exchanges.push(a, b);
    await b.publish(B, rec(2));
    let calls = 0;
    const stop = a.watch(A, ['ab'], () => {
      calls += 1;
    });
    for (let i = 0; i < 100 && calls === 0; i++) await sleep(50);

    await etcd.restart(500);
    expect((await eventually(() => a.read(A, ['ab']))).peerings.ab).toEqual({
      'site-b/0': rec(2).peerings.ab,
    });

    // Let the watch reconnect (it reports that too), then change something.
    for (let i = 0, seen = -1; i < 60 && seen !== calls; i++) {
      seen = calls;
      await sleep(1000);
    }
    calls = 0;
    await eventually(() => b.publish(B, rec(3)));
    for (let i = 0; i < 300 && calls === 0; i++) await sleep(50);
    expect(calls).toBeGreaterThan(0);
    expect((await a.read(A, ['ab'])).peerings.ab).toEqual({ 'site-b/0': rec(3).peerings.ab });
    stop();
  });
});
