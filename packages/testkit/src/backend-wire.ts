/**
 * The IPC messages between {@link RemoteBackend} and the backend host, and
 * how errors cross the process boundary (code, message, hint kept).
 * @module
 */
import { type ApplyReport, WgGatewayError, type WireGuardBackend } from '@wg-gateway/core';

/**
 * Where a child process finds a backend's factory: it calls
 * `(await import(module))[export](options)`. The factory may return a
 * promise; an exported class is also accepted (`new Class(options)`).
 */
export interface BackendSpec {
  /** A specifier the child can import: a package name (`@wg-gateway/backend-wgquick`) or a file URL. */
  readonly module: string;
  /** Name of the exported factory (`createWgQuickBackend`). */
  readonly export: string;
  /** JSON options given to the factory; absent = its defaults. */
  readonly options?: Readonly<Record<string, unknown>>;
}

/** A function that makes a backend from JSON options. */
export type BackendFactory = (options?: unknown) => WireGuardBackend | Promise<WireGuardBackend>;

/** Build the backend a {@link BackendSpec} names, in this process. */
export async function loadBackend(spec: BackendSpec): Promise<WireGuardBackend> {
  const mod = (await import(spec.module)) as Record<string, unknown>;
  const made = mod[spec.export];
  if (typeof made !== 'function')
    throw new WgGatewayError(
      'BACKEND_FACTORY_MISSING',
      `[testkit] ${spec.module} has no function export ${spec.export}`,
      {
        hint: 'export a factory (options) => WireGuardBackend and name it in the spec',
      },
    );
  // A class cannot be called: construct it.
  const isClass = /^class\b/.test(Function.prototype.toString.call(made));
  const args = spec.options === undefined ? [] : [spec.options];
  return isClass
    ? new (made as new (...a: unknown[]) => WireGuardBackend)(...args)
    : await (made as (...a: unknown[]) => WireGuardBackend | Promise<WireGuardBackend>)(...args);
}

/** A method call. */
export interface CallMessage {
  readonly id: number;
  readonly method: 'observe' | 'apply' | 'facts' | 'close';
  readonly arg?: unknown;
}

/** An error as plain data. */
export interface WireError {
  readonly name: string;
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
}

/** A reply, or the host's first message (`id` 0: ready or failed). */
export type ReplyMessage =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: WireError };

/** An error as plain data (no stack, no cause: they may quote secrets). */
export function toWire(e: unknown): WireError {
  if (e instanceof WgGatewayError)
    return { name: e.name, code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  const err = e instanceof Error ? e : new Error(String(e));
  return { name: err.name, code: 'ERROR', message: err.message };
}

/** Back to a {@link WgGatewayError} with the same name, code, message and hint. */
export function fromWire(w: WireError): WgGatewayError {
  const e = new WgGatewayError(w.code, w.message, w.hint === undefined ? {} : { hint: w.hint });
  e.name = w.name;
  return e;
}

/** An apply report with its errors as plain data. */
export function reportToWire(r: ApplyReport): unknown {
  return { ...r, results: r.results.map((x) => (x.error ? { ...x, error: toWire(x.error) } : x)) };
}

/** An apply report with its errors rehydrated. */
export function reportFromWire(r: unknown): ApplyReport {
  const report = r as { results: { error?: WireError }[]; operations: number };
  return {
    ...report,
    results: report.results.map((x) => (x.error ? { ...x, error: fromWire(x.error) } : x)),
  } as unknown as ApplyReport;
}
