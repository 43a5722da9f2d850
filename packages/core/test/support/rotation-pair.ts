/**
 * Two units of a peering (A initiator, B acceptor) that run `reconcile()`
 * against each other, with a FAKE routing model standing in for BIRD and the
 * kernel: a tunnel carries traffic when both ends have its interface and
 * both run OSPF on it (BIRD's bidirectional check), one reconcile late (the
 * SPF and the kernel update come after the config reload). A unit with
 * `rotates: false` gets no routing facts and never rotates: it only follows
 * the link protocol, like the reference.
 */
import { ManualClock } from '../../src/clock.js';
import { type GroupConfig, parseGroupConfig } from '../../src/config.js';
import type { DesiredSystem } from '../../src/desired.js';
import type { LinkRoutingFact } from '../../src/facts.js';
import { type Publication, type ReconcileResult, reconcile } from '../../src/reconcile.js';
import { requestRotation } from '../../src/rotation.js';
import { emptyState, type UnitState } from '../../src/state.js';
import { FakeKeySource } from './fake-key-source.js';

export const PEERING = 'a-b';

/** One simulated unit. */
export interface SimUnit {
  readonly id: 'a' | 'b';
  readonly config: GroupConfig;
  state: UnitState;
  desired?: DesiredSystem;
  published?: Publication;
  last?: ReconcileResult;
  readonly keys: FakeKeySource;
  readonly rotates: boolean;
}

/** A tunnel as both ends see it: `localKey remoteKey` of A's side. */
type TunnelId = string;

export class RotationPair {
  readonly clock = new ManualClock(1_700_000_000_000);
  readonly a: SimUnit;
  readonly b: SimUnit;
  /** Tunnels carrying traffic as of the last routing update. */
  carrying = new Set<TunnelId>();
  /** Violations seen so far (a tunnel that stopped carrying because an interface went away). */
  readonly violations: string[] = [];
  /** Fewest carrying tunnels seen at any moment once the pair was up. */
  minCarrying = Number.POSITIVE_INFINITY;

  constructor(tunnels: number, opts: { aRotates?: boolean; bRotates?: boolean } = {}) {
    this.a = this.#unit('a', 'initiator', tunnels, opts.aRotates ?? true);
    this.b = this.#unit('b', 'acceptor', tunnels, opts.bRotates ?? true);
  }

  #unit(id: 'a' | 'b', role: 'initiator' | 'acceptor', tunnels: number, rotates: boolean): SimUnit {
    const config = parseGroupConfig({
      unit: `${id}-0`,
      group: id,
      'ingress-address': id === 'a' ? '198.18.0.1' : '198.18.1.1',
      'advertise-prefixes': id === 'a' ? ['192.0.2.0/24', '2001:db8:1::/48'] : ['198.51.100.0/24'],
      tunnels,
      peerings: [{ id: PEERING, role }],
      'port-range': '50000-50999',
      'port-quarantine-seconds': 60,
    });
    return { id, config, state: emptyState(50000), keys: new FakeKeySource(id), rotates };
  }

  #other(u: SimUnit): SimUnit {
    return u === this.a ? this.b : this.a;
  }

  /** Tunnels whose interface exists on both ends (by key pair), with each end's interface name. */
  tunnels(): Map<TunnelId, { a: string; b: string; ospf: boolean }> {
    const out = new Map<TunnelId, { a: string; b: string; ospf: boolean }>();
    const aIfs = this.a.desired?.interfaces ?? [];
    const bIfs = this.b.desired?.interfaces ?? [];
    for (const x of aIfs) {
      const y = bIfs.find((i) => i.publicKey === x.peer.publicKey && i.peer.publicKey === x.publicKey);
      if (!y) continue;
      const ospf =
        (this.a.desired?.bird.interfaces.includes(x.name) ?? false) &&
        (this.b.desired?.bird.interfaces.includes(y.name) ?? false);
      out.set(`${x.publicKey} ${y.publicKey}`, { a: x.name, b: y.name, ospf });
    }
    return out;
  }

  /** Routing facts of `u` from the last routing update. */
  #facts(u: SimUnit): Record<string, LinkRoutingFact> {
    const facts: Record<string, LinkRoutingFact> = {};
    const tunnels = this.tunnels();
    for (const i of u.desired?.interfaces ?? []) {
      const t = [...tunnels.entries()].find(([, v]) => v[u.id] === i.name);
      const carrying = t !== undefined && this.carrying.has(t[0]);
      facts[i.name] = {
        ospfFull: carrying,
        kernelRoutes: carrying ? 2 : 0,
        ...(t ? { lastHandshake: this.clock.now() } : {}),
      };
    }
    return facts;
  }

  /** One reconcile of `u`, reading the other unit's last publication. */
  step(u: SimUnit): void {
    const other = this.#other(u);
    const before = this.tunnels();
    const result = reconcile({
      config: u.config,
      state: u.state,
      remote: other.published
        ? { [PEERING]: { [other.config.unit]: { ...other.published.peerings[PEERING] } } }
        : {},
      group: {},
      facts: {
        pathMtu: {},
        interfaceOf: {},
        routerId: '192.0.2.254',
        existingInterfaces: u.desired?.interfaces.map((i) => i.name) ?? [],
        ...(u.rotates ? { linkRouting: this.#facts(u) } : {}),
      },
      clock: this.clock,
      keys: u.keys,
    });
    u.state = result.state;
    u.desired = result.desired;
    u.published = result.publish;
    u.last = result;
    // An interface deleted while its tunnel still carried traffic drops packets.
    const after = this.tunnels();
    for (const t of this.carrying)
      if (before.has(t) && !after.has(t))
        this.violations.push(`${u.id} deleted a carrying tunnel at ${this.clock.now()}`);
  }

  /** BIRD's SPF and the kernel catch up with both sides' OSPF configs. */
  route(): void {
    this.carrying = new Set([...this.tunnels()].filter(([, v]) => v.ospf).map(([k]) => k));
  }

  /** One round: both reconcile, routing catches up, a second passes. */
  round(): void {
    this.step(this.a);
    this.step(this.b);
    this.route();
    if (this.carrying.size > 0 || this.minCarrying !== Number.POSITIVE_INFINITY)
      this.minCarrying = Math.min(this.minCarrying, this.carrying.size);
    this.clock.advance(1000);
  }

  /** Rounds until `done` holds (at most `max`); returns the rounds taken. */
  until(done: () => boolean, max = 600): number {
    for (let i = 1; i <= max; i++) {
      this.round();
      if (done()) return i;
    }
    throw new Error(`not done in ${max} rounds`);
  }

  /** Ask `u` to rotate every key of the peering. */
  rotate(u: SimUnit): void {
    u.state = requestRotation(u.state, [PEERING], this.clock.now());
  }

  /** Public keys of `u`'s non-retired keys. */
  activeKeys(u: SimUnit): string[] {
    return u.state.keys.filter((k) => !k.retired).map((k) => k.publicKey);
  }

  /** Whether `u`'s last rotation completed. */
  rotated(u: SimUnit): boolean {
    return u.state.rotations?.[PEERING]?.completedAt !== undefined;
  }
}
