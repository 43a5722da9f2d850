/**
 * `--json` output: exactly one JSON document on stdout.
 * @module
 */
import { WgGatewayError } from '@wg-gateway/core';

/** Write `value` as one pretty JSON document and a newline to stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** The JSON shape of an error: code, message, hint, and issues where there are some. */
export function errorJson(error: unknown): { ok: false; error: Record<string, unknown> } {
  if (error instanceof WgGatewayError) {
    const extra = error as WgGatewayError & { issues?: unknown; missing?: unknown };
    return {
      ok: false,
      error: {
        code: error.code,
        message: error.message,
        ...(error.hint === undefined ? {} : { hint: error.hint }),
        ...(extra.issues === undefined ? {} : { issues: extra.issues }),
        ...(extra.missing === undefined ? {} : { missing: extra.missing }),
      },
    };
  }
  return {
    ok: false,
    error: { code: 'UNEXPECTED', message: error instanceof Error ? error.message : String(error) },
  };
}
