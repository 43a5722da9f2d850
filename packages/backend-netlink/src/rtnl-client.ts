/**
 * rtnetlink through the npm `netlink` package: links, addresses, routes.
 * One socket in the namespace of the process, requests serialised.
 * @module
 */
import { createRtNetlink, FlagsNew, type RtNetlinkSocket, type rt } from 'netlink';
import { AF_INET, AF_INET6, bytesToIp, familyOf, ipToBytes } from './ip-bytes.js';
import { wrap } from './netlink-error.js';
import { parseAttrs, readStr, strAttr, u8Attr } from './nla.js';
import { SerialQueue } from './serial-queue.js';

const IFLA_INFO_KIND = 1;
/** Every request gives up after this long instead of waiting forever for a lost reply. */
const REQ = { timeout: 10_000 };
const IFLA_INET6_ADDR_GEN_MODE = 8;
const IN6_ADDR_GEN_MODE_NONE = 1;

/** A link as one dump reports it. */
export interface LinkInfo {
  readonly index: number;
  readonly name: string;
  readonly alias: string | undefined;
  /** IFLA_INFO_KIND: `wireguard` for kernel devices, `tun` for wireguard-go. */
  readonly kind: string | undefined;
  readonly mtu: number;
  readonly up: boolean;
}

/** An interface address as one dump reports it. */
export interface AddrInfo {
  readonly index: number;
  readonly family: number;
  /** Canonical address text, no length. */
  readonly address: string;
  readonly prefixLength: number;
  /** RT_SCOPE_*: 0 universe, 253 link, 254 host. */
  readonly scope: number;
}

/** What `ip route get ADDRESS` answers. */
export interface RouteInfo {
  readonly oif: number | undefined;
  /** RTAX_MTU of the route or the cached path MTU, when set. */
  readonly mtu: number | undefined;
  readonly local: boolean;
}

/** Fields of `ip link set` we change. */
export interface LinkSettings {
  readonly mtu?: number;
  readonly alias?: string;
  readonly up?: boolean;
  /** `addrgenmode none`: no kernel-made IPv6 link-local address. */
  readonly noAddrGen?: boolean;
}

function splitCidr(cidr: string): { address: Buffer; family: number; length: number } {
  const [addr = '', len] = cidr.split('/');
  const address = ipToBytes(addr);
  return { address, family: familyOf(addr), length: len === undefined ? address.length * 8 : Number(len) };
}

/** rtnetlink requests, each counted (`requests`) for apply reports. */
export class RtnlClient {
  readonly #sock: RtNetlinkSocket;
  readonly #queue = new SerialQueue();
  /** Requests sent so far. */
  requests = 0;

