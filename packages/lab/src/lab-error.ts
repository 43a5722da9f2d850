/**
 * The lab's error type.
 * @module
 */
import { WgGatewayError } from '@wg-gateway/core';

/** A lab failure: message prefixed `[lab] [<part>]`, with a hint of what to do. */
export class LabError extends WgGatewayError {
  constructor(message: string, hint: string, options: { cause?: unknown; part?: string } = {}) {
    super('LAB_ERROR', `[lab] [${options.part ?? 'topology'}] ${message}`, {
      hint,
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
  }
}
