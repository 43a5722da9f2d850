/**
 * `reconcile()`: config + persisted state + peers' published data in; the
 * new state, what to publish, the desired system and problems out. Pure:
 * time and keys come through the injected clock and key source.
 * @module
 */
import type { Clock } from './clock.js';
import type { GroupConfig } from './config.js';
import { deriveDesired, interfaceName } from './derive-desired.js';
import type { DesiredSystem } from './desired.js';
import { type NameAnswer, withResolvedIngress } from './endpoint-names.js';
import { shorten, WgGatewayError } from './errors.js';
import type { HostFacts } from './facts.js';
import type { KeySource } from './keys.js';
import { LinkBook } from './link-book.js';
import { dropPeering, ensureKeys, type ProtocolContext, syncUnit } from './link-protocol.js';
import { DEFAULT_PATH_MTU, IPV6_MIN_MTU, minOf, ownMtu, WIREGUARD_OVERHEAD } from './mtu.js';
import type { OspfTimers } from './ospf-timers.js';
import {
  decodeGroupPeerData,
  decodePeerData,
  encodeGroupPeerData,
  encodePeerData,
  isUnpublished,
  isWireObject,
  ospfTimersOf,
  type PeerData,
  type PeerDataWire,
} from './peer-data.js';
import { PortAllocator } from './ports.js';
import type { Problem } from './problems.js';
import { ROTATION_RECHECK_MS, type RotationProgress, stepRotation } from './rotation.js';
import type { LinkRecord, RotationRecord, UnitState } from './state.js';

/** Peer data by remote unit id. */
export type UnitDataMap = Readonly<Record<string, PeerDataWire>>;

/** Everything reconcile reads. */
export interface ReconcileInput {
  readonly config: GroupConfig;
  readonly state: UnitState;
  /** Per peering id, each remote unit's published data. */
  readonly remote: Readonly<Record<string, UnitDataMap>>;
  /** Data published by the other units of this group (this unit's own entry is ignored). */
  readonly group: UnitDataMap;
  readonly facts: HostFacts;
  readonly clock: Clock;
  readonly keys: KeySource;
  /** Remote ingress host names and their addresses (the gateway's `EndpointNames`); absent: none resolved. */
  readonly names?: ReadonlyMap<string, NameAnswer>;
}

/** What this unit publishes: per peering, and to its group. */
export interface Publication {
  readonly peerings: Readonly<Record<string, PeerDataWire>>;
  readonly group: PeerDataWire;
}

/** Everything reconcile produces. */
export interface ReconcileResult {
  readonly state: UnitState;
  /** False when `state` equals the input state: nothing needs saving. */
  readonly stateChanged: boolean;
  readonly publish: Publication;
  readonly desired: DesiredSystem;
  readonly problems: readonly Problem[];
  /** Key rotation progress per configured peering. */
  readonly rotation: readonly RotationProgress[];
  /** Reconcile again within this many ms (a key rotation is in progress); absent: no hurry. */
  readonly recheckMs?: number;
}

const sortedKeys = (o: object): string[] => Object.keys(o).sort();

/** A peering's remote units: decoded data of the valid ones, and the refused ones. */
interface DecodedPeering {
  readonly valid: Map<string, PeerData>;
  /** Units whose data was refused: their links are held as they were. */
  readonly refused: Set<string>;
  /** OSPF timers each unit (valid or refused) asks for; absent: none published. */
  readonly timers: Map<string, OspfTimers>;
}

/**
 * Decode a peering's remote data. A unit whose data is invalid is refused on
 * its own (a problem names peering, unit and fields); the other units go on.
 * Tolerates anything a custom exchange may hand over (null, arrays, numbers):
 * undefined when the peering's data is not a map of units at all (the whole
 * peering is then held as it was).
 */
