/**
 * The netlink backend: rtnetlink for links and addresses, the kernel's
 * `wireguard` generic-netlink family or the userspace UAPI for WireGuard
 * itself. No child process on the kernel path.
 * @module
 */
import type {
  ApplyReport,
  BackendCapabilities,
  ChangeResult,
  FactsQuery,
  HostFacts,
  InterfaceChange,
  ObservedInterface,
  WireGuardBackend,
} from '@wg-gateway/core';
import { WgGatewayError } from '@wg-gateway/core';
import { LinkApplier, type WgConfigurator } from './link-applier.js';
import { NetlinkBackendError } from './netlink-error.js';
import { managedLinks, routerIdOf, toObserved } from './observe-mapping.js';
import { RtnlClient } from './rtnl-client.js';
import { UapiClient } from './uapi-client.js';
import { WgGenlClient } from './wg-genl-client.js';
import type { WgDevice } from './wg-genl-codec.js';

/** Which WireGuard implementation the backend drives. */
export type NetlinkMode = 'kernel' | 'userspace' | 'auto';

/** Options of {@link NetlinkBackend}. */
export interface NetlinkBackendOptions {
  /** `auto` (default): kernel when the `wireguard` genl family exists, else userspace. */
  readonly mode?: NetlinkMode;
  /** Directory of the UAPI sockets; default `/run/wireguard`. */
  readonly uapiDir?: string;
  /** argv that starts the userspace implementation (interface name appended); default `['wireguard-go']`. */
  readonly userspaceCommand?: readonly string[];
}

/** A WireGuard backend over netlink. Create it inside the network namespace it manages. */
export class NetlinkBackend implements WireGuardBackend {
  readonly name = 'netlink';
  readonly capabilities: BackendCapabilities;
  readonly #options: NetlinkBackendOptions;
  readonly #rtnl = new RtnlClient();
  readonly #genl = new WgGenlClient();
  readonly #uapi: UapiClient;
  #resolved: Promise<'kernel' | 'userspace'> | undefined;
  #closed = false;

  constructor(options: NetlinkBackendOptions = {}) {
    this.#options = options;
    const mode = options.mode ?? 'auto';
    this.capabilities = {
      kernel: mode !== 'userspace',
      userspace: mode !== 'kernel',
      livePeerUpdate: true,
      facts: true,
    };
    this.#uapi = new UapiClient(options.uapiDir === undefined ? {} : { dir: options.uapiDir });
  }

  /** The mode in use: `auto` is resolved once, by asking for the genl family. */
  mode(): Promise<'kernel' | 'userspace'> {
    this.#resolved ??= (async () => {
      const m = this.#options.mode ?? 'auto';
      if (m !== 'auto') return m;
      return (await this.#genl.available()) ? 'kernel' : 'userspace';
    })();
    return this.#resolved;
  }

  async #wg(): Promise<WgConfigurator> {
    const mode = await this.mode();
    if (mode === 'kernel') {
      return {
        mode,
        get: (n) => this.#genl.getDevice(n),
        set: async (c) => {
          await this.#genl.setDevice(c);
        },
      };
    }
    return { mode, get: (n) => this.#uapi.get(n), set: (c) => this.#uapi.set(c) };
  }

  #ops(): number {
    return this.#rtnl.requests + this.#genl.requests + this.#uapi.requests;
  }

  #assertOpen(): void {
    if (this.#closed)
      throw new NetlinkBackendError('backend is closed', { hint: 'create a new NetlinkBackend' });
  }

  /** One link dump, one address dump, then one WireGuard get per managed interface. */
  async observe(): Promise<readonly ObservedInterface[]> {
    this.#assertOpen();
    const wg = await this.#wg();
    const links = managedLinks(await this.#rtnl.links());
    if (links.length === 0) return [];
    const addrs = await this.#rtnl.addresses();
    const devices = await Promise.all(
      links.map(async (l): Promise<WgDevice | undefined> => {
        try {
          return await wg.get(l.name);
        } catch (e) {
          // Deleted between the link dump and the get: not there any more.
          if (e instanceof NetlinkBackendError && e.errno === 'ENODEV') return undefined;
          throw e;
        }
      }),
    );
    const out: ObservedInterface[] = [];
    links.forEach((l, i) => {
      const dev = devices[i];
      if (dev) out.push(toObserved(l, addrs, dev));
    });
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Apply changes in order; each failure is reported and the next change still runs. */
  async apply(changes: readonly InterfaceChange[]): Promise<ApplyReport> {
    this.#assertOpen();
    if (changes.length === 0) return { results: [], operations: 0 };
    const wg = await this.#wg();
    const start = this.#ops();
    const applier = new LinkApplier(this.#rtnl, wg, this.#options.userspaceCommand);
    const results: ChangeResult[] = [];
    for (const change of changes) {
      const before = this.#ops() + applier.daemonStarts;
      try {
        await applier.apply(change);
        results.push({
          name: change.name,
          action: change.action,
          ok: true,
          operations: this.#ops() + applier.daemonStarts - before,
        });
      } catch (e) {
        const error =
          e instanceof WgGatewayError
            ? e
            : new NetlinkBackendError(`${change.action} ${change.name}`, { cause: e });
        results.push({
          name: change.name,
          action: change.action,
          ok: false,
          error,
          operations: this.#ops() + applier.daemonStarts - before,
        });
      }
    }
    return { results, operations: this.#ops() + applier.daemonStarts - start };
  }

  /** Router id, path MTUs (`ip route get`) and the interface of each address. */
  async facts(query: FactsQuery): Promise<HostFacts> {
    this.#assertOpen();
    const links = await this.#rtnl.links();
    const byIndex = new Map(links.map((l) => [l.index, l]));
    const needAddrs = query.routerId || query.interfaceOf.length > 0;
    const addrs = needAddrs ? await this.#rtnl.addresses() : [];
    const pathMtu: Record<string, number> = {};
    for (const address of query.pathMtuTo) {
      const route = await this.#rtnl.routeTo(address).catch(() => undefined);
      const mtu = route?.mtu ?? (route?.oif === undefined ? undefined : byIndex.get(route.oif)?.mtu);
      if (mtu !== undefined) pathMtu[address] = mtu;
    }
    const interfaceOf: Record<string, string> = {};
    for (const address of query.interfaceOf) {
      const held = addrs.find((a) => a.address === address);
      const index = held?.index ?? (await this.#rtnl.routeTo(address).catch(() => undefined))?.oif;
      const name = index === undefined ? undefined : byIndex.get(index)?.name;
      if (name !== undefined) interfaceOf[address] = name;
    }
    const routerId = query.routerId ? routerIdOf(links, addrs) : undefined;
    return {
      ...(routerId === undefined ? {} : { routerId }),
      pathMtu,
      interfaceOf,
      existingInterfaces: managedLinks(links).map((l) => l.name),
    };
  }

  /** Close the netlink sockets. Userspace daemons keep running with their interfaces. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#rtnl.close();
    this.#genl.close();
  }
}
