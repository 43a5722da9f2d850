/**
 * Keeps the daemons of a process-mode gateway alive: on each tick, asks
 * every adapter to {@link ConfiguredDaemon.supervise} itself, counts the
 * restarts in `wg_gateway_daemon_restarts_total{daemon,result}` and logs them.
 * @module
 */
import { Counter, type Registry } from 'prom-client';
import type { ConfiguredDaemon, SuperviseOutcome } from './configured-daemon.js';

/** The log calls the supervisor makes (a pino logger fits). */
export interface SupervisorLog {
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** What the supervisor needs of an adapter. */
export type SupervisedDaemon = Pick<ConfiguredDaemon, 'name' | 'supervise'>;

/** Options of {@link DaemonSupervisor}. */
export interface DaemonSupervisorOptions {
  /** The adapters to keep alive, or a function giving the current ones (they change on a config reload). */
  readonly daemons: readonly SupervisedDaemon[] | (() => readonly SupervisedDaemon[]);
  /** Where the restart counter is registered (e.g. `GatewayMetrics.registry`). */
  readonly registry?: Registry;
  readonly log?: SupervisorLog;
  /** Epoch ms (tests). */
  readonly now?: () => number;
}

/** Restarts dead daemons with backoff; one {@link tick} per runner tick. */
export class DaemonSupervisor {
  readonly #o: DaemonSupervisorOptions;
  readonly #restarts: Counter<'daemon' | 'result'>;

  constructor(options: DaemonSupervisorOptions) {
    this.#o = options;
    this.#restarts = new Counter({
      name: 'wg_gateway_daemon_restarts_total',
      help: 'Restarts of a daemon found dead, by result (ok or failed)',
      labelNames: ['daemon', 'result'],
      registers: options.registry ? [options.registry] : [],
    });
    for (const d of this.#daemons()) this.#zero(d.name);
  }

  #daemons(): readonly SupervisedDaemon[] {
    const d = this.#o.daemons;
    return typeof d === 'function' ? d() : d;
  }

  /** Zero series per daemon, so a rate() works before the first restart. */
  #zero(daemon: string): void {
    this.#restarts.inc({ daemon, result: 'ok' }, 0);
    this.#restarts.inc({ daemon, result: 'failed' }, 0);
  }

  /** The counter (also reachable through the registry). */
  get restarts(): Counter<'daemon' | 'result'> {
    return this.#restarts;
  }

  /** Check every daemon once; resolves to what each did, by name. Never throws. */
  async tick(): Promise<Record<string, SuperviseOutcome>> {
    const out: Record<string, SuperviseOutcome> = {};
    const now = (this.#o.now ?? Date.now)();
    for (const d of this.#daemons()) {
      this.#zero(d.name);
      let outcome: SuperviseOutcome;
      try {
        outcome = await d.supervise(now);
      } catch (error) {
        outcome = { action: 'restart-failed', attempt: 0, retryInMs: 0, error };
      }
      out[d.name] = outcome;
      if (outcome.action === 'restarted') {
        this.#restarts.inc({ daemon: d.name, result: 'ok' });
        this.#o.log?.warn({ daemon: d.name, attempt: outcome.attempt }, `${d.name} was dead; restarted it`);
      } else if (outcome.action === 'restart-failed') {
        this.#restarts.inc({ daemon: d.name, result: 'failed' });
        const e = outcome.error;
        this.#o.log?.error(
          { daemon: d.name, attempt: outcome.attempt, retryInMs: outcome.retryInMs, err: e },
          `${d.name} is dead and restarting it failed: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    }
    return out;
  }
}
