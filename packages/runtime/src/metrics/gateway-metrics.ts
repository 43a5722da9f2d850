/**
 * The gateway's Prometheus metrics, on a dedicated registry. Label values
 * are interface names, peering ids, unit ids, BIRD protocol names and VRRP
 * instance names: never a key. BIRD metric names follow bird_exporter's
 * (`bird_protocol_up`, `bird_ospfv3_neighbor_count`, ...) and the VRRP state
 * keepalived-exporter's (`keepalived_vrrp_state{iname}`), so their dashboards
 * keep working. docs/metrics.md lists every metric.
 * @module
 */
import { readFileSync } from 'node:fs';
import {
  GATEWAY_STAGES,
  type GatewayReport,
  type LinkRecord,
  type ObservedInterface,
} from '@wg-gateway/core';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BirdProtocol, BirdProtocolDetail, OspfNeighbor, RouteCount } from '../bird/bird-status.js';
import { linkRouting } from '../bird/link-routing.js';
import type { VrrpState } from '../keepalived/vrrp-state.js';
import { KeyMetrics } from './key-metrics.js';

/** A tunnel counts as up while its last handshake is younger than this (WireGuard's REJECT_AFTER_TIME). */
export const HANDSHAKE_FRESH_SECONDS = 180;

/** What BIRD reported, for {@link GatewayMetrics.setBirdStatus}. */
export interface BirdStatus {
  readonly protocols: readonly (BirdProtocol | BirdProtocolDetail)[];
  readonly neighbors: readonly OspfNeighbor[];
  readonly routes: readonly RouteCount[];
}

const LINK_STATES = ['half-open', 'open', 'half-closed', 'closed'] as const;

/** keepalived-exporter's numbering of VRRP states (`keepalived_vrrp_state`). */
export const KEEPALIVED_STATE_NUMBERS: Readonly<Record<string, number>> = {
  INIT: 0,
  BACKUP: 1,
  MASTER: 2,
  FAULT: 3,
  STOP: 98,
};

/** This package's version, for `wg_gateway_build_info`. */
function runtimeVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** True when a link counts as up: interface up and a handshake under {@link HANDSHAKE_FRESH_SECONDS} old. */
export function linkIsUp(interfaceUp: boolean, handshakeAgeSeconds: number | undefined): boolean {
  return interfaceUp && handshakeAgeSeconds !== undefined && handshakeAgeSeconds < HANDSHAKE_FRESH_SECONDS;
}

/** IP version of a BIRD table name (`master4` → `4`), as bird_exporter labels it. */
function ipVersion(table: string): string {
  if (table.endsWith('6')) return '6';
  if (table.endsWith('4')) return '4';
  return '';
}

/** All gateway metrics; feed it reports and observations, scrape {@link registry}. */
export class GatewayMetrics {
  /** The dedicated registry (never prom-client's global one). */
  readonly registry = new Registry();
  /** Key age and rotation progress (`wg_gateway_key_*`). */
  readonly keys = new KeyMetrics(this.registry);
  #lastReport: GatewayReport | undefined;

