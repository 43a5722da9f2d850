/**
 * Kernel changes as events, without polling: one long-lived monitor child
 * (`ip monitor route` by default, or e.g. `nft monitor tables`) for as long
 * as the monitor runs (restarted with backoff when it exits), and a
 * debounced callback per burst of output. A steady gateway then spawns
 * nothing to learn that nothing changed.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Logger } from '../log.js';

/** Options of {@link EventMonitor}. */
export interface EventMonitorOptions {
  /** Called once per burst of events (after {@link EventMonitorOptions.debounceMs}). */
  readonly onChange: () => void;
  /** Quiet time that ends a burst; default 20 ms (BIRD installs a recomputation's routes within it). */
  readonly debounceMs?: number;
  /** The monitor command, printing a line per event; default `ip monitor route`. */
  readonly command?: readonly string[];
  /** Command prefix, e.g. `nsenter …` to watch another namespace (tests). */
  readonly prefix?: readonly string[];
  readonly log?: Logger;
}

/** Restart delays after the monitor process exits: 1 s doubling to 30 s. */
const RESTART_MIN_MS = 1000;
const RESTART_MAX_MS = 30_000;

/**
 * Watches a kernel event stream (default: IPv4 and IPv6 routes).
 * Equivalent to: `ip monitor route` (or the given command), calling back
 * after each quiet `debounceMs`.
 */
export class EventMonitor {
  readonly #o: EventMonitorOptions;
  #child: ChildProcess | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #restart: NodeJS.Timeout | undefined;
  #backoffMs = RESTART_MIN_MS;
  #running = false;

  constructor(options: EventMonitorOptions) {
    this.#o = options;
  }

  /** Start watching (again after a stop); a no-op while running. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#spawn();
  }

  /** Stop watching: the child is killed, no callback follows. */
  stop(): void {
    this.#running = false;
    clearTimeout(this.#debounce);
    clearTimeout(this.#restart);
    this.#child?.kill();
    this.#child = undefined;
  }

  #spawn(): void {
    const command = this.#o.command ?? ['ip', 'monitor', 'route'];
    const [file, ...args] = [...(this.#o.prefix ?? []), ...command];
    const child = spawn(file as string, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    this.#child = child;
    child.stdout?.on('data', () => {
      // A working monitor resets the backoff.
      this.#backoffMs = RESTART_MIN_MS;
      clearTimeout(this.#debounce);
      this.#debounce = setTimeout(() => {
        if (this.#running) this.#o.onChange();
      }, this.#o.debounceMs ?? 20);
    });
    child.on('error', (e) => this.#o.log?.warn({ err: e, command }, 'event monitor could not start'));
    child.on('close', (code) => {
      if (!this.#running || this.#child !== child) return;
      this.#o.log?.warn({ code, command, retryMs: this.#backoffMs }, 'event monitor exited; restarting');
      this.#restart = setTimeout(() => {
        if (this.#running) this.#spawn();
      }, this.#backoffMs);
      this.#restart.unref();
      this.#backoffMs = Math.min(RESTART_MAX_MS, this.#backoffMs * 2);
      // Changes may have happened while nothing watched.
      this.#o.onChange();
    });
  }
}