  constructor() {
    this.#sock = createRtNetlink();
    // An asynchronous socket error must not crash the process; the request
    // waiting for a reply then times out and reports it.
    this.#sock.socket.on('error', (e) => {
      this.#lastError = e;
    });
  }

  #lastError: Error | undefined;

  #req<T>(what: string, fn: (s: RtNetlinkSocket) => Promise<T>): Promise<T> {
    return this.#queue.run(() => {
      this.requests += 1;
      return wrap(
        what,
        () => fn(this.#sock),
        () => this.#lastError,
      );
    });
  }

  /** Every link, one dump. Equivalent to `ip -d link show`. */
  async links(): Promise<LinkInfo[]> {
    const msgs = await this.#req('RTM_GETLINK dump', (s) => s.getLinks({}, {}, REQ));
    return msgs.map((m) => {
      const info = m.attrs.linkinfo
        ? parseAttrs(m.attrs.linkinfo).find((a) => a.type === IFLA_INFO_KIND)
        : undefined;
      return {
        index: m.data.index ?? 0,
        name: m.attrs.ifname ?? '',
        alias: m.attrs.ifalias,
        kind: info ? readStr(info.data) : undefined,
        mtu: m.attrs.mtu ?? 0,
        up: m.data.flags?.up === true,
      };
    });
  }

  /** Every address, one dump. Equivalent to `ip addr show`. */
  async addresses(): Promise<AddrInfo[]> {
    const msgs = await this.#req('RTM_GETADDR dump', (s) => s.getAddresses({}, {}, REQ));
    const out: AddrInfo[] = [];
    for (const m of msgs) {
      const raw = m.data.family === AF_INET ? (m.attrs.local ?? m.attrs.address) : m.attrs.address;
      if (!raw || (m.data.family !== AF_INET && m.data.family !== AF_INET6)) continue;
      out.push({
        index: m.data.index ?? 0,
        family: m.data.family,
        address: bytesToIp(raw),
        prefixLength: m.data.prefixlen ?? 0,
        scope: m.data.scope ?? 0,
      });
    }
    return out;
  }

  /** Equivalent to `ip link add NAME mtu MTU type wireguard`. */
  createWireguard(name: string, mtu: number): Promise<void> {
    return this.#req(`RTM_NEWLINK ${name} type wireguard`, async (s) => {
      await s.newLink(
        {},
        { ifname: name, mtu, linkinfo: strAttr(IFLA_INFO_KIND, 'wireguard') },
        { ...REQ, flags: FlagsNew.CREATE | FlagsNew.EXCL },
      );
    });
  }

  /** Equivalent to `ip link set dev NAME [mtu M] [alias A] [addrgenmode none] [up|down]`. */
  setLink(index: number, name: string, settings: LinkSettings): Promise<void> {
    const attrs: Parameters<RtNetlinkSocket['setLink']>[1] = {};
    if (settings.mtu !== undefined) attrs.mtu = settings.mtu;
    if (settings.alias !== undefined) attrs.ifalias = settings.alias;
    if (settings.noAddrGen)
      attrs.afSpec = new Map([[AF_INET6, u8Attr(IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE)]]);
    const data: rt.Link = { index };
    if (settings.up !== undefined) {
      data.change = { up: true };
      data.flags = settings.up ? { up: true } : {};
    }
    return this.#req(`RTM_SETLINK ${name}`, async (s) => {
      await s.setLink(data, attrs, REQ);
    });
  }

  /** Equivalent to `ip link del dev NAME`. */
  deleteLink(index: number, name: string): Promise<void> {
    return this.#req(`RTM_DELLINK ${name}`, async (s) => {
      await s.delLink({ index }, {}, REQ);
    });
  }

  /** Equivalent to `ip addr replace CIDR dev NAME [nodad]`. */
  addAddress(index: number, name: string, cidr: string): Promise<void> {
    const a = splitCidr(cidr);
    return this.#req(`RTM_NEWADDR ${cidr} dev ${name}`, async (s) => {
      await s.newAddress(
        {
          family: a.family,
          prefixlen: a.length,
          index,
          ...(a.family === AF_INET6 ? { flags: { nodad: true } } : {}),
        },
        { local: a.address, address: a.address },
        { ...REQ, flags: FlagsNew.CREATE | FlagsNew.REPLACE },
      );
    });
  }

  /** Equivalent to `ip addr del CIDR dev NAME`. */
  deleteAddress(index: number, name: string, cidr: string): Promise<void> {
    const a = splitCidr(cidr);
    return this.#req(`RTM_DELADDR ${cidr} dev ${name}`, async (s) => {
      await s.delAddress(
        { family: a.family, prefixlen: a.length, index },
        { local: a.address, address: a.address },
      );
    });
  }

  /** Equivalent to `ip route get ADDRESS`. */
  async routeTo(address: string): Promise<RouteInfo> {
    const dst = ipToBytes(address);
    const msgs = await this.#req(`RTM_GETROUTE ${address}`, (s) =>
      s.getRoute({ family: familyOf(address), dstLen: dst.length * 8 }, { dst }, REQ),
    );
    const m = msgs[0];
    const mtuBuf = m?.attrs.metrics?.mtu;
    return {
      oif: m?.attrs.oif,
      mtu: mtuBuf && mtuBuf.length >= 4 ? mtuBuf.readUInt32LE(0) : undefined,
      local: m?.data.type === 'LOCAL',
    };
  }

  /**
   * Call `onChange` on every link, address or route event (rtnetlink
   * multicast groups, own socket). Returns a function that stops watching.
   * The socket does not keep the process alive.
   */
  static watch(onChange: () => void): () => void {
    const sock = createRtNetlink();
    sock.socket.on('error', () => onChange());
    for (const g of ['LINK', 'IPV4_IFADDR', 'IPV6_IFADDR', 'IPV4_ROUTE', 'IPV6_ROUTE'] as const)
      sock.addMembership(g);
    sock.on('message', () => onChange());
    sock.socket.unref();
    return () => sock.socket.close();
  }

  /** Close the socket. */
  close(): void {
    this.#sock.socket.close();
  }
}
