/**
 * Run any WireGuard backend inside a network namespace: a host process
 * started with `nsenter` serves the backend over IPC, and
 * {@link RemoteBackend} is the test side's `WireGuardBackend`.
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type ApplyReport,
  type BackendCapabilities,
  BackendClosedError,
  type FactsQuery,
  type HostFacts,
  type InterfaceChange,
  type ObservedInterface,
  type WireGuardBackend,
} from '@wg-gateway/core';
import {
  type BackendSpec,
  type CallMessage,
  fromWire,
  type ReplyMessage,
  reportFromWire,
} from './backend-wire.js';
import type { Netns } from './netns.js';

// Beside this file in dist; tests that import src/ use the built copy.
const HOST_SCRIPT = [
  new URL('./backend-host.js', import.meta.url),
  new URL('../dist/backend-host.js', import.meta.url),
]
  .map((u) => fileURLToPath(u))
  .find((p) => existsSync(p)) as string;

/** A backend living in a child process; every call crosses IPC. */
export class RemoteBackend implements WireGuardBackend {
  readonly name: string;
  readonly capabilities: BackendCapabilities;
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly #timeoutMs: number;
  #next = 1;
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(
    child: ChildProcess,
    name: string,
    capabilities: BackendCapabilities,
    timeoutMs: number,
  ) {
    this.#child = child;
    this.name = name;
    this.capabilities = capabilities;
    this.#timeoutMs = timeoutMs;
    child.on('message', (raw) => {
      const m = raw as ReplyMessage;
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(fromWire(m.error));
    });
    child.on('exit', (code, signal) => {
      for (const p of this.#pending.values()) p.reject(new Error(`backend host exited (${code ?? signal})`));
      this.#pending.clear();
    });
  }

  /** Start the host with `start(argv, options)` and wait for it to build the backend. */
  static async start(
    start: (argv: string[], options: { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }) => ChildProcess,
    spec: BackendSpec,
    timeoutMs = 60_000,
  ): Promise<RemoteBackend> {
    const child = start([process.execPath, HOST_SCRIPT, JSON.stringify(spec)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const hello = await new Promise<{ name: string; capabilities: BackendCapabilities }>(
      (resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`backend host for ${spec.module} did not start in ${timeoutMs} ms`));
        }, timeoutMs);
        child.once('message', (raw) => {
          clearTimeout(timer);
          const m = raw as ReplyMessage;
          if (m.ok) resolve(m.value as { name: string; capabilities: BackendCapabilities });
          else reject(fromWire(m.error));
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`backend host for ${spec.module} exited with ${code} before it was ready`));
        });
        child.once('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      },
    );
    return new RemoteBackend(child, hello.name, hello.capabilities, timeoutMs);
  }

  #call(method: CallMessage['method'], arg?: unknown): Promise<unknown> {
    if (this.#closed && method !== 'close') return Promise.reject(new BackendClosedError(this.name, method));
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`backend ${this.name}: ${method} took more than ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.#child.send({ id, method, ...(arg === undefined ? {} : { arg }) } satisfies CallMessage);
    });
  }

  async observe(): Promise<readonly ObservedInterface[]> {
    return (await this.#call('observe')) as ObservedInterface[];
  }

  async apply(changes: readonly InterfaceChange[]): Promise<ApplyReport> {
    return reportFromWire(await this.#call('apply', changes));
  }

  async facts(query: FactsQuery): Promise<HostFacts> {
    return (await this.#call('facts', query)) as HostFacts;
  }

  /** Close the backend, then let the host exit (killed if it lingers). Safe twice. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        const reply = this.#call('close');
        this.#closed = true;
        await reply;
      } catch {
        // the host is gone already
      } finally {
        this.#closed = true;
        if (this.#child.exitCode === null) {
          const exited = new Promise((r) => this.#child.once('exit', r));
          const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        }
      }
    })();
    return this.#closing;
  }
}

/**
 * Run a backend inside `ns`: `startBackendIn(ns, { module:
 * '@wg-gateway/backend-wgquick', export: 'createWgQuickBackend', options: {...} })`.
 * Equivalent to: `nsenter -t HOLDER -n -m -- node backend-host.js SPEC`.
 */
export function startBackendIn(ns: Netns, spec: BackendSpec): Promise<RemoteBackend> {
  return RemoteBackend.start((argv, options) => ns.spawn(argv, options), spec);
}
