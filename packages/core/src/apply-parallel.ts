/**
 * Handing a plan to the backend in parallel: changes of different
 * interfaces are independent, so each interface's changes go to
 * `backend.apply()` as their own call, several at once. With wg-quick a
 * create takes seconds (one process chain per interface); one after another
 * they made a reconcile of eight new links last 15 s or more.
 * @module
 */
import type { ApplyReport, ChangeResult, WireGuardBackend } from './backend.js';
import type { InterfaceChange } from './changes.js';

/** At most this many `backend.apply()` calls run at once. */
export const APPLY_CONCURRENCY = 4;

/**
 * Apply `changes` through `backend`: grouped by interface name (a name's
 * changes stay in plan order, in one call), at most `limit` groups at a
 * time. Results come back in plan order, as one sequential call would give them.
 */
export async function applyInParallel(
  backend: Pick<WireGuardBackend, 'apply'>,
  changes: readonly InterfaceChange[],
  limit = APPLY_CONCURRENCY,
): Promise<ApplyReport> {
  if (changes.length === 0) return { results: [], operations: 0 };
  const groups = new Map<string, InterfaceChange[]>();
  for (const c of changes) {
    const g = groups.get(c.name);
    if (g) g.push(c);
    else groups.set(c.name, [c]);
  }
  const queue = [...groups.values()];
  const byChange = new Map<InterfaceChange, ChangeResult>();
  let operations = 0;
  const worker = async () => {
    for (let group = queue.shift(); group; group = queue.shift()) {
      const report = await backend.apply(group);
      operations += report.operations;
      group.forEach((c, i) => {
        const r = report.results[i];
        if (r) byChange.set(c, r);
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, worker));
  const results = changes.flatMap((c) => {
    const r = byChange.get(c);
    return r ? [r] : [];
  });
  return { results, operations };
}
