import { describe, expect, it } from 'vitest';
import { memoize } from '../src/memo.js';

describe('memoize', () => {
  const counting = (limit: number, budget: number) => {
    const calls: string[] = [];
    const f = memoize(
      (s) => {
        calls.push(s);
        return s.length;
      },
      limit,
      budget,
    );
    return { f, calls };
  };

  it('caches up to `limit` entries, evicting the oldest', () => {
    const { f, calls } = counting(2, 1000);
    for (const s of ['a', 'b', 'a', 'c', 'a', 'b']) f(s);
    expect(calls).toEqual(['a', 'b', 'c', 'a', 'b']); // oldest inserted goes first, not least recently used
  });

  it('bounds the summed key length: long keys from peers cannot fill memory', () => {
    const { f, calls } = counting(100, 10);
    f('aaaa');
    f('bbbb');
    f('cccc'); // 12 > 10: 'aaaa' goes
    f('bbbb');
    f('aaaa');
    f('x'.repeat(11)); // over the budget alone: never cached
    f('x'.repeat(11));
    expect(calls).toEqual(['aaaa', 'bbbb', 'cccc', 'aaaa', 'x'.repeat(11), 'x'.repeat(11)]);
  });
});
