/**
 * The one-shot gateway reconcile: load state → read the exchange → observe
 * and gather host facts → `reconcile()` → save state → plan → apply (each
 * interface's changes in parallel) → publish → render and reload each daemon
 * of the list (BIRD, Keepalived, ...) → report. All I/O goes through the
 * ports; the continuous loop lives in runtime.
 * @module
 */
import { applyInParallel } from './apply-parallel.js';
import type { FactsQuery, WireGuardBackend } from './backend.js';
import type { InterfaceChange } from './changes.js';
import type { Clock } from './clock.js';
import type { GroupConfig } from './config.js';
import { checkDaemonList, type DaemonOrder, type DaemonSpec } from './daemon-spec.js';
import type { DesiredSystem } from './desired.js';
import { EndpointNames, type NameAnswer, namesInUse } from './endpoint-names.js';
import { WgGatewayError } from './errors.js';
import { type HostFacts, type LinkRoutingFact, NO_FACTS } from './facts.js';
import type {
  Exchange,
  HostSystem,
  LinkRoutingObservation,
  RouteReleaser,
  RoutingObserver,
  StateStore,
  UnitAddress,
} from './gateway-ports.js';
import type { DaemonOutcome, GatewayReport, GatewayStage, StageTiming } from './gateway-report.js';
import { isHostname } from './ingress.js';
import type { KeySource } from './keys.js';
import type { NameResolver } from './name-resolver.js';
import type { ObservedInterface } from './observed.js';
import { plan } from './plan.js';
import type { Problem } from './problems.js';
import { type Publication, type ReconcileResult, reconcile } from './reconcile.js';
import {
  type ExchangeHealth,
  type ResolvedRemote,
  readExchange,
  resolveRemote,
  withRemoteCache,
} from './remote-cache.js';
import { type RotationProgress, rotationActive } from './rotation.js';
import { emptyState, type LinkStatus } from './state.js';

/** Everything the gateway drives. */
export interface GatewayPorts {
  readonly config: GroupConfig;
  readonly state: StateStore;
  readonly exchange: Exchange;
  readonly backend: WireGuardBackend;
  /**
   * The daemons whose configs are rendered and reloaded after the WireGuard
   * apply, in this order (e.g. `[birdDaemon(...), keepalivedDaemon(...)]`).
   */
  readonly daemons: readonly DaemonSpec[];
  readonly host?: HostSystem;
  /**
   * Takes links the apply deletes out of the kernel's routes first (see
   * {@link RouteReleaser}); absent: interfaces are deleted as they are.
   */
  readonly routes?: RouteReleaser;
  /** Routing observations, asked only while a key rotation runs (without it a rotation waits). */
  readonly routing?: RoutingObserver;
  readonly clock: Clock;
  readonly keys: KeySource;
  /** Resolves remote ingress host names; absent: names stay unresolved (reported). */
  readonly resolver?: NameResolver;
}

/** What `plan()` shows: nothing is written, published or applied. */
export interface GatewayPlan {
  readonly changes: readonly InterfaceChange[];
  /** Per daemon stage name: the installed text and the text apply would install (undefined: none / not wanted). */
  readonly daemons: Readonly<Record<string, DaemonPlan>>;
  readonly publish: Publication;
  readonly desired: DesiredSystem;
  readonly problems: readonly Problem[];
  /** Exchange health: reachable or not, and which remote units' data is held. */
  readonly exchange: ExchangeHealth;
  /** Remote ingress host names and the addresses in use (empty when every peer publishes an IP). */
  readonly names: readonly NameAnswer[];
  /** True when applying would change nothing anywhere. */
  readonly empty: boolean;
  /** Key rotation progress per peering. */
  readonly rotation: readonly RotationProgress[];
}

/** One daemon's part of a {@link GatewayPlan}. */
export interface DaemonPlan {
  readonly installed: string | undefined;
  readonly next: string | undefined;
}

/** A failure inside one stage. */
class StageFailure extends Error {
  constructor(
    readonly stage: GatewayStage,
    readonly error: { code: string; message: string; hint?: string },
  ) {
    super(error.message);
  }
}

function describeError(e: unknown): { code: string; message: string; hint?: string } {
  if (e instanceof WgGatewayError)
    return { code: e.code, message: e.message, ...(e.hint === undefined ? {} : { hint: e.hint }) };
  return { code: 'UNEXPECTED', message: e instanceof Error ? e.message : String(e) };
}

