/**
 * The error of a bad daemon list given to the Gateway.
 * @module
 */
import { WgGatewayError } from './errors.js';

/** A daemon list entry's stage name cannot be used. */
export class InvalidDaemonListError extends WgGatewayError {
  constructor(
    readonly index: number,
    readonly stage: string,
    problem: string,
  ) {
    super('INVALID_DAEMON_LIST', `[core] daemons[${index}].stage ${JSON.stringify(stage)} ${problem}`, {
      hint: 'give each daemon its own stage name, e.g. bird, keepalived, nftables',
    });
  }
}
