/**
 * `wg-gateway status`: links, OSPF neighbours, VRRP state and problems.
 * @module
 */

import type {
  ExchangeHealth,
  LinkRecord,
  NameAnswer,
  ObservedInterface,
  Problem,
  RotationProgress,
} from '@wg-gateway/core';
import {
  type ComposedGateway,
  type HostSetupStatus,
  linkIsUp,
  linkRouting,
  type MssClampStatus,
  type OspfNeighbor,
  type VrrpState,
} from '@wg-gateway/runtime';
import type { Command } from 'commander';
import { bindAction, EXIT, examples, out } from '../command-kit.js';
import { openGateway } from '../global-options.js';
import { problemLine } from '../output/changes.js';
import { printJson } from '../output/json.js';
import { rotationLines } from '../output/rotation.js';
import { formatAge, formatBytes, formatTable } from '../output/table.js';

/** One link as `status` shows it. */
export interface LinkStatusRow {
  readonly interface: string;
  readonly state: LinkRecord['status'];
  readonly peering: string;
  readonly peerUnit: string;
  /** Whether the interface exists on the host. */
  readonly present: boolean;
  readonly endpoint: string | null;
  /** The host name the peer publishes as its ingress address (its address is `endpoint`'s); null: an IP. */
  readonly endpointName: string | null;
  /** Epoch ms; null = never. */
  readonly lastHandshake: number | null;
  /**
   * True only when the interface is up and its last handshake is under 180 s
   * old (the same rule as the `wg_gateway_tunnel_up` metric); an `open` link
   * that never shook hands is down.
   */
  readonly up: boolean;
  readonly rxBytes: number;
  readonly txBytes: number;
  /**
   * Whether OSPF is Full on it for both address families (a failed BFD
   * session drops the neighbour): `unknown` when BIRD could not be asked or
   * the link has no interface by design (half-open).
   */
  readonly routing: 'up' | 'down' | 'unknown';
}

/** Everything `status` reports. */
export interface StatusReport {
  readonly unit: string;
  readonly group: string;
  readonly links: readonly LinkStatusRow[];
  readonly ospf: { readonly neighbors: readonly OspfNeighbor[] } | { readonly error: string };
  readonly vrrp: { readonly states: readonly VrrpState[] } | { readonly error: string } | null;
  readonly problems: readonly Problem[];
  /** Peers' ingress host names and the addresses in use (empty when every peer publishes an IP). */
  readonly endpointNames: readonly NameAnswer[];
  /** Exchange health (null when the plan failed). */
  readonly exchange: ExchangeHealth | null;
  /** Key rotation progress per peering and remote unit (empty when the plan failed). */
  readonly rotation?: readonly RotationProgress[];
  /**
   * UDP ports to open in the firewall, inbound and outbound: the listen ports
   * of the links this unit wants (plan) and of the interfaces it has now.
   */
  readonly udpPorts: readonly number[];
  /** The configured port range the ports come from (`port-range`). */
  readonly portRange: { readonly min: number; readonly max: number };
  /** Forwarding, multipath hashing and MSS clamping as the host has them now. */
  readonly host:
    | { readonly setup: HostSetupStatus; readonly mssClamp: MssClampStatus }
    | { readonly error: string };
}

/**
 * Join saved links with what the backend observes and, when BIRD answered,
 * its OSPF neighbours (closed links are left out).
 */