/** The remote addresses and VIPs whose facts reconcile needs. */
function factsQuery(
  config: GroupConfig,
  remote: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, string>>>>>>,
  names: ReadonlyMap<string, NameAnswer>,
): FactsQuery {
  const addresses = new Set<string>();
  for (const units of Object.values(remote)) {
    for (const wire of Object.values(units)) {
      const a = wire['ingress-address']?.trim();
      // A name's path MTU is the path MTU to the address it resolved to.
      const address = a && isHostname(a) ? names.get(a.toLowerCase().replace(/\.$/, ''))?.address : a;
      if (address) addresses.add(address);
    }
  }
  return {
    pathMtuTo: [...addresses].sort(),
    interfaceOf: config.vips.map((v) => v.address),
    routerId: config.routerId === undefined,
  };
}

/** Routing observations joined with each interface's latest handshake. */
function linkRoutingFacts(
  routing: Readonly<Record<string, LinkRoutingObservation>>,
  observed: readonly ObservedInterface[],
): Record<string, LinkRoutingFact> {
  const out: Record<string, LinkRoutingFact> = {};
  for (const o of observed) {
    const r = routing[o.name];
    const lastHandshake = o.peers[0]?.lastHandshake;
    out[o.name] = {
      ospfFull: r?.ospfFull ?? false,
      kernelRoutes: r?.kernelRoutes ?? 0,
      ...(lastHandshake === undefined ? {} : { lastHandshake }),
    };
  }
  return out;
}

/** Drives one reconcile at a time through the ports. */
export class Gateway {
  readonly #ports: GatewayPorts;
  /** Kept across reconciles: last good addresses and when each name was last asked. */
  readonly #names: EndpointNames;

