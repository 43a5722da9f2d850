/**
 * Typed errors of the netlink backend, with the errno name of what failed.
 * Messages name the request (`RTM_NEWLINK wg50001`, `uapi set wg50001`),
 * never a key.
 * @module
 */
import { getSystemErrorName } from 'node:util';
import { WgGatewayError } from '@wg-gateway/core';

/** Hints for the errno names an operator can act on. */
const HINTS: Record<string, string> = {
  EPERM: 'run as root or with CAP_NET_ADMIN',
  EEXIST: 'an interface or address of that name already exists; delete it or pick another',
  ENODEV: 'the interface is gone; the next reconcile recreates it',
  EADDRINUSE: 'another socket holds this UDP port; free it or let the gateway pick another port',
  EOPNOTSUPP: 'the kernel lacks WireGuard: load wireguard.ko or use mode "userspace"',
  ENOENT: 'the userspace daemon socket is missing; is wireguard-go running for this interface?',
  ECONNREFUSED: 'the userspace daemon is not answering; restart it (delete the interface)',
  EINVAL: 'the kernel refused the request as malformed; report this with the request named above',
};

/** An error of `@wg-gateway/backend-netlink`. */
export class NetlinkBackendError extends WgGatewayError {
  /** Errno name (`EEXIST`), when the failure had one. */
  readonly errno: string | undefined;

  constructor(what: string, options: { errno?: string; cause?: unknown; hint?: string } = {}) {
    const errno = options.errno ?? errnoOf(options.cause);
    super(
      'BACKEND_NETLINK',
      `[backend-netlink] [netlink] ${what}${errno === undefined ? '' : `: ${errno}`}`,
      {
        hint: options.hint ?? (errno === undefined ? 'see the cause' : (HINTS[errno] ?? 'see the cause')),
        cause: options.cause,
      },
    );
    this.errno = errno;
  }
}

/** The errno name of an error: node's `code`, or the `netlink` package's "Request rejected: EXXX". */
export function errnoOf(e: unknown): string | undefined {
  if (e === null || typeof e !== 'object') return undefined;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) return code;
  const m = /Request rejected: (E[A-Z0-9]+|-?\d+)/.exec(String((e as { message?: unknown }).message));
  if (!m?.[1]) return undefined;
  return /^-?\d+$/.test(m[1]) ? errnoName(Math.abs(Number(m[1]))) : m[1];
}

/** Name of a positive errno number (`17` → `EEXIST`). */
export function errnoName(n: number): string {
  try {
    return getSystemErrorName(-Math.abs(n));
  } catch {
    return `errno ${n}`;
  }
}

/**
 * Run `fn`; rethrow any failure as a {@link NetlinkBackendError} naming `what`.
 * A timeout (the `netlink` package's "Timeout has been reached") becomes
 * ETIMEDOUT, with the socket's last asynchronous error as its cause.
 */
export async function wrap<T>(
  what: string,
  fn: () => Promise<T>,
  lastSocketError?: () => unknown,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof NetlinkBackendError) throw e;
    if (/Timeout has been reached/.test(String((e as { message?: unknown })?.message))) {
      throw new NetlinkBackendError(what, {
        errno: 'ETIMEDOUT',
        cause: lastSocketError?.() ?? e,
        hint: 'the kernel did not answer; see the cause for a socket error',
      });
    }
    throw new NetlinkBackendError(what, { cause: e });
  }
}
