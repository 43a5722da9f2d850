import { describe, expect, it } from 'vitest';
import { applyInParallel } from '../src/apply-parallel.js';
import type { ApplyReport } from '../src/backend.js';
import type { InterfaceChange } from '../src/changes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A FAKE backend: records each apply call and how many ran at once. */
function fakeBackend(failing = new Set<string>()) {
  const calls: string[][] = [];
  const state = { active: 0, maxActive: 0 };
  return {
    calls,
    state,
    async apply(changes: readonly InterfaceChange[]): Promise<ApplyReport> {
      calls.push(changes.map((c) => `${c.action} ${c.name}`));
      state.active += 1;
      state.maxActive = Math.max(state.maxActive, state.active);
      await sleep(20);
      state.active -= 1;
      const results = changes.map((c) => ({
        name: c.name,
        action: c.action,
        ok: !failing.has(c.name),
        operations: 2,
      }));
      return { results, operations: results.length * 2 };
    },
  };
}

const change = (action: 'create' | 'delete', name: string) => ({ action, name }) as InterfaceChange;

describe('applying a plan in parallel', () => {
  it('runs different interfaces at once (bounded), the changes of one name in order in one call, results in plan order', async () => {
    const b = fakeBackend(new Set(['wg50005']));
    const plan = [
      change('delete', 'wg50001'),
      change('create', 'wg50003'),
      change('create', 'wg50001'),
      change('create', 'wg50005'),
      change('create', 'wg50007'),
      change('create', 'wg50009'),
      change('create', 'wg50011'),
    ];
    const r = await applyInParallel(b, plan, 4);
    expect(b.state.maxActive).toBe(4);
    expect(b.calls).toContainEqual(['delete wg50001', 'create wg50001']);
    expect(b.calls).toHaveLength(6);
    expect(r.results.map((x) => `${x.action} ${x.name}`)).toEqual(plan.map((c) => `${c.action} ${c.name}`));
    expect(r.results.find((x) => x.name === 'wg50005')?.ok).toBe(false);
    expect(r.operations).toBe(14);
  });

  it('makes no call for an empty plan', async () => {
    const b = fakeBackend();
    expect(await applyInParallel(b, [])).toEqual({ results: [], operations: 0 });
    expect(b.calls).toEqual([]);
  });
});
