/**
 * The netlink backend: rtnetlink for links and addresses, the kernel's
 * `wireguard` generic-netlink family or the userspace UAPI for WireGuard
 * itself. No child process on the kernel path.
 * @module
 */
import type {
  BackendCapabilities,
  BackendProgram,
  ChangeStep,
  FactsQuery,
  HostFacts,
  InterfaceChange,
  ObservedInterface,
} from '@wg-gateway/core';
import {
  BaseBackend,
  type HeldAddress,
  HostAnswerCache,
  interfaceOnSubnet,
  WgGatewayError,
} from '@wg-gateway/core';
import { LinkApplier, type WgConfigurator } from './link-applier.js';
import { NetlinkBackendError } from './netlink-error.js';
import { managedLinks, routerIdOf, toObserved } from './observe-mapping.js';
import { type AddrInfo, type LinkInfo, RtnlClient } from './rtnl-client.js';
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

/** The sockets of an open backend. */
interface Sockets {
  readonly rtnl: RtnlClient;
  readonly genl: WgGenlClient;
  readonly wg: WgConfigurator;
  /** Stops the link/address/route event watch. */
  readonly unwatch: () => void;
}

/** How long observe's dumps stand in for facts' own. */
const SNAPSHOT_MS = 2000;

/** Route answers kept between reconciles: path MTU and outgoing interface. */
type CachedRoute = {
  readonly oif: number | undefined;
  readonly mtu: number | undefined;
  readonly local: boolean;
};

/**
 * A WireGuard backend over netlink. Its sockets open on the first call, in
 * the network namespace of the process: create and use it inside the
 * namespace it manages.
 */
export class NetlinkBackend extends BaseBackend<LinkApplier> {
  readonly name = 'netlink';
  readonly capabilities: BackendCapabilities;
  readonly #options: NetlinkBackendOptions;
  readonly #uapi: UapiClient;
  #sockets: Sockets | undefined;
  /** Dumps observe just took, for the next facts() to reuse. */
  #snapshot: { at: number; links: LinkInfo[]; addrs: AddrInfo[] | undefined } | undefined;
  /** Cleared by any link, address or route event, else after 60 s. */
  readonly #routes = new HostAnswerCache<CachedRoute>();
  #uncached = false;

  constructor(options: NetlinkBackendOptions = {}) {
    super();
    this.#options = options;
    const mode = options.mode ?? 'auto';
    const command = options.userspaceCommand?.[0] ?? 'wireguard-go';
    const programs: BackendProgram[] =
      mode === 'kernel'
        ? []
        : [{ program: command, debianPackage: 'wireguard-go', why: 'userspace WireGuard (netlink backend)' }];
    this.capabilities = {
      kernel: mode !== 'userspace',
      userspace: mode !== 'kernel',
      livePeerUpdate: true,
      facts: true,
      // In auto mode wireguard-go is only needed without wireguard.ko; preflight cannot know.
      programs: mode === 'auto' ? [] : programs,
    };
    this.#uapi = new UapiClient(options.uapiDir === undefined ? {} : { dir: options.uapiDir });
  }

  /** Open the rtnetlink and generic-netlink sockets and resolve the mode. */
  protected override async open(): Promise<void> {
    const rtnl = new RtnlClient();
    const genl = new WgGenlClient();
    try {
      const mode = await this.#resolveMode(genl);
      const wg: WgConfigurator =
        mode === 'kernel'
          ? {
              mode,
              get: (n) => genl.getDevice(n),
              set: async (c) => {
                await genl.setDevice(c);
              },
            }
          : { mode, get: (n) => this.#uapi.get(n), set: (c) => this.#uapi.set(c) };
      // Any link, address or route change may change a path MTU or an outgoing interface.
      let unwatch: () => void;
      try {
        unwatch = RtnlClient.watch(() => this.#routes.invalidate());
      } catch {
        // No event socket: answer every facts() afresh rather than from a cache nothing clears.
        this.#uncached = true;
        unwatch = () => undefined;
      }
      this.#sockets = { rtnl, genl, wg, unwatch };
    } catch (e) {
      rtnl.close();
      genl.close();
      throw e;
    }
  }

  /** Close the netlink sockets. Userspace daemons keep running with their interfaces. */
  protected override async shutdown(): Promise<void> {
    this.#sockets?.rtnl.close();
    this.#sockets?.genl.close();
    this.#sockets?.unwatch();
  }

  async #resolveMode(genl: WgGenlClient): Promise<'kernel' | 'userspace'> {
    const m = this.#options.mode ?? 'auto';
    if (m !== 'auto') return m;
    return (await genl.available()) ? 'kernel' : 'userspace';
  }

  /** The mode in use: `auto` is resolved when the backend opens, by asking for the genl family. */
  async mode(): Promise<'kernel' | 'userspace'> {
    await this.ready('observe');
    return this.#open().wg.mode;
  }

  #open(): Sockets {
    if (this.#sockets === undefined) throw new NetlinkBackendError('backend is not open');
    return this.#sockets;
  }

  #ops(): number {
    const s = this.#open();
    return s.rtnl.requests + s.genl.requests + this.#uapi.requests;
  }

