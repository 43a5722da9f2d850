/** FAKE ports for the one-shot gateway tests: in memory, with injectable faults. */
import { ExchangeUnreachableError } from '../../src/errors.js';
import type {
  DaemonApplyResult,
  DaemonConfigurator,
  Exchange,
  ExchangeSnapshot,
  StateStore,
  UnitAddress,
} from '../../src/gateway-ports.js';
import type { PeerDataWire } from '../../src/peer-data.js';
import type { Publication } from '../../src/reconcile.js';
import { decodeState, encodeState, type UnitState } from '../../src/state.js';

/** Throws once at the named point when armed. */
export class Faults {
  readonly #armed = new Set<string>();
  arm(point: string): void {
    this.#armed.add(point);
  }
  hit(point: string): void {
    if (this.#armed.delete(point)) throw new Error(`injected fault at ${point}`);
  }
}

export class FakeStateStore implements StateStore {
  text: string | undefined;
  locked = false;
  constructor(readonly faults = new Faults()) {}
  async load(): Promise<UnitState | undefined> {
    this.faults.hit('load');
    return this.text === undefined ? undefined : decodeState(this.text);
  }
  async save(state: UnitState): Promise<void> {
    this.faults.hit('save');
    this.text = encodeState(state);
  }
  async lock(): Promise<() => Promise<void>> {
    if (this.locked) throw new Error('locked');
    this.locked = true;
    return async () => {
      this.locked = false;
    };
  }
}

/**
 * One shared in-memory exchange; `publish` checks nothing, `onPublish` lets
 * tests look. `unreachable` makes every call fail as an outage would;
 * deleting from `peerings` makes an entry go missing; withdrawals leave
 * markers in `withdrawals` (peering or `group:<group>` → unit → time).
 */
export class FakeExchange implements Exchange {
  readonly peerings = new Map<string, Map<string, { group: string; wire: PeerDataWire }>>();
  readonly groups = new Map<string, Map<string, PeerDataWire>>();
  readonly withdrawals = new Map<string, Map<string, { group: string; at: number }>>();
  unreachable = false;
  onPublish: ((self: UnitAddress, p: Publication) => void | Promise<void>) | undefined;
  constructor(
    readonly faults = new Faults(),
    readonly now: () => number = () => 0,
  ) {}

  #reach(): void {
    if (this.unreachable) throw new ExchangeUnreachableError('[fake]', 'exchange unreachable');
  }

  async read(self: UnitAddress, peerings: readonly string[]): Promise<ExchangeSnapshot> {
    this.faults.hit('read');
    this.#reach();
    const out: Record<string, Record<string, PeerDataWire>> = {};
    const gone: Record<string, Record<string, { at: number }>> = {};
    for (const id of peerings) {
      const units: Record<string, PeerDataWire> = {};
      const marks: Record<string, { at: number }> = {};
      for (const [unit, v] of this.peerings.get(id) ?? []) if (v.group !== self.group) units[unit] = v.wire;
      for (const [unit, w] of this.withdrawals.get(id) ?? [])
        if (w.group !== self.group && !(unit in units)) marks[unit] = { at: w.at };
      out[id] = units;
      gone[id] = marks;
    }
    const group: Record<string, PeerDataWire> = {};
    for (const [unit, wire] of this.groups.get(self.group) ?? []) if (unit !== self.unit) group[unit] = wire;
    const groupGone: Record<string, { at: number }> = {};
    for (const [unit, w] of this.withdrawals.get(`group:${self.group}`) ?? [])
      if (unit !== self.unit && !(unit in group)) groupGone[unit] = { at: w.at };
    return { peerings: out, group, withdrawn: { peerings: gone, group: groupGone } };
  }

  #mark(scope: string, self: UnitAddress): void {
    if (!this.withdrawals.has(scope)) this.withdrawals.set(scope, new Map());
    this.withdrawals.get(scope)?.set(self.unit, { group: self.group, at: this.now() });
  }

  async publish(self: UnitAddress, p: Publication): Promise<void> {
    this.faults.hit('publish');
    this.#reach();
    await this.onPublish?.(self, p);
    for (const [id, m] of this.peerings) if (!(id in p.peerings) && m.delete(self.unit)) this.#mark(id, self);
    for (const [id, wire] of Object.entries(p.peerings)) {
      if (!this.peerings.has(id)) this.peerings.set(id, new Map());
      this.peerings.get(id)?.set(self.unit, { group: self.group, wire });
      this.withdrawals.get(id)?.delete(self.unit);
    }
    if (!this.groups.has(self.group)) this.groups.set(self.group, new Map());
    this.groups.get(self.group)?.set(self.unit, p.group);
  }

  async withdraw(self: UnitAddress): Promise<void> {
    this.#reach();
    for (const [id, m] of this.peerings) if (m.delete(self.unit)) this.#mark(id, self);
    if (this.groups.get(self.group)?.delete(self.unit)) this.#mark(`group:${self.group}`, self);
  }

  watch(): () => void {
    return () => undefined;
  }
  async close(): Promise<void> {}
}

export class FakeDaemon implements DaemonConfigurator {
  text: string | undefined;
  reloads = 0;
  constructor(
    readonly name: string,
    readonly faults = new Faults(),
  ) {}
  async apply(text: string | undefined): Promise<DaemonApplyResult> {
    this.faults.hit(this.name);
    if (text === this.text) return { changed: false };
    this.text = text;
    this.reloads += 1;
    return { changed: true };
  }
  async installed(): Promise<string | undefined> {
    return this.text;
  }
}
