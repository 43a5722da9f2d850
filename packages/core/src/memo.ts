/**
 * A bounded memo for pure string functions (prefix parsing, canonical forms):
 * the same few strings recur across every link of every reconcile.
 * @module
 */

/** Wrap a pure one-argument function with a cache of at most `limit` entries (oldest evicted). */
export function memoize<T>(fn: (input: string) => T, limit = 8192): (input: string) => T {
  const cache = new Map<string, T>();
  return (input: string): T => {
    const hit = cache.get(input);
    if (hit !== undefined) return hit;
    const value = fn(input);
    if (cache.size >= limit) cache.delete(cache.keys().next().value as string);
    cache.set(input, value);
    return value;
  };
}
