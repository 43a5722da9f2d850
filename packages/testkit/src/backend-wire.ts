/**
 * The IPC messages between {@link RemoteBackend} and the backend host, and
 * how errors cross the process boundary (code, message, hint kept).
 * @module
 */
import { type ApplyReport, WgGatewayError } from '@wg-gateway/core';

/** Which backend the host builds: `new (await import(module))[export](options)`. */
export interface BackendSpec {
  /** Package name (`@wg-gateway/backend-wgquick`) or an absolute file URL. */
  readonly module: string;
  /** Export name of the class (`WgQuickBackend`). */
  readonly export: string;
  /** JSON options given to the constructor. */
  readonly options?: Readonly<Record<string, unknown>>;
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
