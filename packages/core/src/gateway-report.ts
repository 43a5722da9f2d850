/**
 * The report of one gateway reconcile: what changed, how long each stage
 * took, what went wrong. Rendered by the CLI, turned into metrics by runtime.
 * @module
 */
import type { ChangeResult } from './backend.js';
import type { NameAnswer } from './endpoint-names.js';
import type { Problem } from './problems.js';
import type { ExchangeHealth } from './remote-cache.js';
import type { RotationProgress } from './rotation.js';
import type { LinkStatus } from './state.js';

/** The gateway's own stages of one reconcile, in order; each daemon of the list adds a stage named after it. */
export const GATEWAY_STAGES = [
  'lock',
  'load-state',
  'read-exchange',
  'resolve-names',
  'facts',
  'reconcile',
  'save-state',
  'observe',
  'plan',
  'apply',
  'publish',
] as const;

/** One of the gateway's own stages. */
export type CoreStage = (typeof GATEWAY_STAGES)[number];

/** One stage of a reconcile: a {@link CoreStage} or a daemon's stage name (`bird`, `keepalived`). */
export type GatewayStage = CoreStage | (string & {});

/** What happened to one daemon in a reconcile. */
export interface DaemonOutcome {
  /** Whether its config changed and was reloaded (or the daemon was stopped). */
  readonly changed: boolean;
  /** False when its renderer said it is not wanted (Keepalived without VIPs). */
  readonly enabled: boolean;
}

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
  /** Per daemon stage name, for the daemons the reconcile reached. */
  readonly daemons: Readonly<Record<string, DaemonOutcome>>;
  readonly problems: readonly Problem[];
  readonly timings: readonly StageTiming[];
  /** Links by status after the reconcile. */
  readonly links: Readonly<Record<LinkStatus, number>>;
  /** Exchange health: reachable or not, and per remote unit whether its data is fresh or held (absent: not read). */
  readonly exchange?: ExchangeHealth;
  /** Remote ingress host names and the addresses in use (absent: not reached). */
  readonly names?: readonly NameAnswer[];
  /** Key rotation progress per peering (absent when reconcile did not run). */
  readonly rotation?: readonly RotationProgress[];
  /** Reconcile again within this many ms (a key rotation is in progress). */
  readonly recheckMs?: number;
  /** Epoch ms. */
  readonly startedAt: number;
  readonly durationMs: number;
}