function decodePeering(
  config: GroupConfig,
  peering: string,
  units: unknown,
  problems: Problem[],
): DecodedPeering | undefined {
  const valid = new Map<string, PeerData>();
  const refused = new Set<string>();
  const timers = new Map<string, OspfTimers>();
  if (!isWireObject(units)) {
    if (units !== undefined) {
      problems.push({
        code: 'PEER_DATA_INVALID',
        peering,
        message: `peering ${peering}: the exchange returned ${shorten(units)}, not units' data; the peering is held as it was`,
      });
    }
    return units === undefined ? { valid, refused, timers } : undefined;
  }
  for (const unit of sortedKeys(units)) {
    const wire = units[unit];
    // A unit that has published nothing yet is not ready, not invalid.
    if (unit === config.unit || isUnpublished(wire)) continue;
    const r = decodePeerData(wire);
    const asked = r.ok ? r.value.ospfTimers : ospfTimersOf(wire).value;
    if (asked) timers.set(unit, asked);
    if (r.ok && r.ignored) {
      problems.push({
        code: 'PEER_DATA_INVALID',
        peering,
        unit,
        message: `peering ${peering}: ${r.ignored
          .map((i) => `${i.path} from ${unit} ignored: ${i.message} (got ${i.value})`)
          .join('; ')}; its links run the reference's OSPF hello 5 / dead 30`,
        issues: r.ignored,
      });
    }
    if (r.ok) valid.set(unit, r.value);
    else {
      refused.add(unit);
      problems.push({
        code: 'PEER_DATA_INVALID',
        peering,
        unit,
        message: `peering ${peering}: data from ${unit} is refused and its links are held as they were: ${r.issues
          .map((i) => `${i.path}: ${i.message} (got ${i.value})`)
          .join('; ')}`,
        issues: r.issues,
      });
    }
  }
  return { valid, refused, timers };
}

