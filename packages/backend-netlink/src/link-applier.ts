/**
 * Applies one change to one interface with as few requests as possible:
 * compare before set (an MTU write wakes every wireguard-go process), peer
 * changes without the listen port (setting it makes wireguard-go rebind).
 * @module
 */
import {
  type CreateChange,
  canonicalCidr,
  type InterfaceChange,
  isManaged,
  MANAGED_ALIAS,
  MANAGED_NAME,
  type UpdateChange,
} from '@wg-gateway/core';
import { NetlinkBackendError } from './netlink-error.js';
import { addressesOf, toPeerConfig } from './observe-mapping.js';
import type { LinkInfo, RtnlClient } from './rtnl-client.js';
import { startUserspaceDaemon } from './userspace-daemon.js';
import type { WgDevice, WgDeviceConfig } from './wg-genl-codec.js';

/** The WireGuard side of a mode: kernel genl or userspace UAPI. */
export interface WgConfigurator {
  readonly mode: 'kernel' | 'userspace';
  get(ifname: string): Promise<WgDevice>;
  set(config: WgDeviceConfig): Promise<void>;
}

/** Applies changes for one `apply()` call; caches one link dump between changes. */
export class LinkApplier {
  readonly #rtnl: RtnlClient;
  readonly #wg: WgConfigurator;
  readonly #command: readonly string[] | undefined;
  #links: Map<string, LinkInfo> | undefined;
  /** Userspace daemons started (each a process, counted as an operation). */
  daemonStarts = 0;

  constructor(rtnl: RtnlClient, wg: WgConfigurator, command?: readonly string[]) {
    this.#rtnl = rtnl;
    this.#wg = wg;
    this.#command = command;
  }

