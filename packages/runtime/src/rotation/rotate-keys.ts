/**
 * `rotateKeys()`: the SDK call behind `wg-gateway keys rotate`. It records a
 * rotation request in the state file (under the state lock); the daemon
 * carries it out, one key at a time (core `rotation.ts`).
 * @module
 */
import { emptyState, type RotationRecord, requestRotation, WgGatewayError } from '@wg-gateway/core';
import type { ComposedGateway } from '../compose/create-gateway.js';

/** A peering named for rotation is not configured. */
export class UnknownPeeringError extends WgGatewayError {
  constructor(peering: string, known: readonly string[]) {
    super('PEERING_UNKNOWN', `[runtime] no peering ${JSON.stringify(peering)} in the config`, {
      hint: `name one of: ${known.join(', ') || '(none configured)'}`,
    });
  }
}

/** Options of {@link rotateKeys}. */
export interface RotateKeysOptions {
  /** Rotate only this peering's keys (default: every configured peering). */
  readonly peering?: string;
  /** Epoch ms (default `Date.now()`). */
  readonly now?: number;
}

/**
 * Ask for a rotation of every key of one peering (or all): the keys held now
 * are replaced make-before-break by the running daemon (`wg-gateway run`),
 * starting at its next reconcile (SIGHUP starts one at once).
 * @returns the rotation records written, per peering id.
 * @throws {UnknownPeeringError} when `peering` is not configured.
 */
export async function rotateKeys(
  gw: ComposedGateway,
  options: RotateKeysOptions = {},
): Promise<Record<string, RotationRecord>> {
  const known = gw.config.group.peerings.map((p) => p.id);
  if (options.peering !== undefined && !known.includes(options.peering))
    throw new UnknownPeeringError(options.peering, known);
  const ids = options.peering === undefined ? known : [options.peering];
  const release = await gw.state.lock();
  try {
    const before = (await gw.state.load()) ?? emptyState(gw.config.group.portRange.min);
    const next = requestRotation(before, ids, options.now ?? Date.now());
    await gw.state.save(next);
    return Object.fromEntries(ids.map((id) => [id, next.rotations?.[id] as RotationRecord]));
  } finally {
    await release();
  }
}
