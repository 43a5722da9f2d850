/**
 * Listen-port allocation: initiators take odd ports, acceptors even ones, so
 * two units never pick the same port for one tunnel; closed links' ports
 * rest in quarantine before reuse.
 * @module
 */
import { PortExhaustedError } from './errors.js';

/** Allocates ports of one parity from a range, skipping used ones. */
export class PortAllocator {
  readonly #range: { readonly min: number; readonly max: number };
  readonly #used: Set<number>;
  #counter: number;

  /**
   * @param range inclusive port range
   * @param used ports held by links or in quarantine
   * @param counter where the scan starts (persisted as the port counter)
   */
  constructor(
    range: { readonly min: number; readonly max: number },
    used: Iterable<number>,
    counter: number,
  ) {
    this.#range = range;
    this.#used = new Set(used);
    this.#counter = counter >= range.min && counter <= range.max ? counter : range.min;
  }

  /** The counter to persist. */
  get counter(): number {
    return this.#counter;
  }

  /** Take the next free port of `parity`; throws {@link PortExhaustedError}. */
  take(parity: 'odd' | 'even'): number {
    const { min, max } = this.#range;
    const want = parity === 'odd' ? 1 : 0;
    let p = this.#counter;
    // Each port of the range is visited at most once.
    for (let i = 0; i <= max - min + 1; i++) {
      if (p > max) p = min;
      if (p % 2 === want && !this.#used.has(p)) {
        this.#used.add(p);
        this.#counter = p + 1 > max ? min : p + 1;
        return p;
      }
      p += 1;
    }
    throw new PortExhaustedError(this.#range, parity);
  }
}
