/**
 * The report of one gateway reconcile: what changed, how long each stage
 * took, what went wrong. Rendered by the CLI, turned into metrics by runtime.
 * @module
 */
import type { ChangeResult } from './backend.js';
import type { Problem } from './problems.js';
import type { ExchangeHealth } from './remote-cache.js';
import type { LinkStatus } from './state.js';

/** Stages of one reconcile, in order. */
export const GATEWAY_STAGES = [
  'lock',
  'load-state',
  'read-exchange',
  'facts',
  'reconcile',
  'save-state',
  'publish',
  'observe',
  'plan',
  'apply',
  'bird',
  'keepalived',
] as const;

/** One stage of a reconcile. */
export type GatewayStage = (typeof GATEWAY_STAGES)[number];

/** Time spent in one stage. */
export interface StageTiming {
  readonly stage: GatewayStage;
  readonly ms: number;
}

/** The outcome of one reconcile. */
export interface GatewayReport {
  /** True when every stage succeeded (problems may still be reported). */
  readonly ok: boolean;
  /** The stage that failed and stopped the reconcile. */
  readonly failedStage?: GatewayStage;
  readonly error?: { readonly code: string; readonly message: string };
  /** One result per WireGuard change applied. */
  readonly changes: readonly ChangeResult[];
  /** Whether BIRD's / Keepalived's config changed (and was reloaded). */
  readonly bird: { readonly changed: boolean };
  readonly keepalived: { readonly changed: boolean; readonly enabled: boolean };
  readonly problems: readonly Problem[];
  readonly timings: readonly StageTiming[];
  /** Links by status after the reconcile. */
  readonly links: Readonly<Record<LinkStatus, number>>;
  /** Exchange health: reachable or not, and per remote unit whether its data is fresh or held (absent: not read). */
  readonly exchange?: ExchangeHealth;
  /** Epoch ms. */
  readonly startedAt: number;
  readonly durationMs: number;
}
