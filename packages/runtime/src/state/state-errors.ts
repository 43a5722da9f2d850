/**
 * Errors of the file state store.
 * @module
 */
import { StateError, WgGatewayError } from '@wg-gateway/core';

/** Another live process holds the state lock; waiting for it timed out. */
export class StateLockError extends WgGatewayError {
  /** Pid written in the lock file, when it could be read. */
  readonly holderPid: number | undefined;
  readonly lockPath: string;

  constructor(
    lockPath: string,
    holderPid: number | undefined,
    waitedMs: number,
    options: { cause?: unknown } = {},
  ) {
    const who = holderPid === undefined ? 'another process' : `process ${holderPid}`;
    super(
      'STATE_LOCKED',
      `[runtime] [file-state] ${lockPath} is held by ${who}; gave up after ${waitedMs} ms`,
      {
        hint:
          holderPid === undefined
            ? 'another wg-gateway may be reconciling this unit; retry later'
            : `another wg-gateway (pid ${holderPid}) is reconciling this unit; stop it, or remove the lock file if that pid is not wg-gateway`,
        ...options,
      },
    );
    this.holderPid = holderPid;
    this.lockPath = lockPath;
  }
}

/**
 * The state file exists but cannot be decoded. A {@link StateError}, so
 * callers that handle core's error handle this one; it also names the file.
 */
export class CorruptStateError extends StateError {
  readonly path: string;

  constructor(path: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message.replace(/^\[core\] /, '') : String(cause);
    super(
      `state file ${path} is corrupt: ${why}; it is left untouched (restore ${path}.prev, or call reset() to move it aside)`,
      { cause, prefix: '[runtime] [file-state]' },
    );
    this.path = path;
  }
}
