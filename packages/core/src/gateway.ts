/**
 * The one-shot gateway reconcile: load state → read the exchange → observe
 * and gather host facts → `reconcile()` → save state → publish → plan →
 * apply → render and reload BIRD and Keepalived → report. All I/O goes
 * through the ports; the continuous loop lives in runtime.
 * @module
 */
import type { FactsQuery, WireGuardBackend } from './backend.js';
import type { InterfaceChange } from './changes.js';
import type { Clock } from './clock.js';
import type { GroupConfig } from './config.js';
import type { DesiredSystem } from './desired.js';
import { WgGatewayError } from './errors.js';
import { type HostFacts, NO_FACTS } from './facts.js';
import type { DaemonConfigurator, Exchange, HostSystem, StateStore, UnitAddress } from './gateway-ports.js';
import type { GatewayReport, GatewayStage, StageTiming } from './gateway-report.js';
import type { KeySource } from './keys.js';
import type { ObservedInterface } from './observed.js';
import { plan } from './plan.js';
import type { Problem } from './problems.js';
import { type Publication, type ReconcileResult, reconcile } from './reconcile.js';
import { renderBirdConfig } from './render/bird.js';
import { renderKeepalivedConfig } from './render/keepalived.js';
import { emptyState, type LinkStatus } from './state.js';

/** Everything the gateway drives. */
export interface GatewayPorts {
  readonly config: GroupConfig;
  readonly state: StateStore;
  readonly exchange: Exchange;
  readonly backend: WireGuardBackend;
  readonly bird: DaemonConfigurator;
  readonly keepalived: DaemonConfigurator;
  readonly host?: HostSystem;
  readonly clock: Clock;
  readonly keys: KeySource;
}

/** What `plan()` shows: nothing is written, published or applied. */
export interface GatewayPlan {
  readonly changes: readonly InterfaceChange[];
  readonly bird: { readonly installed: string | undefined; readonly next: string };
  readonly keepalived: { readonly installed: string | undefined; readonly next: string | undefined };
  readonly publish: Publication;
  readonly desired: DesiredSystem;
  readonly problems: readonly Problem[];
  /** True when applying would change nothing anywhere. */
  readonly empty: boolean;
}

/** A failure inside one stage. */
class StageFailure extends Error {
  constructor(
    readonly stage: GatewayStage,
    readonly error: { code: string; message: string },
  ) {
    super(error.message);
  }
}

function describeError(e: unknown): { code: string; message: string } {
  if (e instanceof WgGatewayError) return { code: e.code, message: e.message };
  return { code: 'UNEXPECTED', message: e instanceof Error ? e.message : String(e) };
}

/** The remote addresses and VIPs whose facts reconcile needs. */
function factsQuery(
  config: GroupConfig,
  remote: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, string>>>>>>,
): FactsQuery {
  const addresses = new Set<string>();
  for (const units of Object.values(remote)) {
    for (const wire of Object.values(units)) {
      const a = wire['ingress-address'];
      if (a) addresses.add(a.trim());
    }
  }
  return {
    pathMtuTo: [...addresses].sort(),
    interfaceOf: config.vips.map((v) => v.address),
    routerId: config.routerId === undefined,
  };
}

/** Drives one reconcile at a time through the ports. */
export class Gateway {
  readonly #ports: GatewayPorts;

  constructor(ports: GatewayPorts) {
    this.#ports = ports;
  }

  get #self(): UnitAddress {
    return { group: this.#ports.config.group, unit: this.#ports.config.unit };
  }

