/**
 * Exponential backoff between restarts of a dead daemon: the first restart
 * is immediate, each further one (failed, or dead again soon after)
 * doubles the wait up to a ceiling, and a daemon that stayed up for
 * `stableMs` starts over.
 * @module
 */

/** Options of {@link RestartBackoff}. */
export interface RestartBackoffOptions {
  /** Wait after the first failed restart (default 1 s). */
  readonly initialMs?: number;
  /** Ceiling of the wait (default 60 s). */
  readonly maxMs?: number;
  /** Up this long after the last restart resets the backoff (default 60 s). */
  readonly stableMs?: number;
}

/** Backoff state of one daemon; times are epoch ms passed in by the caller. */
export class RestartBackoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #stableMs: number;
  #attempts = 0;
  #lastAttempt = 0;
  #notBefore = 0;

  constructor(options: RestartBackoffOptions = {}) {
    this.#initialMs = options.initialMs ?? 1000;
    this.#maxMs = options.maxMs ?? 60_000;
    this.#stableMs = options.stableMs ?? 60_000;
  }

  /** Ms to wait before the next attempt may run (0: now). */
  waitMs(now: number): number {
    return Math.max(0, this.#notBefore - now);
  }

  /** Record an attempt at `now`; resolves to its number (1 = first) and schedules the next one. */
  attempt(now: number): number {
    this.#attempts += 1;
    this.#lastAttempt = now;
    const wait = Math.min(this.#maxMs, this.#initialMs * 2 ** (this.#attempts - 1));
    this.#notBefore = now + wait;
    return this.#attempts;
  }

  /** The daemon runs at `now`; once it has stayed up `stableMs`, the next death restarts at once. */
  up(now: number): void {
    if (now - this.#lastAttempt < this.#stableMs) return;
    this.#attempts = 0;
    this.#notBefore = 0;
  }
}
