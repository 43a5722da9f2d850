/**
 * A backend that touches nothing: it records every change it is given and
 * keeps an in-memory picture of the interfaces, so `plan` and tests can run
 * without root.
 * @module
 */
import type { BackendCapabilities, FactsQuery } from './backend.js';
import { BackendError, BaseBackend } from './base-backend.js';
import type { InterfaceChange } from './changes.js';
import { type HostFacts, NO_FACTS } from './facts.js';
import type { ObservedInterface, ObservedPeer } from './observed.js';
import { canonicalCidr } from './prefix.js';

/** Records changes; `observe()` returns the result of applying them in memory. */
export class DryRunBackend extends BaseBackend {
  readonly name = 'dry-run';
  /** Answers `facts()` with the facts it was given; touches nothing. */
  readonly capabilities: BackendCapabilities = {
    kernel: false,
    userspace: false,
    livePeerUpdate: true,
    facts: true,
    programs: [],
  };
  /** Every change given to `apply()`, in order. */
  readonly recorded: InterfaceChange[] = [];
  readonly #interfaces = new Map<string, ObservedInterface>();
  readonly #facts: HostFacts;

  /** @param initial interfaces to pretend exist; @param facts what `facts()` answers. */
  constructor(initial: readonly ObservedInterface[] = [], facts: HostFacts = NO_FACTS) {
    super();
    for (const i of initial) this.#interfaces.set(i.name, i);
    this.#facts = facts;
  }

  protected async observeInterfaces(): Promise<readonly ObservedInterface[]> {
    return [...this.#interfaces.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Records the change, then applies it in memory; counts no operations (nothing runs). */
  protected async applyChange(c: InterfaceChange): Promise<void> {
    this.recorded.push(c);
    if (c.action === 'delete') {
      this.#interfaces.delete(c.name);
      return;
    }
    const existing = this.#interfaces.get(c.name);
    if (c.action === 'update' && existing === undefined)
      throw new BackendError(this.name, `update ${c.name}: no such interface`, {
        hint: 'plan against what observe() returns',
      });
    const old: ObservedInterface = existing ?? {
      name: c.name,
      listenPort: 0,
      mtu: 1420,
      addresses: [],
      up: false,
      peers: [],
    };
    let peers: ObservedPeer[] = c.action === 'create' || c.replacePeers ? [] : [...old.peers];
    const p = c.peer;
    if (p) {
      const prev = peers.find((x) => x.publicKey === p.publicKey);
      peers = peers.filter((x) => x.publicKey !== p.publicKey);
      if (!p.remove) {
        const allowed = p.replaceAllowedIps ? [] : [...(prev?.allowedIps ?? [])];
        const endpoint = p.endpoint ?? prev?.endpoint;
        peers.push({
          publicKey: p.publicKey,
          ...(endpoint === undefined ? {} : { endpoint }),
          allowedIps: [...new Set([...allowed, ...(p.allowedIps ?? [])])].sort(),
          persistentKeepalive: p.persistentKeepalive ?? prev?.persistentKeepalive ?? 0,
          rxBytes: prev?.rxBytes ?? 0,
          txBytes: prev?.txBytes ?? 0,
        });
      }
    }
    const publicKey = c.publicKey ?? old.publicKey;
    this.#interfaces.set(c.name, {
      name: c.name,
      listenPort: c.listenPort ?? old.listenPort,
      ...(publicKey === undefined ? {} : { publicKey }),
      mtu: c.mtu ?? old.mtu,
      addresses: (c.addresses ?? old.addresses).map(canonicalCidr).sort(),
      up: c.action === 'create' || c.up === true || old.up,
      peers,
    });
  }

  protected override async gatherFacts(_query: FactsQuery): Promise<HostFacts> {
    return this.#facts;
  }
}
