/**
 * The clock port: core reads time only through it.
 * @module
 */

/** Milliseconds since the epoch. */
export interface Clock {
  now(): number;
}

/** A clock that stays where it is set; for tests and simulations. */
export class ManualClock implements Clock {
  #now: number;
  constructor(start = 0) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  /** Move forward by `ms`. */
  advance(ms: number): void {
    this.#now += ms;
  }
}