  /** Steps shared by plan and reconcile: everything up to `reconcile()`. */
  async #compute(time: <T>(stage: GatewayStage, fn: () => Promise<T>) => Promise<T>): Promise<{
    result: ReconcileResult;
    observed: readonly ObservedInterface[];
  }> {
    const { config, exchange, backend } = this.#ports;
    const before =
      (await time('load-state', () => this.#ports.state.load())) ?? emptyState(config.portRange.min);
    const snapshot = await time('read-exchange', () =>
      exchange.read(
        this.#self,
        config.peerings.map((p) => p.id),
      ),
    );
    const observed = await time('observe', () => backend.observe());
    const facts: HostFacts = await time('facts', async () => ({
      ...(backend.capabilities.facts ? await backend.facts(factsQuery(config, snapshot.peerings)) : NO_FACTS),
      existingInterfaces: observed.map((o) => o.name),
    }));
    const result = await time('reconcile', async () =>
      reconcile({
        config,
        state: before,
        remote: snapshot.peerings,
        group: snapshot.group,
        facts,
        clock: this.#ports.clock,
        keys: this.#ports.keys,
      }),
    );
    return { result, observed };
  }

  #timer(timings: StageTiming[]) {
    const clock = this.#ports.clock;
    return async <T>(stage: GatewayStage, fn: () => Promise<T>): Promise<T> => {
      const start = clock.now();
      try {
        return await fn();
      } catch (e) {
        throw e instanceof StageFailure ? e : new StageFailure(stage, describeError(e));
      } finally {
        timings.push({ stage, ms: clock.now() - start });
      }
    };
  }

  /** What one reconcile would do, without writing, publishing or applying anything. */
  async plan(): Promise<GatewayPlan> {
    const time = this.#timer([]);
    try {
      const { result, observed } = await this.#compute(time);
      const changes = plan(result.desired.interfaces, observed);
      const birdNext = renderBirdConfig(result.desired.bird);
      const kaNext = result.desired.keepalived
        ? renderKeepalivedConfig(result.desired.keepalived)
        : undefined;
      const [birdNow, kaNow] = await Promise.all([
        this.#ports.bird.installed(),
        this.#ports.keepalived.installed(),
      ]);
      return {
        changes,
        bird: { installed: birdNow, next: birdNext },
        keepalived: { installed: kaNow, next: kaNext },
        publish: result.publish,
        desired: result.desired,
        problems: result.problems,
        empty: changes.length === 0 && birdNow === birdNext && kaNow === kaNext,
      };
    } catch (e) {
      if (e instanceof StageFailure) {
        throw new WgGatewayError(e.error.code, `[core] plan failed at ${e.stage}: ${e.error.message}`, {
          cause: e,
        });
      }
      throw e;
    }
  }

  /**
   * One reconcile. Never throws for a stage failure: the report says which
   * stage failed. State is saved before anything is published, so a
   * published public key never loses its private key.
   */
  async reconcile(): Promise<GatewayReport> {
    const { clock, state, exchange, backend, bird, keepalived, host } = this.#ports;
    const startedAt = clock.now();
    const timings: StageTiming[] = [];
    const time = this.#timer(timings);
    let result: ReconcileResult | undefined;
    let changes: GatewayReport['changes'] = [];
    let birdChanged = false;
    let kaChanged = false;
    const problems: Problem[] = [];
    let failure: StageFailure | undefined;
    let release: (() => Promise<void>) | undefined;
    try {
      release = await time('lock', () => state.lock());
      const computed = await this.#compute(time);
      result = computed.result;
      problems.push(...result.problems);
      const next = result.state;
      if (result.stateChanged) await time('save-state', () => state.save(next));
      const publication = result.publish;
      await time('publish', () => exchange.publish(this.#self, publication));
      const planned = await time('plan', async () =>
        plan(result?.desired.interfaces ?? [], computed.observed),
      );
      const applied = await time('apply', async () => {
        await host?.enableForwarding();
        return planned.length === 0 ? { results: [], operations: 0 } : backend.apply(planned);
      });
      changes = applied.results;
      const desired = result.desired;
      // BIRD and Keepalived are independent: one failing does not stop the other.
      const daemonFailures: StageFailure[] = [];
      for (const [stage, daemon, text] of [
        ['bird', bird, () => renderBirdConfig(desired.bird)],
        [
          'keepalived',
          keepalived,
          () => (desired.keepalived ? renderKeepalivedConfig(desired.keepalived) : undefined),
        ],
      ] as const) {
        try {
          const r = await time(stage, () => daemon.apply(text()));
          if (stage === 'bird') birdChanged = r.changed;
          else kaChanged = r.changed;
        } catch (e) {
          daemonFailures.push(e as StageFailure);
        }
      }
      if (daemonFailures[0]) throw daemonFailures[0];
    } catch (e) {
      failure = e instanceof StageFailure ? e : new StageFailure('reconcile', describeError(e));
    } finally {
      await release?.();
    }
    const links: Record<LinkStatus, number> = { 'half-open': 0, open: 0, 'half-closed': 0, closed: 0 };
    for (const l of result?.state.links ?? []) links[l.status] += 1;
    const failedChange = changes.find((c) => !c.ok);
    return {
      ok: failure === undefined && failedChange === undefined,
      ...(failure
        ? { failedStage: failure.stage, error: failure.error }
        : failedChange
          ? {
              failedStage: 'apply' as const,
              error: {
                code: failedChange.error?.code ?? 'APPLY_FAILED',
                message: failedChange.error?.message ?? `${failedChange.action} ${failedChange.name} failed`,
              },
            }
          : {}),
      changes,
      bird: { changed: birdChanged },
      keepalived: { changed: kaChanged, enabled: result?.desired.keepalived !== undefined },
      problems,
      timings,
      links,
      startedAt,
      durationMs: clock.now() - startedAt,
    };
  }
}
