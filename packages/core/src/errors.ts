/**
 * Typed errors. Every error says which package raised it, what was wrong and,
 * where it can, what to do about it. Messages never contain private keys.
 * @module
 */

/** Base class of every wg-gateway error. */
export class WgGatewayError extends Error {
  /** Stable machine-readable code, e.g. `CONFIG_INVALID`. */
  readonly code: string;
  /** What the operator can do about it. */
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }
}

/** One problem found while validating input: where, what value, why. */
export interface ValidationIssue {
  /** Field path, e.g. `peerings[1].role` or `listen-ports`. */
  readonly path: string;
  /** The offending value, shortened for display; never a private key. */
  readonly value: string;
  /** Why it was refused and what is allowed. */
  readonly message: string;
}

/** Format issues as one line each: `path: message (got "value")`. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues
    .map((i) => `${i.path || '(root)'}: ${i.message}${i.value === '' ? '' : ` (got ${i.value})`}`)
    .join('\n');
}

/** The group configuration is invalid; nothing was applied. */
export class ConfigError extends WgGatewayError {
  readonly issues: readonly ValidationIssue[];
  constructor(issues: readonly ValidationIssue[], source = 'config') {
    super('CONFIG_INVALID', `[core] invalid ${source}:\n${formatIssues(issues)}`, {
      hint: 'fix the fields named above; nothing was changed',
    });
    this.issues = issues;
  }
}

/** Peer data published by a remote unit is invalid. */
export class PeerDataError extends WgGatewayError {
  readonly issues: readonly ValidationIssue[];
  constructor(issues: readonly ValidationIssue[], who = 'peer data') {
    super('PEER_DATA_INVALID', `[core] invalid ${who}:\n${formatIssues(issues)}`, {
      hint: 'the remote unit must republish valid data; only this peering is held back',
    });
    this.issues = issues;
  }
}

/** No free port of the needed parity is left in the configured range. */
export class PortExhaustedError extends WgGatewayError {
  constructor(range: { readonly min: number; readonly max: number }, parity: 'odd' | 'even') {
    super('PORT_EXHAUSTED', `[core] no free ${parity} port left in port range ${range.min}-${range.max}`, {
      hint: 'widen port-range, lower tunnels, or wait for closed links to leave quarantine',
    });
  }
}

/** Persisted state cannot be decoded. */
export class StateError extends WgGatewayError {
  /** @param options.prefix who raised it, e.g. `[runtime] [file-state]` (default `[core]`). */
  constructor(message: string, options: { cause?: unknown; prefix?: string; hint?: string } = {}) {
    super('STATE_INVALID', `${options.prefix ?? '[core]'} ${message}`, {
      hint:
        options.hint ??
        'restore the previous state file (kept beside it) or move the file away to start over',
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
  }
}

/** Shorten a value for an error message. */
export function shorten(value: unknown, max = 40): string {
  let s: string;
  try {
    s = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    s = String(value);
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * The exchange could not be read at all (etcd down, directory missing or
 * unreadable). Exchanges throw it from `read()`; the gateway then keeps every
 * remote unit's last good data instead of treating the silence as departures.
 */
export class ExchangeUnreachableError extends WgGatewayError {
  /** @param prefix who raised it, e.g. `[runtime] [etcd]`. */
  constructor(prefix: string, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super('EXCHANGE_UNREACHABLE', `${prefix} ${message}`, {
      hint: options.hint ?? 'check that the exchange (etcd, the exchange directory) is up and reachable',
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
  }
}
