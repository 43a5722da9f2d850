/**
 * Errors the CLI raises itself. Each says `[cli]`, what was wrong and what to do.
 * Config and preflight errors come from `@wg-gateway/runtime`.
 * @module
 */
import { WgGatewayError } from '@wg-gateway/core';

/** A failure of the command line tool, with an exit code. */
export class CliError extends WgGatewayError {
  /** Process exit code (1 unless said otherwise). */
  readonly exitCode: number;

  constructor(
    code: string,
    message: string,
    options: { hint?: string; cause?: unknown; exitCode?: number } = {},
  ) {
    super(code, `[cli] ${message}`, options);
    this.exitCode = options.exitCode ?? 1;
  }
}