export function linkRows(
  links: readonly LinkRecord[],
  observed: readonly ObservedInterface[],
  neighbors?: readonly OspfNeighbor[],
  now: number = Date.now(),
  names: readonly NameAnswer[] = [],
): LinkStatusRow[] {
  return links
    .filter((l) => l.status !== 'closed')
    .map((l): LinkStatusRow => {
      const name = `wg${l.port}`;
      const iface = observed.find((o) => o.name === name);
      const peer = iface?.peers.find((p) => p.publicKey === l.peerPublicKey);
      const age = peer?.lastHandshake === undefined ? undefined : (now - peer.lastHandshake) / 1000;
      return {
        interface: name,
        state: l.status,
        peering: l.peering,
        peerUnit: l.peerUnit,
        present: iface !== undefined,
        endpoint: peer?.endpoint ?? l.peerEndpoint ?? null,
        endpointName:
          names.find((n) => n.users.some((u) => u.peering === l.peering && u.unit === l.peerUnit))?.name ??
          null,
        lastHandshake: peer?.lastHandshake ?? null,
        up: linkIsUp(iface?.up ?? false, age),
        rxBytes: peer?.rxBytes ?? 0,
        txBytes: peer?.txBytes ?? 0,
        routing:
          neighbors === undefined || l.status === 'half-open' ? 'unknown' : linkRouting(name, neighbors),
      };
    })
    .sort((a, b) => a.interface.localeCompare(b.interface));
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Gather the status; each source that fails is reported in its place, not thrown. */
export async function collectStatus(wiring: ComposedGateway): Promise<StatusReport> {
  const { group, runtime } = wiring.config;
  const state = await wiring.state.load();
  const observed = await wiring.backend.observe();
  let ospf: StatusReport['ospf'];
  try {
    const { BirdControl } = await import('@wg-gateway/runtime');
    const control = await BirdControl.connect(runtime.bird.socket, { timeoutMs: 2000 });
    try {
      ospf = { neighbors: await control.ospfNeighbors() };
    } finally {
      control.close();
    }
  } catch (e) {
    ospf = { error: `BIRD control socket ${runtime.bird.socket}: ${message(e)}` };
  }
  let vrrp: StatusReport['vrrp'] = null;
  if (group.vips.length > 0 && wiring.keepalived) {
    vrrp = await wiring.keepalived.vrrpStates().then(
      (states) => ({ states }),
      (e: unknown) => ({ error: message(e) }),
    );
  }
  let host: StatusReport['host'];
  try {
    const { hostSetupStatus, mssClampStatus } = await import('@wg-gateway/runtime');
    host = {
      setup: await hostSetupStatus({ multipathHashPolicy: runtime.host.multipathHashPolicy }),
      mssClamp: await mssClampStatus(group, runtime),
    };
  } catch (e) {
    host = { error: message(e) };
  }
  let problems: readonly Problem[];
  let exchange: ExchangeHealth | null = null;
  let endpointNames: readonly NameAnswer[] = [];
  let rotation: readonly RotationProgress[] = [];
  const ports = new Set<number>();
  try {
    const plan = await wiring.gateway.plan();
    ({ problems, exchange, names: endpointNames, rotation } = plan);
    for (const p of plan.desired.udpPorts) ports.add(p);
  } catch (e) {
    problems = [{ code: 'PLAN_FAILED', message: message(e) }];
  }
  for (const o of observed) if (/^wg\d+$/.test(o.name) && o.listenPort > 0) ports.add(o.listenPort);
  const links = linkRows(
    state?.links ?? [],
    observed,
    'neighbors' in ospf ? ospf.neighbors : undefined,
    Date.now(),
    endpointNames,
  );
  // WireGuard cannot tell a silently dead path; OSPF with BFD can.
  const routingDown = links
    .filter((l) => l.state === 'open' && l.routing === 'down')
    .map((l) => ({
      code: 'LINK_ROUTING_DOWN',
      message: `${l.interface}: no Full OSPF adjacency with ${l.peerUnit} (BFD or OSPF down); its traffic uses the other tunnels`,
      peering: l.peering,
      unit: l.peerUnit,
    }));
  return {
    unit: group.unit,
    group: group.group,
    links,
    ospf,
    vrrp,
    problems: [...problems, ...routingDown],
    endpointNames,
    exchange,
    rotation,
    udpPorts: [...ports].sort((a, b) => a - b),
    portRange: group.portRange,
    host,
  };
}

/** The host section's lines: each sysctl with what the gateway wants, and MSS clamping. */
function hostLines(host: StatusReport['host']): string[] {
  if ('error' in host) return [`  unavailable: ${host.error}`];
  const { setup, mssClamp } = host;
  const show = (v: unknown) => (v === undefined ? 'unreadable' : String(v));
  const lines = Object.entries(setup.forwarding).map(
    ([k, v]) => `  ${k} = ${v === undefined ? 'unreadable' : v ? 1 : 0}${v === true ? '' : ' (want 1)'}`,
  );
  for (const [k, v] of Object.entries(setup.multipathHash)) {
    const want = setup.wantedMultipathHash;
    lines.push(
      `  ${k} = ${show(v)}${want === 'off' ? ' (left alone)' : v === want ? '' : ` (want ${want})`}`,
    );
  }
  lines.push(
    `  MSS clamping: ${mssClamp.mode}, ${mssClamp.loaded ? 'loaded' : 'not loaded'}${mssClamp.enabled === mssClamp.loaded ? '' : mssClamp.enabled ? ' (want loaded)' : ' (want removed)'}`,
  );
  return lines;
}

/** The status as text tables. */
export function statusText(s: StatusReport, now: number): string {
  const parts = [`Unit ${s.unit} (group ${s.group})`, 'Links:'];
  parts.push(
    formatTable(
      ['INTERFACE', 'STATE', 'ROUTING', 'PEERING', 'PEER UNIT', 'ENDPOINT', 'HANDSHAKE', 'LINK', 'RX', 'TX'],
      s.links.map((l) => [
        // Half-open links have no interface yet; a missing one is news only for the others.
        l.present || l.state === 'half-open' ? l.interface : `${l.interface} (absent)`,
        l.state,
        l.routing,
        l.peering,
        l.peerUnit,
        l.endpointName === null ? (l.endpoint ?? '-') : `${l.endpoint ?? '-'} (${l.endpointName})`,
        formatAge(l.lastHandshake ?? undefined, now),
        l.up ? 'up' : 'down',
        formatBytes(l.rxBytes),
        formatBytes(l.txBytes),
      ]),
    ).trimEnd(),
  );
  parts.push('OSPF neighbours:');
  if ('error' in s.ospf) parts.push(`  unavailable: ${s.ospf.error}`);
  else
    parts.push(
      formatTable(
        ['PROTOCOL', 'ROUTER ID', 'STATE', 'INTERFACE', 'ADDRESS'],
        s.ospf.neighbors.map((n) => [n.protocol, n.routerId, n.state, n.interface, n.address]),
      ).trimEnd(),
    );
  parts.push('VRRP:');
  if (s.vrrp === null) parts.push('  not used (no VIPs)');
  else if ('error' in s.vrrp) parts.push(`  unavailable: ${s.vrrp.error}`);
  else
    parts.push(
      formatTable(
        ['KIND', 'NAME', 'STATE'],
        s.vrrp.states.map((v) => [v.kind, v.name, v.state]),
      ).trimEnd(),
    );
  if (s.endpointNames.length > 0) {
    parts.push('Ingress names:');
    parts.push(
      formatTable(
        ['NAME', 'ADDRESS', 'RESOLVED', 'PEER UNITS', 'LAST ERROR'],
        s.endpointNames.map((n) => [
          n.name,
          n.address ?? '-',
          formatAge(n.resolvedAt, now),
          n.users.map((u) => `${u.unit} (${u.peering})`).join(', '),
          n.error ?? '-',
        ]),
      ).trimEnd(),
    );
  }
  parts.push(
    `Exchange: ${s.exchange === null ? 'unknown' : s.exchange.reachable ? 'reachable' : 'UNREACHABLE'}`,
  );
  if (s.exchange && s.exchange.units.length > 0)
    parts.push(
      formatTable(
        ['PEERING', 'REMOTE UNIT', 'DATA', 'AGE'],
        s.exchange.units.map((u) => [
          u.peering ?? '(group)',
          u.unit,
          u.reason ? `${u.state} (${u.reason})` : u.state,
          `${u.ageSeconds}s`,
        ]),
      ).trimEnd(),
    );
  parts.push(
    `UDP ports to open (port-range ${s.portRange.min}-${s.portRange.max}): ${
      s.udpPorts.length === 0 ? '(none yet)' : s.udpPorts.join(' ')
    }`,
  );
  if (s.rotation) parts.push('Key rotation:', ...rotationLines(s.rotation, now));
  parts.push('Host:', ...hostLines(s.host));
  parts.push('Problems:');
  parts.push(s.problems.length === 0 ? '  (none)' : s.problems.map((p) => `  ${problemLine(p)}`).join('\n'));
  return `${parts.join('\n')}\n`;
}

/** Register `status`. */
export function registerStatus(program: Command, exit: { code: number }): void {
  const cmd = program
    .command('status')
    .description(
      'show links (state, interface, endpoint, last handshake, up/down, rx/tx), OSPF neighbours, VRRP state, the UDP ports to open and problems',
    )
    .addHelpText(
      'after',
      examples(
        'sudo wg-gateway status',
        'sudo wg-gateway status --json | jq \'.links[] | select(.state == "open")\'',
      ),
    );
  bindAction(cmd, exit, async (globals) => {
    const wiring = await openGateway(globals, 'status', 'observe');
    try {
      const status = await collectStatus(wiring);
      if (globals.json) printJson(status);
      else out(statusText(status, Date.now()));
      return EXIT.ok;
    } finally {
      await wiring.close();
    }
  });
}
