/**
 * The continuous loop around the one-shot gateway reconcile: reconcile on
 * exchange changes (debounced), on a jittered interval and on demand; at
 * most one reconcile at a time, and a change seen during one runs right
 * after it (never held back longer than one apply); a graceful stop on an
 * abort signal.
 * @module
 */
import type { GatewayReport } from '@wg-gateway/core';

/** Why a reconcile ran. */
export type TriggerReason = 'start' | 'exchange' | 'interval' | 'demand';

/** Options of {@link GatewayRunner}. */
export interface GatewayRunnerOptions {
  /** One reconcile (the core `Gateway`). */
  readonly reconcile: () => Promise<GatewayReport>;
  /** Subscribe to exchange changes; returns the unsubscribe function. */
  readonly watch?: (onChange: () => void) => () => void;
  /**
   * Periodic reconcile, like the reference's update-status hook. Default 60 s.
   * Each wait is drawn from ±{@link INTERVAL_JITTER} of it, so units started
   * together do not all reconcile (and hit the exchange) at the same instant.
   */
  readonly intervalMs?: number;
  /**
   * Quiet time after an exchange change before reconciling, while idle.
   * Default 100 ms. A change during a reconcile needs none: the next
   * reconcile starts as soon as the running one ends.
   */
  readonly debounceMs?: number;
  /** A burst of changes never delays a reconcile more than this. Default 5 s. */
  readonly maxDelayMs?: number;
  /** Stops the runner when aborted (e.g. on SIGTERM). */
  readonly signal?: AbortSignal;
  /** Called with every report. */
  readonly onReport?: (report: GatewayReport, reason: TriggerReason) => void;
  /** Called when a reconcile throws (it should not: stage failures are reports). */
  readonly onError?: (error: unknown, reason: TriggerReason) => void;
  /**
   * Called on every supervision tick, e.g. `DaemonSupervisor.tick` to
   * restart a dead daemon (process mode). Should not throw.
   */
  readonly supervise?: () => Promise<unknown>;
  /** Supervision tick. Default 5 s. */
  readonly superviseIntervalMs?: number;
  /** Random numbers in [0, 1) for the jitter; default `Math.random`. */
  readonly random?: () => number;
}

/** The interval timer's spread: each wait is interval × (1 ± this). */
export const INTERVAL_JITTER = 0.2;

/** One jittered wait of `intervalMs`, from `r` in [0, 1). */
export function jitteredInterval(intervalMs: number, r: number): number {
  return Math.round(intervalMs * (1 - INTERVAL_JITTER + 2 * INTERVAL_JITTER * r));
}

/** Runs reconciles until stopped. */
export class GatewayRunner {
  readonly #o: Required<Pick<GatewayRunnerOptions, 'intervalMs' | 'debounceMs' | 'maxDelayMs'>> &
    GatewayRunnerOptions;
  #running: Promise<void> | undefined;
  #pending: TriggerReason | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #firstChangeAt: number | undefined;
  #interval: NodeJS.Timeout | undefined;
  #recheck: NodeJS.Timeout | undefined;
  #superviseTimer: NodeJS.Timeout | undefined;
  #supervising = false;
  #unwatch: (() => void) | undefined;
  #stopped = false;
  #done: (() => void) | undefined;
  /** Reconciles completed so far. */
  count = 0;

  constructor(options: GatewayRunnerOptions) {
    this.#o = { intervalMs: 60_000, debounceMs: 100, maxDelayMs: 5_000, ...options };
  }

  /** Start: one reconcile now, then on changes and the interval. Resolves once stopped. */
  start(): Promise<void> {
    const stopped = new Promise<void>((resolve) => {
      this.#done = resolve;
    });
    if (this.#o.signal?.aborted) {
      void this.stop();
      return stopped;
    }
    this.#o.signal?.addEventListener('abort', () => void this.stop(), { once: true });
    this.#unwatch = this.#o.watch?.(() => this.#onChange());
    this.#scheduleInterval();
    if (this.#o.supervise) {
      this.#superviseTimer = setInterval(() => void this.#supervise(), this.#o.superviseIntervalMs ?? 5000);
    }
    this.trigger('start');
    return stopped;
  }

  /** Ask for a reconcile; coalesced with one already queued. */
  trigger(reason: TriggerReason = 'demand'): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#pending ??= reason;
      return;
    }
    this.#running = this.#run(reason);
  }

  #scheduleInterval(): void {
    const wait = jitteredInterval(this.#o.intervalMs, (this.#o.random ?? Math.random)());
    this.#interval = setTimeout(() => {
      this.trigger('interval');
      if (!this.#stopped) this.#scheduleInterval();
    }, wait);
  }

  #onChange(): void {
    if (this.#stopped) return;
    if (this.#running) {
      // The running reconcile already read the exchange; the next one starts
      // when it ends, which is the debounce.
      clearTimeout(this.#debounce);
      this.#firstChangeAt = undefined;
      this.#pending ??= 'exchange';
      return;
    }
    const now = Date.now();
    this.#firstChangeAt ??= now;
    clearTimeout(this.#debounce);
    const wait = Math.min(this.#o.debounceMs, Math.max(0, this.#firstChangeAt + this.#o.maxDelayMs - now));
    this.#debounce = setTimeout(() => {
      this.#firstChangeAt = undefined;
      this.trigger('exchange');
    }, wait);
  }

  async #run(reason: TriggerReason): Promise<void> {
    let next: TriggerReason | undefined = reason;
    while (next !== undefined && !this.#stopped) {
      const why: TriggerReason = next;
      try {
        const report = await this.#o.reconcile();
        this.count += 1;
        this.#o.onReport?.(report, why);
        // A key rotation in progress asks to be looked at again soon.
        clearTimeout(this.#recheck);
        if (report.recheckMs !== undefined && !this.#stopped)
          this.#recheck = setTimeout(() => this.trigger('interval'), report.recheckMs);
      } catch (e) {
        this.#o.onError?.(e, why);
      }
      next = this.#pending;
      this.#pending = undefined;
    }
    this.#running = undefined;
  }

  /** One supervision tick; skipped while the previous one still runs. */
  async #supervise(): Promise<void> {
    if (this.#supervising || this.#stopped || !this.#o.supervise) return;
    this.#supervising = true;
    try {
      await this.#o.supervise();
    } catch (e) {
      this.#o.onError?.(e, 'interval');
    } finally {
      this.#supervising = false;
    }
  }

  /** Stop timers and watches, wait for the reconcile in flight. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#debounce);
    clearTimeout(this.#interval);
    clearTimeout(this.#recheck);
    clearInterval(this.#superviseTimer);
    this.#unwatch?.();
    this.#unwatch = undefined;
    await this.#running;
    this.#done?.();
  }
}