  readonly #links = this.#gauge('wg_gateway_links', 'Links by state after the last reconcile', ['state']);
  readonly #tunnelUp = this.#gauge(
    'wg_gateway_tunnel_up',
    `1 when the link's interface is up and its last handshake is under ${HANDSHAKE_FRESH_SECONDS} s old`,
    ['interface', 'peering', 'peer_unit'],
  );
  readonly #handshakeAge = this.#gauge(
    'wg_gateway_tunnel_last_handshake_age_seconds',
    'Seconds since the last WireGuard handshake (absent: never)',
    ['interface', 'peering', 'peer_unit'],
  );
  // Counters set to WireGuard's own totals on each refresh (reset with the interface, as counters may).
  readonly #rx = new Counter({
    name: 'wg_gateway_tunnel_rx_bytes_total',
    help: 'Bytes received from the peer on the tunnel (WireGuard rx_bytes)',
    labelNames: ['interface', 'peering', 'peer_unit'],
    registers: [this.registry],
  });
  readonly #tx = new Counter({
    name: 'wg_gateway_tunnel_tx_bytes_total',
    help: 'Bytes sent to the peer on the tunnel (WireGuard tx_bytes)',
    labelNames: ['interface', 'peering', 'peer_unit'],
    registers: [this.registry],
  });
  readonly #mtu = this.#gauge('wg_gateway_tunnel_mtu_bytes', "MTU of the link's interface", [
    'interface',
    'peering',
    'peer_unit',
  ]);
  readonly #buildInfo = this.#gauge(
    'wg_gateway_build_info',
    'Always 1; the labels say which wg-gateway version runs on which Node.js',
    ['version', 'node'],
  );
  readonly #duration = new Histogram({
    name: 'wg_gateway_reconcile_duration_seconds',
    help: 'Duration of one reconcile',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly #reconciles = new Counter({
    name: 'wg_gateway_reconciles_total',
    help: 'Reconciles by result',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly #failures = new Counter({
    name: 'wg_gateway_reconcile_failures_total',
    help: 'Failed reconciles by the stage that failed',
    labelNames: ['stage'],
    registers: [this.registry],
  });
  readonly #stageSeconds = this.#gauge(
    'wg_gateway_reconcile_stage_seconds',
    'Time per stage in the last reconcile',
    ['stage'],
  );
  readonly #lastSuccess = this.#gauge(
    'wg_gateway_last_reconcile_success',
    '1 when the last reconcile succeeded',
    [],
  );
  readonly #lastTime = this.#gauge(
    'wg_gateway_last_reconcile_timestamp_seconds',
    'When the last reconcile ended',
    [],
  );
  readonly #problems = this.#gauge(
    'wg_gateway_problems',
    'Problems of the last reconcile by peering and code',
    ['peering', 'code'],
  );
  readonly #birdUp = this.#gauge('bird_protocol_up', 'Protocol is up', ['name', 'proto', 'ip_version']);
  readonly #birdImport = this.#gauge('bird_protocol_prefix_import_count', 'Number of imported routes', [
    'name',
    'proto',
    'ip_version',
  ]);
  readonly #birdExport = this.#gauge('bird_protocol_prefix_export_count', 'Number of exported routes', [
    'name',
    'proto',
    'ip_version',
  ]);
  // Both instances are OSPFv3 (RFC 5838 address families); ip_version tells them apart.
  readonly #ospfRunning = this.#gauge(
    'bird_ospfv3_running',
    'State of OSPF: 0 = Alone, 1 = Running (Neighbor-Adjacencies established)',
    ['name', 'ip_version'],
  );
  readonly #ospfNeighbors = this.#gauge('bird_ospfv3_neighbor_count', 'Number of neighbors', [
    'name',
    'ip_version',
  ]);
  readonly #ospfAdjacent = this.#gauge(
    'bird_ospfv3_neighbor_adjacent_count',
    'Number of adjacent (Full) neighbors',
    ['name', 'ip_version'],
  );
  readonly #ospfByState = this.#gauge('wg_gateway_ospf_neighbors', 'OSPF neighbours by protocol and state', [
    'name',
    'state',
  ]);
  readonly #linkRouting = this.#gauge(
    'wg_gateway_link_routing_up',
    '1 when OSPF is Full on the link for both address families (0 after a BFD or OSPF failure)',
    ['interface', 'peering', 'peer_unit'],
  );
  readonly #routes = this.#gauge('wg_gateway_bird_routes', 'Routes per BIRD table', ['table']);
  readonly #earlyRoutes = this.#gauge(
    'wg_gateway_early_routes',
    "Early routes in the kernel: prefixes whose route the runtime holds while BIRD's lacks a new link or still has a lost one",
    [],
  );
  readonly #earlyUpdates = new Counter({
    name: 'wg_gateway_early_route_updates_total',
    help: 'Comparisons of the kernel routes with BIRD that changed an early route',
    registers: [this.registry],
  });
  readonly #vrrp = this.#gauge('wg_gateway_vrrp_state', '1 for the current VRRP state of each instance', [
    'instance',
    'state',
  ]);
  readonly #vrrpMaster = this.#gauge('wg_gateway_vrrp_master', '1 when the instance is MASTER', ['instance']);
  readonly #keepalivedState = this.#gauge(
    'keepalived_vrrp_state',
    'VRRP state as keepalived-exporter numbers it: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT, 98 STOP, -1 other',
    ['iname'],
  );
  readonly #exchangeUp = this.#gauge(
    'wg_gateway_exchange_up',
    '1 when the last reconcile could read the peer-data exchange',
    [],
  );
  readonly #remoteAge = this.#gauge(
    'wg_gateway_remote_data_age_seconds',
    "Seconds since the exchange last showed the remote unit's data (peering empty: a unit of our group)",
    ['peering', 'unit'],
  );
  readonly #remoteHeld = this.#gauge(
    'wg_gateway_remote_data_held',
    "1 when the remote unit's data is the last good copy held through an outage or a missing entry",
    ['peering', 'unit'],
  );

  readonly #nameInfo = this.#gauge(
    'wg_gateway_ingress_name_info',
    '1 per remote unit that publishes a host name as its ingress address; address is the one in use (empty: none yet)',
    ['peering', 'unit', 'name', 'address'],
  );
  readonly #nameAge = this.#gauge(
    'wg_gateway_ingress_name_resolved_age_seconds',
    "Seconds since the remote unit's ingress host name last resolved (absent: not since this process started)",
    ['peering', 'unit'],
  );

  /** @param build the version and Node.js labels of `wg_gateway_build_info` (default: this package's, `process.version`). */
  constructor(build: { readonly version?: string; readonly node?: string } = {}) {
    // Zero series for every stage, so a rate() over failures works before the first one.
    for (const stage of GATEWAY_STAGES) this.#failures.inc({ stage }, 0);
    this.#buildInfo.set(
      { version: build.version ?? runtimeVersion(), node: build.node ?? process.version },
      1,
    );
  }

  #gauge<L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  /** The report last given to {@link recordReport}. */
  get lastReport(): GatewayReport | undefined {
    return this.#lastReport;
  }

  /** The early routes after an update (`bird/early-routes.ts`). */
  setEarlyRoutes(installed: number): void {
    this.#earlyRoutes.set(installed);
    this.#earlyUpdates.inc();
  }

  /** Record one reconcile: duration, result, failed stage, stage timings, links by state, problems. */
  recordReport(report: GatewayReport): void {
    this.#lastReport = report;
    this.#duration.observe(report.durationMs / 1000);
    this.#reconciles.inc({ result: report.ok ? 'ok' : 'failed' });
    if (!report.ok) this.#failures.inc({ stage: report.failedStage ?? 'unknown' });
    this.#stageSeconds.reset();
    for (const t of report.timings) this.#stageSeconds.set({ stage: t.stage }, t.ms / 1000);
    this.#lastSuccess.set(report.ok ? 1 : 0);
    this.#lastTime.set((report.startedAt + report.durationMs) / 1000);
    for (const state of LINK_STATES) this.#links.set({ state }, report.links[state] ?? 0);
    this.#problems.reset();
    for (const p of report.problems) this.#problems.inc({ peering: p.peering ?? '', code: p.code });
    this.#recordExchange(report);
    this.#recordNames(report);
  }

  /** Ingress host names; a reconcile that stopped before resolving them leaves them as they were. */
  #recordNames(report: GatewayReport): void {
    if (!report.names) return;
    this.#nameInfo.reset();
    this.#nameAge.reset();
    const now = report.startedAt + report.durationMs;
    for (const n of report.names) {
      for (const u of n.users) {
        this.#nameInfo.set({ peering: u.peering, unit: u.unit, name: n.name, address: n.address ?? '' }, 1);
        if (n.resolvedAt !== undefined)
          this.#nameAge.set({ peering: u.peering, unit: u.unit }, Math.max(0, (now - n.resolvedAt) / 1000));
      }
    }
  }

  /** Exchange health; a reconcile that stopped before reading the exchange leaves it as it was. */
  #recordExchange(report: GatewayReport): void {
    if (report.failedStage === 'read-exchange') this.#exchangeUp.set(0);
    const health = report.exchange;
    if (!health) return;
    this.#exchangeUp.set(health.reachable ? 1 : 0);
    this.#remoteAge.reset();
    this.#remoteHeld.reset();
    for (const u of health.units) {
      if (u.state !== 'fresh' && u.state !== 'held') continue;
      const labels = { peering: u.peering ?? '', unit: u.unit };
      this.#remoteAge.set(labels, u.ageSeconds);
      this.#remoteHeld.set(labels, u.state === 'held' ? 1 : 0);
    }
  }

  /**
   * Per-tunnel metrics for the links that have an interface (`wg<port>`),
   * joined with what the backend observed. `now` is epoch ms.
   */
  setTunnels(links: readonly LinkRecord[], observed: readonly ObservedInterface[], now: number): void {
    for (const g of [this.#tunnelUp, this.#handshakeAge, this.#rx, this.#tx, this.#mtu]) g.reset();
    const byName = new Map(observed.map((i) => [i.name, i]));
    for (const link of links) {
      if (link.status !== 'open' && link.status !== 'half-closed') continue;
      const name = `wg${link.port}`;
      const labels = { interface: name, peering: link.peering, peer_unit: link.peerUnit };
      const iface = byName.get(name);
      const peer = iface?.peers.find((p) => p.publicKey === link.peerPublicKey) ?? iface?.peers[0];
      const age =
        peer?.lastHandshake === undefined ? undefined : Math.max(0, (now - peer.lastHandshake) / 1000);
      this.#tunnelUp.set(labels, linkIsUp(iface?.up ?? false, age) ? 1 : 0);
      if (age !== undefined) this.#handshakeAge.set(labels, age);
      if (iface) this.#mtu.set(labels, iface.mtu);
      this.#rx.inc(labels, Math.max(0, peer?.rxBytes ?? 0));
      this.#tx.inc(labels, Math.max(0, peer?.txBytes ?? 0));
    }
  }

  /** Routing state per open or half-closed link, from BIRD's OSPF neighbours (see {@link linkRouting}). */
  setLinkRouting(links: readonly LinkRecord[], neighbors: readonly OspfNeighbor[]): void {
    this.#linkRouting.reset();
    for (const link of links) {
      if (link.status !== 'open' && link.status !== 'half-closed') continue;
      const name = `wg${link.port}`;
      const labels = { interface: name, peering: link.peering, peer_unit: link.peerUnit };
      this.#linkRouting.set(labels, linkRouting(name, neighbors) === 'up' ? 1 : 0);
    }
  }

  /** BIRD protocols, OSPF neighbours and route counts. */
  setBirdStatus(status: BirdStatus): void {
    for (const g of [this.#birdUp, this.#birdImport, this.#birdExport, this.#ospfRunning]) g.reset();
    for (const g of [this.#ospfNeighbors, this.#ospfAdjacent, this.#ospfByState, this.#routes]) g.reset();
    const versionOf = new Map<string, string>();
    for (const p of status.protocols) {
      const v = ipVersion(p.table);
      versionOf.set(p.name, v);
      // Every OSPF instance the gateway renders is `ospf v3`, whatever its channel.
      const proto = p.proto === 'OSPF' ? 'OSPFv3' : p.proto;
      const labels = { name: p.name, proto, ip_version: v };
      this.#birdUp.set(labels, p.state === 'up' ? 1 : 0);
      if ('channels' in p) {
        this.#birdImport.set(
          labels,
          p.channels.reduce((n, c) => n + c.imported, 0),
        );
        this.#birdExport.set(
          labels,
          p.channels.reduce((n, c) => n + c.exported, 0),
        );
      }
      if (p.proto === 'OSPF') {
        const ospf = { name: p.name, ip_version: v };
        this.#ospfRunning.set(ospf, p.info === 'Running' ? 1 : 0);
        this.#ospfNeighbors.set(ospf, 0);
        this.#ospfAdjacent.set(ospf, 0);
      }
    }
    for (const n of status.neighbors) {
      const ospf = { name: n.protocol, ip_version: versionOf.get(n.protocol) ?? '' };
      this.#ospfNeighbors.inc(ospf);
      if (n.state === 'Full') this.#ospfAdjacent.inc(ospf);
      this.#ospfByState.inc({ name: n.protocol, state: n.state });
    }
    for (const r of status.routes) this.#routes.set({ table: r.table }, r.routes);
  }

  /** VRRP state per instance (sync groups are left out). */
  setVrrpStates(states: readonly VrrpState[]): void {
    this.#vrrp.reset();
    this.#vrrpMaster.reset();
    this.#keepalivedState.reset();
    for (const s of states) {
      if (s.kind !== 'INSTANCE') continue;
      this.#vrrp.set({ instance: s.name, state: s.state }, 1);
      this.#keepalivedState.set({ iname: s.name }, KEEPALIVED_STATE_NUMBERS[s.state] ?? -1);
      this.#vrrpMaster.set({ instance: s.name }, s.state === 'MASTER' ? 1 : 0);
    }
  }
}
