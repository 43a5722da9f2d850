/**
 * An example third-party backend: WireGuard interfaces kept in a `Map`.
 * It shows the whole of what a backend writes when it extends core's
 * `BaseBackend`: its capabilities, `observeInterfaces()` and
 * `applyChange()`. The base opens and closes it, refuses calls after
 * `close()`, refuses `facts()` (the capability is false) and runs the
 * per-change loop.
 * @module
 */
import {
  type BackendCapabilities,
  BaseBackend,
  type ChangeStep,
  type InterfaceChange,
  type ObservedInterface,
  type ObservedPeer,
  WgGatewayError,
} from '@wg-gateway/core';

/** A change the in-memory system cannot make (an unknown interface, a taken port). */
export class MemoryBackendError extends WgGatewayError {
  constructor(message: string, hint: string) {
    super('BACKEND_MEMORY', `[example] [memory] ${message}`, { hint });
  }
}

/** WireGuard interfaces in memory: what a real backend would read back from the system. */
export class MemoryBackend extends BaseBackend {
  readonly name = 'memory';
  readonly capabilities: BackendCapabilities = {
    kernel: false,
    userspace: false,
    livePeerUpdate: true,
    facts: false,
    programs: [],
  };
  readonly #links = new Map<string, ObservedInterface>();

  protected async observeInterfaces(): Promise<readonly ObservedInterface[]> {
    return [...this.#links.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  protected async applyChange(change: InterfaceChange, step: ChangeStep): Promise<void> {
    step.operations += 1;
    if (change.action === 'delete') {
      this.#links.delete(change.name);
      return;
    }
    const old = this.#links.get(change.name);
    if (change.action === 'update' && old === undefined)
      throw new MemoryBackendError(`update ${change.name}: no such interface`, 'plan against observe()');
    if (change.action === 'create') {
      step.secrets.push(change.privateKey);
      if (old !== undefined)
        throw new MemoryBackendError(`create ${change.name}: it exists`, 'the next reconcile updates it');
      if ([...this.#links.values()].some((l) => l.listenPort === change.listenPort))
        throw new MemoryBackendError(
          `create ${change.name}: port ${change.listenPort} is taken`,
          'pick another port',
        );
    }
    const base = change.action === 'create' || old === undefined ? undefined : old;
    const p = change.peer;
    const prev = base?.peers.find((x) => x.publicKey === p?.publicKey);
    let peers: ObservedPeer[] =
      change.action === 'update' && !change.replacePeers ? [...(base?.peers ?? [])] : [];
    if (p !== undefined) {
      peers = peers.filter((x) => x.publicKey !== p.publicKey);
      const allowed = p.replaceAllowedIps ? [] : (prev?.allowedIps ?? []);
      const endpoint = p.endpoint ?? prev?.endpoint;
      if (!p.remove)
        peers.push({
          publicKey: p.publicKey,
          ...(endpoint === undefined ? {} : { endpoint }),
          allowedIps: [...new Set([...allowed, ...(p.allowedIps ?? [])])].sort(),
          persistentKeepalive: p.persistentKeepalive ?? prev?.persistentKeepalive ?? 0,
          rxBytes: 0,
          txBytes: 0,
        });
    }
    const publicKey = change.publicKey ?? base?.publicKey;
    this.#links.set(change.name, {
      name: change.name,
      listenPort: change.listenPort ?? base?.listenPort ?? 0,
      ...(publicKey === undefined ? {} : { publicKey }),
      mtu: change.mtu ?? base?.mtu ?? 1420,
      addresses: [...(change.addresses ?? base?.addresses ?? [])].sort(),
      up: true,
      peers,
    });
  }
}

/** The factory a runtime registry or the test suites call. */
export function createMemoryBackend(): MemoryBackend {
  return new MemoryBackend();
}