  async #link(name: string, fresh = false): Promise<LinkInfo | undefined> {
    if (fresh || this.#links === undefined) {
      this.#links = new Map((await this.#rtnl.links()).map((l) => [l.name, l]));
    }
    return this.#links.get(name);
  }

  /** Apply one change; throws a typed error when it fails. */
  async apply(change: InterfaceChange): Promise<void> {
    if (change.action === 'create') return this.#create(change);
    if (change.action === 'update') return this.#update(change);
    const link = await this.#link(change.name);
    if (link === undefined) return;
    this.#assertOwned(link);
    await this.#rtnl.deleteLink(link.index, link.name);
    this.#links?.delete(link.name);
  }

  #assertOwned(link: LinkInfo): void {
    if (!isManaged(link.name, link.alias)) {
      throw new NetlinkBackendError(`${link.name} was not created by wg-gateway; not touched`, {
        errno: 'EPERM',
        hint: `rename or remove your own ${link.name}, or choose another port range`,
      });
    }
  }

  async #create(c: CreateChange): Promise<void> {
    const existing = await this.#link(c.name);
    if (existing !== undefined && (await this.#isAbandonedHalfMade(existing))) {
      await this.#rtnl.deleteLink(existing.index, existing.name);
      this.#links?.delete(existing.name);
    } else if (existing !== undefined) {
      throw new NetlinkBackendError(`RTM_NEWLINK ${c.name}`, {
        errno: 'EEXIST',
        hint: isManaged(existing.name, existing.alias)
          ? 'the interface exists already; the next reconcile updates it'
          : `${c.name} belongs to someone else; it is not touched`,
      });
    }
    const kernel = this.#wg.mode === 'kernel';
    if (kernel) await this.#rtnl.createWireguard(c.name, c.mtu);
    else {
      this.daemonStarts += 1;
      await startUserspaceDaemon(c.name, this.#command === undefined ? {} : { command: this.#command });
    }
    const link = await this.#link(c.name, true);
    if (link === undefined)
      throw new NetlinkBackendError(`${c.name} vanished right after creation`, { errno: 'ENODEV' });
    try {
      // The daemonised wireguard-go sets the TUN's default MTU again before it
      // serves the UAPI: one answered `get` means it is done, so our MTU sticks.
      if (!kernel) await this.#wg.get(c.name);
      // Mark it ours first, so a half-made interface is still recognised and cleaned up.
      await this.#rtnl.setLink(link.index, c.name, {
        alias: MANAGED_ALIAS,
        noAddrGen: true,
        ...(link.mtu === c.mtu ? {} : { mtu: c.mtu }),
      });
      const config: WgDeviceConfig = {
        ifname: c.name,
        privateKey: c.privateKey,
        listenPort: c.listenPort,
        replacePeers: true,
        peers: [toPeerConfig(c.peer, true)],
      };
      // The kernel binds its port on `up` (which then fails with EADDRINUSE);
      // wireguard-go binds on `set` only when up, else a bind failure is only logged.
      if (kernel) await this.#wg.set(config);
      for (const a of c.addresses) await this.#rtnl.addAddress(link.index, c.name, a);
      await this.#rtnl.setLink(link.index, c.name, { up: true });
      if (!kernel) await this.#wg.set(config);
    } catch (e) {
      // Leave nothing half-made behind: the plan creates it again next time.
      await this.#rtnl.deleteLink(link.index, c.name).catch(() => undefined);
      this.#links?.delete(c.name);
      throw e;
    }
  }

  /**
   * A `wg<port>` WireGuard device without our alias, private key or peer is
   * what a create interrupted before its first setting leaves (the process
   * was killed between starting wireguard-go and marking the link). The plan
   * only asks to create names its own links reserve, and a blank device holds
   * nothing of anyone's, so it is replaced; anything else stays untouched.
   */
  async #isAbandonedHalfMade(link: LinkInfo): Promise<boolean> {
    if (isManaged(link.name, link.alias) || !MANAGED_NAME.test(link.name)) return false;
    if (link.kind !== (this.#wg.mode === 'kernel' ? 'wireguard' : 'tun')) return false;
    const device = await this.#wg.get(link.name).catch(() => undefined);
    return device !== undefined && device.publicKey === undefined && device.peers.length === 0;
  }

  async #update(u: UpdateChange): Promise<void> {
    const link = await this.#link(u.name);
    if (link === undefined)
      throw new NetlinkBackendError(`update ${u.name}: no such interface`, { errno: 'ENODEV' });
    this.#assertOwned(link);
    if (u.mtu !== undefined && u.mtu !== link.mtu)
      await this.#rtnl.setLink(link.index, u.name, { mtu: u.mtu });
    const config: WgDeviceConfig = {
      ifname: u.name,
      ...(u.privateKey === undefined ? {} : { privateKey: u.privateKey }),
      ...(u.listenPort === undefined ? {} : { listenPort: u.listenPort }),
      ...(u.replacePeers ? { replacePeers: true } : {}),
      ...(u.peer === undefined ? {} : { peers: [toPeerConfig(u.peer)] }),
    };
    const touchesWg =
      config.privateKey !== undefined ||
      config.listenPort !== undefined ||
      config.replacePeers ||
      config.peers;
    if (touchesWg) await this.#wg.set(config);
    if (u.addresses !== undefined) await this.#syncAddresses(link, u.addresses);
    if (u.up && !link.up) await this.#rtnl.setLink(link.index, u.name, { up: true });
  }

  /** Hold exactly `wanted` on the link: add the missing, delete the others. */
  async #syncAddresses(link: LinkInfo, wanted: readonly string[]): Promise<void> {
    const current = addressesOf(await this.#rtnl.addresses(), link.index);
    const want = new Set(wanted.map((w) => canonicalCidr(w)));
    for (const a of current) if (!want.has(a)) await this.#rtnl.deleteAddress(link.index, link.name, a);
    const have = new Set(current);
    for (const a of want) if (!have.has(a)) await this.#rtnl.addAddress(link.index, link.name, a);
  }
}
