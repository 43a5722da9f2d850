/**
 * Starting a userspace WireGuard implementation for a new interface, the way
 * wireguard.com/xplatform specifies: `wireguard-go IFNAME` creates the TUN
 * device and the UAPI socket, then daemonises; its exit status says whether
 * that worked. The daemon exits by itself when its TUN device is deleted.
 * @module
 */
import { execFile } from 'node:child_process';
import { NetlinkBackendError } from './netlink-error.js';

/** How to start the userspace implementation. */
export interface UserspaceDaemonOptions {
  /** argv before the interface name; default `['wireguard-go']`. */
  readonly command?: readonly string[];
  /** Give up after this long; default 10 s. */
  readonly timeoutMs?: number;
}

/**
 * Start the daemon for `ifname` and wait until it has daemonised (the TUN
 * device and `/run/wireguard/IFNAME.sock` exist then).
 * Equivalent to `wireguard-go IFNAME`.
 */
export function startUserspaceDaemon(ifname: string, options: UserspaceDaemonOptions = {}): Promise<void> {
  const [file = 'wireguard-go', ...args] = options.command ?? ['wireguard-go'];
  const env = { ...process.env };
  // A foreground daemon would never exit and this call would wait for it.
  delete env.WG_PROCESS_FOREGROUND;
  return new Promise((resolve, reject) => {
    execFile(
      file,
      [...args, ifname],
      { timeout: options.timeoutMs ?? 10_000, env },
      (error, _stdout, stderr) => {
        if (!error) {
          resolve();
          return;
        }
        const detail = stderr
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l !== '' && !/[│┌└]/.test(l))
          .slice(-3)
          .join('; ');
        reject(
          new NetlinkBackendError(`${file} ${ifname} failed${detail === '' ? '' : ` (${detail})`}`, {
            cause: error,
            hint: `check that ${file} is installed and /dev/net/tun exists`,
          }),
        );
      },
    );
  });
}
