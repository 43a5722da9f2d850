/**
 * Errors raised while configuring and running BIRD and Keepalived.
 * @module
 */
import { WgGatewayError } from '@wg-gateway/core';

/** A daemon adapter failed; `daemon` says which, `output` holds what the tool printed. */
export class DaemonError extends WgGatewayError {
  readonly daemon: string;
  /** The tool's own message (e.g. `bird -p` parse error), when there is one. */
  readonly output: string | undefined;

  constructor(
    code: string,
    daemon: string,
    message: string,
    options: { hint?: string; cause?: unknown; output?: string } = {},
  ) {
    const detail = options.output ? `: ${options.output}` : '';
    super(code, `[runtime] [${daemon}] ${message}${detail}`, {
      ...(options.hint === undefined ? {} : { hint: options.hint }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.daemon = daemon;
    this.output = options.output;
  }
}
