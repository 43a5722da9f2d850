/**
 * Key age and key rotation metrics (docs/key-rotation.md). Labels are
 * peering ids only: never a key.
 * @module
 */
import type { UnitState } from '@wg-gateway/core';
import { Gauge, type Registry } from 'prom-client';

/** Key metrics on a gateway's registry. */
export class KeyMetrics {
  readonly #age: Gauge;
  readonly #rotating: Gauge;
  readonly #remaining: Gauge;

  constructor(registry: Registry) {
    const gauge = (name: string, help: string) =>
      new Gauge({ name, help, labelNames: ['peering'], registers: [registry] });
    this.#age = gauge(
      'wg_gateway_key_age_seconds',
      "Age of the peering's oldest non-retired WireGuard key (alert when it exceeds the rotation policy)",
    );
    this.#rotating = gauge(
      'wg_gateway_key_rotation_in_progress',
      '1 while a key rotation of the peering runs',
    );
    this.#remaining = gauge(
      'wg_gateway_key_rotation_keys_remaining',
      'Keys the running rotation of the peering has still to replace (0 when none runs)',
    );
  }

  /** Set from the saved state at `now` (epoch ms). */
  setKeys(state: UnitState | undefined, now: number): void {
    for (const g of [this.#age, this.#rotating, this.#remaining]) g.reset();
    const oldest = new Map<string, number>();
    for (const k of state?.keys ?? []) {
      if (k.retired) continue;
      oldest.set(k.peering, Math.min(oldest.get(k.peering) ?? Number.POSITIVE_INFINITY, k.createdAt));
    }
    for (const [peering, createdAt] of oldest)
      this.#age.set({ peering }, Math.max(0, (now - createdAt) / 1000));
    for (const [peering, r] of Object.entries(state?.rotations ?? {})) {
      const running = r.completedAt === undefined;
      const left = running
        ? (state?.keys ?? []).filter(
            (k) => k.peering === peering && !k.retired && k.createdAt <= r.requestedAt,
          ).length
        : 0;
      this.#rotating.set({ peering }, running ? 1 : 0);
      this.#remaining.set({ peering }, left);
    }
  }
}
