import { describe, expect, it } from 'vitest';
import { PortExhaustedError } from '../src/errors.js';
import { PortAllocator } from '../src/ports.js';

describe('port allocator', () => {
  it('hands out odd and even ports, skipping used ones', () => {
    const a = new PortAllocator({ min: 50000, max: 50010 }, [50001, 50002], 50000);
    expect(a.take('odd')).toBe(50003);
    expect(a.take('even')).toBe(50004);
    expect(a.take('odd')).toBe(50005);
    expect(a.counter).toBe(50006);
  });

  it('wraps around to reuse freed ports', () => {
    const a = new PortAllocator({ min: 50000, max: 50005 }, [50003, 50005], 50004);
    expect(a.take('odd')).toBe(50001);
  });

  it('names the range when exhausted', () => {
    const a = new PortAllocator({ min: 50000, max: 50003 }, [50001], 50000);
    expect(a.take('odd')).toBe(50003);
    expect(() => a.take('odd')).toThrow(PortExhaustedError);
    expect(() => a.take('odd')).toThrow(/odd port left in port range 50000-50003/);
    expect(a.take('even')).toBe(50000);
  });

  it('resets a counter outside the range', () => {
    expect(new PortAllocator({ min: 100, max: 110 }, [], 5).take('even')).toBe(100);
  });
});
