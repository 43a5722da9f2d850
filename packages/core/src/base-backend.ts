/**
 * The base every backend extends (kysely's `RuntimeDriver`, as a base class):
 * it opens the backend once on first use, closes it once, refuses calls after
 * `close()`, refuses `facts()` when the capability is missing, and runs the
 * per-change apply loop so that every change gets its own report. A backend
 * only says how to observe, how to apply one change and how to gather facts.
 * @module
 */
import type {
  ApplyReport,
  BackendCapabilities,
  ChangeResult,
  FactsQuery,
  WireGuardBackend,
} from './backend.js';
import type { InterfaceChange } from './changes.js';
import { WgGatewayError } from './errors.js';
import type { HostFacts } from './facts.js';
import type { ObservedInterface } from './observed.js';

/** The methods of the contract, as named in errors. */
export type BackendMethod = 'observe' | 'apply' | 'facts';

/** A call reached a backend after its `close()`. */
export class BackendClosedError extends WgGatewayError {
  constructor(backend: string, method: BackendMethod) {
    super('BACKEND_CLOSED', `[core] [${backend}] ${method}() called after close()`, {
      hint: 'create a new backend; a closed one cannot be reopened',
    });
  }
}

/** An optional method whose capability the backend does not declare. */
export class BackendNotSupportedError extends WgGatewayError {
  constructor(backend: string, method: BackendMethod) {
    super(
      'BACKEND_NOT_SUPPORTED',
      `[core] [${backend}] The \`${method}\` method is not supported by this backend`,
      {
        hint: `check the backend's capabilities before calling ${method}()`,
      },
    );
  }
}

/** A change failed with something that was not already a {@link WgGatewayError}. */
export class BackendError extends WgGatewayError {
  constructor(backend: string, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super('BACKEND_FAILED', `[${backend}] ${message}`, options);
  }
}

/** What one change cost, filled in by {@link BaseBackend.applyChange}. */
export interface ChangeStep {
  /** System commands or netlink requests so far; counted even when the change fails. */
  operations: number;
  /** Private keys this change handled: scrubbed from its error message. */
  readonly secrets: string[];
}

const scrub = (text: string, secrets: readonly string[]): string =>
  secrets.filter((s) => s.length > 0).reduce((t, s) => t.split(s).join('(private key)'), text);

/**
 * Extend this to write a backend: implement `observeInterfaces`,
 * `applyChange` and (when `capabilities.facts`) `gatherFacts`; override
 * `open`/`shutdown` to hold sockets or processes. `P` is what
 * `prepareApply` hands each change of one `apply()` (a cache, a client).
 *
 * Constructing a backend must do no I/O: `open()` runs on the first call.
 */
export abstract class BaseBackend<P = void> implements WireGuardBackend {
  abstract readonly name: string;
  abstract readonly capabilities: BackendCapabilities;
  #opening: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  /** Acquire sockets, processes, resolve modes. Runs once, before the first call; retried if it fails. */
  protected open(): Promise<void> {
    return Promise.resolve();
  }

  /** Release what `open()` acquired. Runs once, and only if `open()` succeeded. */
  protected shutdown(): Promise<void> {
    return Promise.resolve();
  }

  /** Every interface this gateway manages, and nothing else. */
  protected abstract observeInterfaces(): Promise<readonly ObservedInterface[]>;

  /** Called once per non-empty `apply()`, before its first change. */
  protected prepareApply(): Promise<P> {
    return Promise.resolve(undefined as P);
  }

  /** Apply one change, counting operations and noting secrets in `step`; throw when it fails. */
  protected abstract applyChange(change: InterfaceChange, step: ChangeStep, prepared: P): Promise<void>;

  /** Host facts; only called when `capabilities.facts` is true. */
  protected gatherFacts(_query: FactsQuery): Promise<HostFacts> {
    return Promise.reject(new BackendNotSupportedError(this.name, 'facts'));
  }

  /**
   * The error reported for a failed change: a {@link WgGatewayError} as is,
   * anything else wrapped with the change named and the secrets scrubbed.
   */
  protected changeError(e: unknown, change: InterfaceChange, step: ChangeStep): WgGatewayError {
    if (e instanceof WgGatewayError) return e;
    const message = scrub(e instanceof Error ? e.message : String(e), step.secrets);
    return new BackendError(this.name, `${change.action} ${change.name}: ${message}`, {
      hint: 'see the cause',
      cause: e,
    });
  }

  /** Open the backend if it is not yet; raise {@link BackendClosedError} after `close()`. */
  protected async ready(method: BackendMethod): Promise<void> {
    if (this.#closing) throw new BackendClosedError(this.name, method);
    this.#opening ??= this.open().catch((e: unknown) => {
      this.#opening = undefined;
      throw e;
    });
    await this.#opening;
  }

  async observe(): Promise<readonly ObservedInterface[]> {
    await this.ready('observe');
    return this.observeInterfaces();
  }

  /** Apply changes in order; each failure is reported and the next change still runs. */
  async apply(changes: readonly InterfaceChange[]): Promise<ApplyReport> {
    await this.ready('apply');
    if (changes.length === 0) return { results: [], operations: 0 };
    const prepared = await this.prepareApply();
    const results: ChangeResult[] = [];
    for (const change of changes) {
      const step: ChangeStep = { operations: 0, secrets: [] };
      const base = { name: change.name, action: change.action };
      try {
        await this.applyChange(change, step, prepared);
        results.push({ ...base, ok: true, operations: step.operations });
      } catch (e) {
        const error = this.changeError(e, change, step);
        results.push({ ...base, ok: false, error, operations: step.operations });
      }
    }
    return { results, operations: results.reduce((n, r) => n + r.operations, 0) };
  }

  async facts(query: FactsQuery): Promise<HostFacts> {
    if (this.#closing) throw new BackendClosedError(this.name, 'facts');
    if (!this.capabilities.facts) throw new BackendNotSupportedError(this.name, 'facts');
    await this.ready('facts');
    return this.gatherFacts(query);
  }

  /** Close once; later calls return the same promise. Waits for an `open()` under way. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const opening = this.#opening;
      if (opening === undefined) return;
      try {
        await opening;
      } catch {
        return; // never opened: nothing to release
      }
      await this.shutdown();
    })();
    return this.#closing;
  }
}
