/**
 * An in-memory world of groups and units that run `reconcile()` and exchange
 * peer data through a message queue that can drop, duplicate and reorder
 * deliveries. Used by the reconcile tests and the fast-check simulation.
 */
import { ManualClock } from '../../src/clock.js';
import { type GroupConfig, type PeeringRole, parseGroupConfig } from '../../src/config.js';
import type { DesiredSystem } from '../../src/desired.js';
import type { Problem } from '../../src/problems.js';
import { type Publication, reconcile } from '../../src/reconcile.js';
import { emptyState, type UnitState } from '../../src/state.js';
import { FakeKeySource } from './fake-key-source.js';

export interface GroupSpec {
  readonly name: string;
  readonly units: number;
  readonly tunnels: number;
}

export interface PeeringSpec {
  readonly id: string;
  readonly initiator: string;
  readonly acceptor: string;
}

export interface Unit {
  readonly id: string;
  readonly group: string;
  readonly ingress: string;
  config: GroupConfig;
  state: UnitState;
  desired?: DesiredSystem;
  problems: readonly Problem[];
  /** What this unit currently sees of each other unit's publication. */
  readonly view: Map<string, Publication>;
  published?: Publication;
  readonly keys: FakeKeySource;
}

interface Delivery {
  readonly from: string;
  readonly to: string;
  /** undefined = the sender withdrew everything. */
  readonly publication: Publication | undefined;
}

const PREFIXES = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '198.18.0.0/16', '198.19.0.0/16'];
const PREFIXES6 = ['2001:db8:1::/48', '2001:db8:2::/48', '2001:db8:3::/48', '3fff::/20', '2001:db8:5::/48'];

export class World {
  readonly units = new Map<string, Unit>();
  readonly clock = new ManualClock(1_700_000_000_000);
  readonly queue: Delivery[] = [];
  readonly groups = new Map<string, GroupSpec>();
  peerings: PeeringSpec[] = [];
  /** Units that publish no `ospf-timers`, as the reference (and earlier versions) do. */
  readonly noTimers = new Set<string>();
  #unitSeq = 0;

  constructor(groups: readonly GroupSpec[], peerings: readonly PeeringSpec[]) {
    this.peerings = [...peerings];
    groups.forEach((g, i) => {
      this.groups.set(g.name, g);
      for (let u = 0; u < g.units; u++) this.addUnit(g.name, i);
    });
  }

  /** Config of one unit of `group` under the current peerings. */
  configFor(group: string, unit: string, ingress: string): GroupConfig {
    const spec = this.groups.get(group) as GroupSpec;
    const index = [...this.groups.keys()].indexOf(group);
    const peerings = this.peerings.flatMap((p) => {
      const role: PeeringRole | undefined =
        p.initiator === group ? 'initiator' : p.acceptor === group ? 'acceptor' : undefined;
      return role ? [{ id: p.id, role }] : [];
    });
    return parseGroupConfig({
      unit,
      group,
      'ingress-address': ingress,
      'advertise-prefixes': [PREFIXES[index] as string, PREFIXES6[index] as string],
      tunnels: spec.tunnels,
      peerings,
      'port-range': '50000-50999',
      'port-quarantine-seconds': 60,
    });
  }

  addUnit(group: string, index = [...this.groups.keys()].indexOf(group)): Unit {
    this.#unitSeq += 1;
    const id = `${group}-${this.#unitSeq}`;
    const ingress = `198.18.${index}.${this.#unitSeq}`;
    const unit: Unit = {
      id,
      group,
      ingress,
      config: this.configFor(group, id, ingress),
      state: emptyState(50000),
      problems: [],
      view: new Map(),
      keys: new FakeKeySource(id),
    };
    this.units.set(id, unit);
    return unit;
  }

  /** Re-read every unit's config after the peerings changed. */
  reconfigure(): void {
    for (const u of this.units.values()) u.config = this.configFor(u.group, u.id, u.ingress);
  }

  /** The unit leaves: its data is withdrawn from everyone. */
  removeUnit(id: string): void {
    this.units.delete(id);
    for (const other of this.units.keys()) this.queue.push({ from: id, to: other, publication: undefined });
  }

  /** Run one reconcile on `id` and queue its publication to every other unit. */
  step(id: string): boolean {
    const u = this.units.get(id);
    if (!u) return false;
    const remote: Record<string, Record<string, Record<string, string>>> = {};
    const group: Record<string, Record<string, string>> = {};
    for (const [from, pub] of u.view) {
      const sender = this.units.get(from);
      const senderGroup = sender?.group ?? from.replace(/-\d+$/, '');
      if (senderGroup === u.group) group[from] = { ...pub.group };
      else {
        for (const [peering, wire] of Object.entries(pub.peerings)) {
          if (!u.config.peerings.some((p) => p.id === peering)) continue;
          remote[peering] ??= {};
          (remote[peering] as Record<string, Record<string, string>>)[from] = { ...wire };
        }
      }
    }
    const result = reconcile({
      config: u.config,
      state: u.state,
      remote,
      group,
      facts: {
        pathMtu: {},
        interfaceOf: {},
        routerId: '192.0.2.254',
        existingInterfaces: u.desired?.interfaces.map((i) => i.name) ?? [],
      },
      clock: this.clock,
      keys: u.keys,
    });
    const publish = this.noTimers.has(id) ? withoutTimers(result.publish) : result.publish;
    const changed = JSON.stringify(publish) !== JSON.stringify(u.published);
    const stateChanged = JSON.stringify(result.state) !== JSON.stringify(u.state);
    if (stateChanged !== result.stateChanged) {
      throw new Error(
        `${id}: stateChanged is ${result.stateChanged} but the state ${stateChanged ? 'changed' : 'did not change'}`,
      );
    }
    u.state = result.state;
    u.desired = result.desired;
    u.problems = result.problems;
    u.published = publish;
    if (changed) {
      for (const other of this.units.keys()) {
        if (other !== id) this.queue.push({ from: id, to: other, publication: publish });
      }
    }
    return changed || stateChanged;
  }

  /** Deliver queued message `i`; keep it queued when `duplicate`. */
  deliver(i: number, duplicate = false): void {
    if (this.queue.length === 0) return;
    const idx = i % this.queue.length;
    const d = this.queue[idx] as Delivery;
    if (!duplicate) this.queue.splice(idx, 1);
    const to = this.units.get(d.to);
    if (!to) return;
    if (d.publication) to.view.set(d.from, d.publication);
    else to.view.delete(d.from);
  }

  /** Everyone sees everyone's latest data; reconcile in rounds until nothing changes. */
  settle(maxRounds = 40): number {
    for (let round = 1; round <= maxRounds; round++) {
      this.queue.length = 0;
      for (const u of this.units.values()) {
        u.view.clear();
        for (const other of this.units.values()) {
          if (other.id !== u.id && other.published) u.view.set(other.id, other.published);
        }
      }
      let changed = false;
      for (const id of [...this.units.keys()]) changed = this.step(id) || changed;
      this.clock.advance(1000);
      if (!changed) return round;
    }
    throw new Error(`world did not settle in ${maxRounds} rounds`);
  }
}

function withoutTimers(p: Publication): Publication {
  const peerings = Object.fromEntries(
    Object.entries(p.peerings).map(([id, wire]) => {
      const { 'ospf-timers': _, ...rest } = wire;
      return [id, rest];
    }),
  );
  return { ...p, peerings };
}
