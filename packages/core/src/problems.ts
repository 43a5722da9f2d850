/**
 * Problems: what reconcile could not do, reported rather than thrown so that
 * one bad peering never stops the others.
 * @module
 */
import type { ValidationIssue } from './errors.js';

/** One reported problem. */
export interface Problem {
  /** Stable code, e.g. `PEER_DATA_INVALID`, `PORT_EXHAUSTED`. */
  readonly code: string;
  readonly message: string;
  /** The peering it concerns, if any. */
  readonly peering?: string;
  /** The remote (or group) unit it concerns, if any. */
  readonly unit?: string;
  readonly issues?: readonly ValidationIssue[];
}