  /** @throws {InvalidDaemonListError} when two daemons share a stage name or one takes a gateway stage's name. */
  constructor(ports: GatewayPorts) {
    checkDaemonList(ports.daemons);
    this.#ports = ports;
    const own = ports.config.ingressAddress;
    this.#names = new EndpointNames(ports.resolver, {
      refreshMs: ports.config.endpointRefreshSeconds * 1000,
      // The underlay surely speaks our own ingress family; IPv4 when ours is a name too.
      prefer: own.includes(':') ? 6 : 4,
    });
  }

  get #self(): UnitAddress {
    return { group: this.#ports.config.group, unit: this.#ports.config.unit };
  }

  /** Steps shared by plan and reconcile: everything up to `reconcile()`. */
  async #compute(time: <T>(stage: GatewayStage, fn: () => Promise<T>) => Promise<T>): Promise<{
    result: ReconcileResult;
    observed: readonly ObservedInterface[];
    remote: ResolvedRemote;
    names: ReadonlyMap<string, NameAnswer>;
  }> {
    const { config, exchange, backend } = this.#ports;
    const before =
      (await time('load-state', () => this.#ports.state.load())) ?? emptyState(config.portRange.min);
    // An outage is not a departure: remote data goes through the last-good-data cache.
    const peeringIds = config.peerings.map((p) => p.id);
    const read = await time('read-exchange', () => readExchange(exchange, this.#self, peeringIds));
    const remote = resolveRemote({
      read,
      cache: before.remote,
      peerings: peeringIds,
      now: this.#ports.clock.now(),
      graceMs: config.remoteGraceSeconds * 1000,
    });
    const observed = await time('observe', () => backend.observe());
    const refresh = () =>
      this.#names.refresh({
        remote: remote.remote,
        links: before.links,
        observed,
        initiating: new Set(config.peerings.filter((p) => p.role === 'initiator').map((p) => p.id)),
        now: this.#ports.clock.now(),
      });
    // A stage of its own only when some peer publishes a name.
    const names = namesInUse(remote.remote).size > 0 ? await time('resolve-names', refresh) : await refresh();
    const intervalMs =
      config.keyRotationIntervalSeconds === undefined ? undefined : config.keyRotationIntervalSeconds * 1000;
    const routing = this.#ports.routing;
    const facts: HostFacts = await time('facts', async () => ({
      ...(backend.capabilities.facts
        ? await backend.facts(factsQuery(config, remote.remote, names))
        : NO_FACTS),
      existingInterfaces: observed.map((o) => o.name),
      ...(routing && rotationActive(before, intervalMs, this.#ports.clock.now())
        ? await routing.observe().then(
            (r) => ({ linkRouting: linkRoutingFacts(r, observed) }),
            // Unobserved routing leaves the facts out: a rotation waits, nothing else does.
            () => ({}),
          )
        : {}),
    }));
    const result = await time('reconcile', async () =>
      reconcile({
        config,
        state: before,
        remote: remote.remote,
        group: remote.group,
        facts,
        clock: this.#ports.clock,
        keys: this.#ports.keys,
        names,
      }),
    );
    return { result, observed, remote, names };
  }

  /**
   * Before interfaces are deleted, take them out of the kernel's routes (see
   * {@link RouteReleaser}); a failure is reported and the apply goes on.
   */
  async #releaseRoutes(changes: readonly InterfaceChange[], problems: Problem[]): Promise<void> {
    const routes = this.#ports.routes;
    const deleted = changes.filter((c) => c.action === 'delete').map((c) => c.name);
    if (!routes || deleted.length === 0) return;
    const failures = await routes
      .releaseInterfaces(deleted)
      .catch((e: unknown) => [describeError(e).message]);
    for (const reason of failures)
      problems.push({
        code: 'ROUTE_RELEASE_FAILED',
        message: `[core] next hops through ${deleted.join(', ')} not taken out of the kernel routes before the delete: ${reason}`,
      });
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
      const { result, observed, remote, names } = await this.#compute(time);
      const changes = plan(result.desired.interfaces, observed);
      const daemons: Record<string, DaemonPlan> = {};
      for (const d of this.#ports.daemons) {
        daemons[d.stage] = {
          next: await time(d.stage, async () => d.render(result.desired)),
          installed: await time(d.stage, () => d.configurator.installed()),
        };
      }
      return {
        changes,
        daemons,
        publish: result.publish,
        desired: result.desired,
        problems: [...remote.problems, ...result.problems],
        exchange: remote.health,
        names: [...names.values()],
        empty: changes.length === 0 && Object.values(daemons).every((d) => d.installed === d.next),
        rotation: result.rotation,
      };
    } catch (e) {
      if (e instanceof StageFailure) {
        throw new WgGatewayError(e.error.code, `[core] plan failed at ${e.stage}: ${e.error.message}`, {
          cause: e,
          ...(e.error.hint === undefined ? {} : { hint: e.error.hint }),
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
    const { clock, state, exchange, backend, daemons, host } = this.#ports;
    const startedAt = clock.now();
    const timings: StageTiming[] = [];
    const time = this.#timer(timings);
    let result: ReconcileResult | undefined;
    let changes: GatewayReport['changes'] = [];
    const outcomes: Record<string, DaemonOutcome> = {};
    const problems: Problem[] = [];
    let failure: StageFailure | undefined;
    let exchangeHealth: ExchangeHealth | undefined;
    let names: readonly NameAnswer[] | undefined;
    let release: (() => Promise<void>) | undefined;
    try {
      release = await time('lock', () => state.lock());
      const computed = await this.#compute(time);
      result = computed.result;
      const remote = computed.remote;
      exchangeHealth = remote.health;
      names = [...computed.names.values()];
      problems.push(...remote.problems, ...result.problems);
      const next = withRemoteCache(result.state, remote.cache);
      if (result.stateChanged || remote.cacheChanged) await time('save-state', () => state.save(next));
      const planned = await time('plan', async () =>
        plan(result?.desired.interfaces ?? [], computed.observed),
      );
      const desired = result.desired;
      // Daemons are independent: one failing does not stop the others, nor the WireGuard apply.
      const daemonFailures: StageFailure[] = [];
      const configure = async (order: DaemonOrder) => {
        for (const d of daemons) {
          if ((d.order ?? 'after-apply') !== order) continue;
          try {
            await time(d.stage, async () => {
              const text = d.render(desired);
              outcomes[d.stage] = { changed: false, enabled: text !== undefined };
              const r = await d.configurator.apply(text);
              outcomes[d.stage] = { changed: r.changed, enabled: text !== undefined };
            });
          } catch (e) {
            daemonFailures.push(e as StageFailure);
          }
        }
      };
      await configure('before-apply');
      const applied = await time('apply', async () => {
        await host?.enableForwarding();
        await this.#releaseRoutes(planned, problems);
        return applyInParallel(backend, planned);
      }).catch((e: unknown) => e as StageFailure);
      // Published after the apply, so a listen port we announce already
      // listens: the peer's first handshake to it is answered at once instead
      // of being retried by WireGuard 5 s later. A failed apply still publishes.
      const publication = result.publish;
      let publishFailure: StageFailure | undefined;
      await time('publish', () => exchange.publish(this.#self, publication)).catch((e: unknown) => {
        // Reachable: a failure, reported once BIRD and the others are configured.
        if (remote.health.reachable) publishFailure = e as StageFailure;
        // Unreachable: the publication repeats what the held data gave.
        else
          problems.push({
            code: 'PUBLISH_SKIPPED',
            message: `[core] not published: ${(e as Error).message}`,
          });
      });
      if (applied instanceof StageFailure) throw applied;
      changes = applied.results;
      await configure('after-apply');
      if (publishFailure) throw publishFailure;
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
      daemons: outcomes,
      problems,
      timings,
      links,
      ...(exchangeHealth ? { exchange: exchangeHealth } : {}),
      ...(names ? { names } : {}),
      ...(result ? { rotation: result.rotation } : {}),
      ...(result?.recheckMs === undefined ? {} : { recheckMs: result.recheckMs }),
      startedAt,
      durationMs: clock.now() - startedAt,
    };
  }
}
