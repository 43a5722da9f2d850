/**
 * What a backend reads back from the system.
 * @module
 */

/** A peer as the system reports it. */
export interface ObservedPeer {
  readonly publicKey: string;
  /** `host:port`, IPv6 in brackets; absent when none is known yet. */
  readonly endpoint?: string;
  /** Canonical prefixes, sorted. */
  readonly allowedIps: readonly string[];
  /** Seconds; 0 = off. */
  readonly persistentKeepalive: number;
  /** Epoch milliseconds of the last handshake; absent = never. */
  readonly lastHandshake?: number;
  readonly rxBytes: number;
  readonly txBytes: number;
}

/** A WireGuard interface managed by this gateway, as observed. */
export interface ObservedInterface {
  readonly name: string;
  readonly listenPort: number;
  /** Public key of the interface's private key; absent when none is set. */
  readonly publicKey?: string;
  readonly mtu: number;
  /** `address/length`, canonical, sorted. */
  readonly addresses: readonly string[];
  readonly up: boolean;
  readonly peers: readonly ObservedPeer[];
}
