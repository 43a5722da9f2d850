/**
 * Kernel WireGuard over generic netlink: the `netlink` package's socket and
 * sequence handling, our own codec for the `wireguard` family.
 * @module
 */
import { createGenericNetlink, FlagsGet, type GenericNetlinkSocket, genl } from 'netlink';
import { errnoOf, NetlinkBackendError, wrap } from './netlink-error.js';
import { SerialQueue } from './serial-queue.js';
import {
  decodeDevice,
  encodeGetDevice,
  encodeSetDeviceMessages,
  type WgDevice,
  type WgDeviceConfig,
} from './wg-genl-codec.js';
import { WG_CMD_GET_DEVICE, WG_CMD_SET_DEVICE, WG_GENL_NAME, WG_GENL_VERSION } from './wg-genl-constants.js';

/** Every request gives up after this long instead of waiting forever for a lost reply. */
const REQ = { timeout: 10_000 };

/** The `wireguard` generic-netlink family, resolved once. */
export class WgGenlClient {
  readonly #sock: GenericNetlinkSocket;
  readonly #queue = new SerialQueue();
  #family: number | undefined;
  /** Requests sent so far. */
  requests = 0;

  #lastError: Error | undefined;

  constructor() {
    this.#sock = createGenericNetlink();
    // An asynchronous socket error must not crash the process; the waiting request times out.
    this.#sock.socket.on('error', (e) => {
      this.#lastError = e;
    });
  }

  /** Whether the kernel has the `wireguard` family (wireguard.ko loaded or built in). */
  async available(): Promise<boolean> {
    try {
      await this.#familyId();
      return true;
    } catch (e) {
      if (e instanceof NetlinkBackendError && e.errno === 'ENOENT') return false;
      throw e;
    }
  }

  async #familyId(): Promise<number> {
    if (this.#family !== undefined) return this.#family;
    const replies = await this.#queue.run(() => {
      this.requests += 1;
      return wrap(
        `CTRL_CMD_GETFAMILY ${WG_GENL_NAME}`,
        () => this.#sock.ctrlRequest(genl.Commands.GET_FAMILY, { familyName: WG_GENL_NAME }, REQ),
        () => this.#lastError,
      );
    });
    const id = replies[0]?.familyId;
    if (id === undefined) throw new NetlinkBackendError(`CTRL_CMD_GETFAMILY ${WG_GENL_NAME}: no family id`);
    this.#family = id;
    return id;
  }

  /** One WG_CMD_GET_DEVICE dump. Equivalent to `wg show IFNAME dump`. */
  async getDevice(ifname: string): Promise<WgDevice> {
    const family = await this.#familyId();
    return this.#queue.run(async () => {
      this.requests += 1;
      const [msgs] = await wrap(
        `WG_CMD_GET_DEVICE ${ifname}`,
        () =>
          this.#sock.request(family, WG_CMD_GET_DEVICE, WG_GENL_VERSION, encodeGetDevice(ifname), {
            ...REQ,
            flags: FlagsGet.DUMP,
          }),
        () => this.#lastError,
      );
      return decodeDevice(msgs.map((m) => m.data));
    });
  }

  /**
   * WG_CMD_SET_DEVICE, split into several requests when there are many peers.
   * Equivalent to `wg set IFNAME …`. Returns the number of requests sent.
   */
  async setDevice(config: WgDeviceConfig): Promise<number> {
    const family = await this.#familyId();
    const messages = encodeSetDeviceMessages(config);
    for (const data of messages) {
      await this.#queue.run(async () => {
        this.requests += 1;
        try {
          await this.#sock.request(family, WG_CMD_SET_DEVICE, WG_GENL_VERSION, data, REQ);
        } catch (e) {
          const errno = /Timeout has been reached/.test(String((e as Error)?.message))
            ? 'ETIMEDOUT'
            : errnoOf(e);
          // The error names the device only (the request holds a private key);
          // the cause keeps the socket's own error, which carries no request bytes.
          throw new NetlinkBackendError(`WG_CMD_SET_DEVICE ${config.ifname}`, {
            cause: errno === 'ETIMEDOUT' ? (this.#lastError ?? e) : e,
            ...(errno === undefined ? {} : { errno }),
          });
        }
      });
    }
    return messages.length;
  }

  /** Close the socket. */
  close(): void {
    this.#sock.socket.close();
  }
}