  /** One link dump, one address dump, then one WireGuard get per managed interface. */
  protected async observeInterfaces(): Promise<readonly ObservedInterface[]> {
    const { rtnl, wg } = this.#open();
    const all = await rtnl.links();
    const links = managedLinks(all);
    this.#snapshot = { at: performance.now(), links: all, addrs: undefined };
    if (links.length === 0) return [];
    const addrs = await rtnl.addresses();
    this.#snapshot = { at: performance.now(), links: all, addrs };
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

  /**
   * One applier per `apply()`: it caches a link dump between changes.
   * @hidden
   */
  protected override async prepareApply(): Promise<LinkApplier> {
    const { rtnl, wg } = this.#open();
    this.#snapshot = undefined;
    return new LinkApplier(rtnl, wg, this.#options.userspaceCommand);
  }

  /** @hidden */
  protected async applyChange(
    change: InterfaceChange,
    step: ChangeStep,
    applier: LinkApplier,
  ): Promise<void> {
    const before = this.#ops() + applier.daemonStarts;
    try {
      await applier.apply(change);
    } finally {
      step.operations += this.#ops() + applier.daemonStarts - before;
    }
  }

  protected override changeError(e: unknown, change: InterfaceChange): WgGatewayError {
    return e instanceof WgGatewayError
      ? e
      : new NetlinkBackendError(`${change.action} ${change.name}`, { cause: e });
  }

  /**
   * Router id, path MTUs (`ip route get`, cached until a link, address or
   * route event) and the interface of each VIP (by subnet). Reuses the dumps
   * observe just took: nothing is sent in a steady state.
   */
  protected override async gatherFacts(query: FactsQuery): Promise<HostFacts> {
    const { rtnl } = this.#open();
    // Only the dumps of an observe just before (the same reconcile) stand in for new ones.
    const handed = this.#snapshot;
    this.#snapshot = undefined;
    const snap = handed !== undefined && performance.now() - handed.at < SNAPSHOT_MS ? handed : undefined;
    const links = snap?.links ?? (await rtnl.links());
    const byIndex = new Map(links.map((l) => [l.index, l]));
    const needAddrs = query.routerId || query.interfaceOf.length > 0;
    const addrs = needAddrs ? (snap?.addrs ?? (await rtnl.addresses())) : [];
    // Events invalidate; the fingerprint also catches a missed event on our own links' MTU.
    if (this.#uncached) this.#routes.invalidate();
    this.#routes.refresh(links.map((l) => `${l.index}:${l.mtu}:${l.up}`).join(','), performance.now());
    const pathMtu: Record<string, number> = {};
    for (const address of query.pathMtuTo) {
      const route = await this.#route(rtnl, address);
      const mtu = route?.mtu ?? (route?.oif === undefined ? undefined : byIndex.get(route.oif)?.mtu);
      if (mtu !== undefined) pathMtu[address] = mtu;
    }
    const held: HeldAddress[] = addrs.flatMap((a) => {
      const ifname = byIndex.get(a.index)?.name;
      return ifname === undefined ? [] : [{ ifname, address: a.address, prefixLength: a.prefixLength }];
    });
    const interfaceOf: Record<string, string> = {};
    for (const address of query.interfaceOf) {
      let name =
        interfaceOnSubnet(address, held) ??
        held.find((h) => h.address === address && h.ifname !== 'lo')?.ifname;
      if (name === undefined) {
        const route = await this.#route(rtnl, address);
        // A local route (`dev lo`) says the host holds the address, not where it belongs.
        name =
          route === undefined || route.local || route.oif === undefined
            ? undefined
            : byIndex.get(route.oif)?.name;
      }
      if (name !== undefined && name !== 'lo') interfaceOf[address] = name;
    }
    const routerId = query.routerId ? routerIdOf(links, addrs) : undefined;
    return {
      ...(routerId === undefined ? {} : { routerId }),
      pathMtu,
      interfaceOf,
      existingInterfaces: managedLinks(links).map((l) => l.name),
    };
  }

  async #route(rtnl: RtnlClient, address: string): Promise<CachedRoute | undefined> {
    const cached = this.#routes.get(address);
    if (cached !== undefined) return cached ?? undefined;
    const route = await rtnl.routeTo(address).catch(() => undefined);
    this.#routes.set(address, route ?? null);
    return route;
  }
}

/** The factory the runtime registry and the test suites call: `new NetlinkBackend(options)`. */
export function createNetlinkBackend(options: NetlinkBackendOptions = {}): NetlinkBackend {
  return new NetlinkBackend(options);
}