/** Run the link protocol for every peering and derive the desired system. */
export function reconcile(input: ReconcileInput): ReconcileResult {
  const { config, state, facts } = input;
  const now = input.clock.now();
  const problems: Problem[] = [];
  const book = new LinkBook(state.keys, state.links);
  const quarantine = state.quarantine.filter((q) => q.until > now);
  const ports = new PortAllocator(
    config.portRange,
    [...state.links.map((l) => l.port), ...quarantine.map((q) => q.port)],
    state.portCounter,
  );
  const remote: unknown = input.remote;
  const remoteOf = (id: string): unknown => (isWireObject(remote) ? remote[id] : undefined);
  const groupData: Readonly<Record<string, unknown>> = isWireObject(input.group) ? input.group : {};
  const ctx: ProtocolContext = { book, ports, keys: input.keys, now, tunnels: config.tunnels };

  const configured = new Set(config.peerings.map((p) => p.id));
  const known = new Set([...state.keys.map((k) => k.peering), ...state.links.map((l) => l.peering)]);
  for (const gone of known) if (!configured.has(gone)) dropPeering(ctx, gone);

  const rotations: Record<string, RotationRecord> = {};
  let rotationsChanged = false;
  for (const [id, r] of Object.entries(state.rotations ?? {}))
    if (configured.has(id)) rotations[id] = r;
    else rotationsChanged = true;
  const rotation: RotationProgress[] = [];
  const ownMtus = new Map<string, number | undefined>();
  const remoteMtus = new Map<string, number[]>();
  const remoteTimers = new Map<string, ReadonlyMap<string, OspfTimers>>();
  for (const peering of [...config.peerings].sort((a, b) => a.id.localeCompare(b.id))) {
    const decoded = decodePeering(config, peering.id, remoteOf(peering.id), problems);
    if (!decoded) continue;
    remoteTimers.set(peering.id, decoded.timers);
    const units = withResolvedIngress(peering.id, decoded.valid, input.names, problems);
    const { refused } = decoded;
    try {
      const step = stepRotation({
        ctx,
        peering,
        units,
        routing: facts.linkRouting,
        record: rotations[peering.id],
        intervalMs:
          config.keyRotationIntervalSeconds === undefined
            ? undefined
            : config.keyRotationIntervalSeconds * 1000,
      });
      if (step.record !== rotations[peering.id]) rotationsChanged = true;
      if (step.record) rotations[peering.id] = step.record;
      rotation.push(step.progress);
      ensureKeys(ctx, peering.id);
      const all = new Set([...units.keys(), ...book.unitsWithLinks(peering.id)]);
      const active = new Set(book.activeKeys(peering.id).map((k) => k.publicKey));
      for (const unit of [...all].sort()) {
        if (!refused.has(unit)) syncUnit(ctx, peering, active, unit, units.get(unit));
      }
    } catch (e) {
      if (!(e instanceof WgGatewayError)) throw e;
      problems.push({ code: e.code, peering: peering.id, message: e.message });
    }
    const addresses = [...units.values()].map((d) => d.ingressAddress).filter((a) => a !== '');
    ownMtus.set(peering.id, ownMtu(addresses, facts.pathMtu));
    remoteMtus.set(
      peering.id,
      [...units.values()].flatMap((d) => (d.mtu === undefined ? [] : [d.mtu])),
    );
  }

  // Step 6: MTU. The group value is the minimum over all peerings.
  const groupOwn = minOf(ownMtus.values(), Number.NaN);
  const groupMtus: number[] = [];
  for (const unit of sortedKeys(groupData)) {
    if (unit === config.unit) continue;
    const r = decodeGroupPeerData(groupData[unit]);
    if (r.ok) {
      if (r.value.mtu !== undefined) groupMtus.push(r.value.mtu);
    } else
      problems.push({
        code: 'GROUP_DATA_INVALID',
        unit,
        message: `group data from ${unit} is invalid: mtu ${r.issues[0]?.message}`,
        issues: r.issues,
      });
  }
  const linkMtus = new Map<string, number>();
  for (const [peering, remote] of remoteMtus) {
    linkMtus.set(
      peering,
      minOf([ownMtus.get(peering), ...groupMtus, ...remote], DEFAULT_PATH_MTU - WIREGUARD_OVERHEAD),
    );
  }
  for (const link of book.links()) {
    const mtu = linkMtus.get(link.peering);
    if (link.status !== 'closed' && mtu !== undefined && mtu !== link.mtu) book.setLink({ ...link, mtu });
  }
  for (const [peering, mtu] of ownMtus) {
    if (mtu !== undefined && mtu < IPV6_MIN_MTU) {
      problems.push({
        code: 'MTU_TOO_SMALL',
        peering,
        message: `peering ${peering}: tunnel MTU ${mtu} is below IPv6's minimum ${IPV6_MIN_MTU}; OSPFv3 will not work over it`,
      });
    }
  }

  // Garbage: closed links whose interface is gone give their port to quarantine;
  // retired keys no link uses go.
  if (facts.existingInterfaces) {
    const existing = new Set(facts.existingInterfaces);
    for (const link of book.links()) {
      if (link.status !== 'closed' || existing.has(interfaceName(link.port))) continue;
      book.deleteLink(link);
      const until = (link.closedAt ?? now) + config.portQuarantineSeconds * 1000;
      if (until > now) quarantine.push({ port: link.port, until });
    }
  }
  const links = book.links();
  const usedKeys = new Set(links.map((l) => l.publicKey));
  for (const key of book.keys()) if (key.retired && !usedKeys.has(key.publicKey)) book.deleteKey(key);

  const desired = deriveDesired(config, book, links, facts, problems, (peering, unit) =>
    remoteTimers.get(peering)?.get(unit),
  );
  const nextState: UnitState = {
    keys: book.keys(),
    links,
    portCounter: ports.counter,
    quarantine,
    ...(Object.keys(rotations).length > 0 ? { rotations } : {}),
  };
  // Only the book, the counter and the quarantine can change; the quarantine
  // only shrinks by expiry or grows when the book drops a link.
  const stateChanged =
    book.dirty ||
    rotationsChanged ||
    ports.counter !== state.portCounter ||
    quarantine.length !== state.quarantine.length;
  const rotating = rotation.some((r) => r.phase !== 'idle');
  return {
    state: nextState,
    stateChanged,
    publish: publication(config, book, links, ownMtus, groupOwn),
    desired,
    problems,
    rotation,
    ...(rotating ? { recheckMs: ROTATION_RECHECK_MS } : {}),
  };
}

/** Step 5: prefixes, non-retired keys, listen-ports of half-open and open links. */
function publication(
  config: GroupConfig,
  book: LinkBook,
  links: readonly LinkRecord[],
  ownMtus: ReadonlyMap<string, number | undefined>,
  groupOwn: number,
): Publication {
  const peerings: Record<string, PeerDataWire> = {};
  for (const p of config.peerings) {
    const mtu = ownMtus.get(p.id);
    peerings[p.id] = encodePeerData({
      ingressAddress: config.ingressAddress,
      advertisePrefixes: config.advertisePrefixes,
      publicKeys: book.activeKeys(p.id).map((k) => k.publicKey),
      listenPorts: links
        .filter((l) => l.peering === p.id && (l.status === 'half-open' || l.status === 'open'))
        .map((l) => ({ publicKey: l.publicKey, peerPublicKey: l.peerPublicKey, port: l.port })),
      ...(mtu === undefined ? {} : { mtu }),
      ospfTimers: { helloSeconds: config.routing.helloSeconds, deadSeconds: config.routing.deadSeconds },
    });
  }
  return { peerings, group: encodeGroupPeerData(Number.isNaN(groupOwn) ? {} : { mtu: groupOwn }) };
}
