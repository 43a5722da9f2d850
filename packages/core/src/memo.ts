/**
 * A bounded memo for pure string functions (prefix parsing, canonical forms,
 * decoded peer data): the same few strings recur across every link of every
 * reconcile. Bounded in entries and in total key length, since keys may come
 * from peers.
 * @module
 */

/** Default bound on the summed length of cached keys (characters). */
export const MEMO_KEY_BUDGET = 4 * 1024 * 1024;

/**
 * Wrap a pure one-argument function with a cache of at most `limit` entries
 * whose keys sum to at most `budget` characters (oldest evicted first; a key
 * longer than the budget is never cached).
 */
export function memoize<T>(
  fn: (input: string) => T,
  limit = 8192,
  budget = MEMO_KEY_BUDGET,
): (input: string) => T {
  const cache = new Map<string, T>();
  let total = 0;
  return (input: string): T => {
    const hit = cache.get(input);
    if (hit !== undefined) return hit;
    const value = fn(input);
    if (input.length > budget) return value;
    while (cache.size > 0 && (cache.size >= limit || total + input.length > budget)) {
      const oldest = cache.keys().next().value as string;
      cache.delete(oldest);
      total -= oldest.length;
    }
    cache.set(input, value);
    total += input.length;
    return value;
  };
}
