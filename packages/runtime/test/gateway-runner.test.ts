import type { GatewayReport } from '@wg-gateway/core';
import { describe, expect, it } from 'vitest';
import { GatewayRunner, jitteredInterval, type TriggerReason } from '../src/daemon/gateway-runner.js';

const report = { ok: true } as GatewayReport;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A FAKE gateway: counts calls and the highest concurrency seen. */
function fakeGateway(ms: number) {
  const state = { calls: 0, active: 0, maxActive: 0 };
  const reconcile = async () => {
    state.calls += 1;
    state.active += 1;
    state.maxActive = Math.max(state.maxActive, state.active);
    await sleep(ms);
    state.active -= 1;
    return report;
  };
  return { state, reconcile };
}

async function waitFor(cond: () => boolean, ms = 3000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

describe('GatewayRunner', () => {
  it('reconciles at start, never twice at once, and coalesces triggers during a run', async () => {
    const g = fakeGateway(50);
    const reasons: TriggerReason[] = [];
    const ac = new AbortController();
    const runner = new GatewayRunner({
      reconcile: g.reconcile,
      intervalMs: 60_000,
      signal: ac.signal,
      onReport: (_r, why) => reasons.push(why),
    });
    const done = runner.start();
    for (let i = 0; i < 10; i++) runner.trigger('demand');
    await waitFor(() => g.state.calls === 2 && g.state.active === 0);
    ac.abort();
    await done;
    expect(g.state.maxActive).toBe(1);
    expect(reasons).toEqual(['start', 'demand']);
  });

  it('debounces a burst of exchange changes into one reconcile', async () => {
    const g = fakeGateway(1);
    let fire: () => void = () => undefined;
    let unwatched = false;
    const runner = new GatewayRunner({
      reconcile: g.reconcile,
      debounceMs: 40,
      watch: (cb) => {
        fire = cb;
        return () => {
          unwatched = true;
        };
      },
    });
    const done = runner.start();
    await waitFor(() => g.state.calls === 1);
    for (let i = 0; i < 20; i++) fire();
    await waitFor(() => g.state.calls === 2);
    await sleep(100);
    expect(g.state.calls).toBe(2);
    await runner.stop();
    await done;
    expect(unwatched).toBe(true);
  });

  it('reconciles on the interval and stops cleanly, waiting for the run in flight', async () => {
    const g = fakeGateway(30);
    const runner = new GatewayRunner({ reconcile: g.reconcile, intervalMs: 20 });
    const done = runner.start();
    await waitFor(() => g.state.calls >= 3);
    await runner.stop();
    await done;
    expect(g.state.active).toBe(0);
    const after = g.state.calls;
    await sleep(60);
    expect(g.state.calls).toBe(after);
  });

  it('reports a thrown reconcile and keeps going', async () => {
    let n = 0;
    const errors: unknown[] = [];
    const runner = new GatewayRunner({
      reconcile: async () => {
        n += 1;
        if (n === 1) throw new Error('boom');
        return report;
      },
      onError: (e) => errors.push(e),
    });
    const done = runner.start();
    await waitFor(() => errors.length === 1);
    runner.trigger();
    await waitFor(() => n === 2);
    await runner.stop();
    await done;
    expect(String(errors[0])).toMatch(/boom/);
  });

  it('calls supervise on every supervision tick, never two at once, and stops with the runner', async () => {
    const g = fakeGateway(1);
    let ticks = 0;
    let active = 0;
    let maxActive = 0;
    const ac = new AbortController();
    const runner = new GatewayRunner({
      reconcile: g.reconcile,
      intervalMs: 60_000,
      signal: ac.signal,
      superviseIntervalMs: 10,
      supervise: async () => {
        ticks += 1;
        active += 1;
        maxActive = Math.max(maxActive, active);
        await sleep(25);
        active -= 1;
      },
    });
    const done = runner.start();
    await waitFor(() => ticks >= 3);
    ac.abort();
    await done;
    const after = ticks;
    await sleep(50);
    expect(ticks).toBe(after);
    expect(maxActive).toBe(1);
  });

  it('runs a change seen during a reconcile right after it, without waiting for the debounce', async () => {
    const g = fakeGateway(100);
    let fire: () => void = () => undefined;
    const reasons: TriggerReason[] = [];
    const runner = new GatewayRunner({
      reconcile: g.reconcile,
      // Far longer than the test may wait: only the running reconcile may hold the change back.
      debounceMs: 60_000,
      intervalMs: 600_000,
      watch: (cb) => {
        fire = cb;
        return () => undefined;
      },
      onReport: (_r, why) => reasons.push(why),
    });
    const done = runner.start();
    await waitFor(() => g.state.active === 1);
    fire();
    fire();
    await waitFor(() => g.state.calls === 2, 5000);
    await runner.stop();
    await done;
    expect(reasons).toEqual(['start', 'exchange']);
  });

  it('jitters the interval by ±20 % so units started together spread out', async () => {
    expect(jitteredInterval(60_000, 0)).toBe(48_000);
    expect(jitteredInterval(60_000, 0.5)).toBe(60_000);
    expect(jitteredInterval(60_000, 0.75)).toBe(66_000);
    const g = fakeGateway(1);
    const runner = new GatewayRunner({ reconcile: g.reconcile, intervalMs: 20, random: () => 0 });
    const done = runner.start();
    await waitFor(() => g.state.calls >= 3);
    await runner.stop();
    await done;
  });
});
