/**
 * Errors of the peer-data exchanges.
 * @module
 */
import { WgGatewayError } from '@wg-gateway/core';

/** An exchange operation failed or was given an unusable name. */
export class ExchangeError extends WgGatewayError {
  /** `directory`, `etcd`. */
  readonly exchange: string;

  constructor(exchange: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('EXCHANGE_FAILED', `[runtime] [${exchange}] ${message}`, options);
    this.exchange = exchange;
  }
}
