/**
 * Building blocks of the backend conformance suite: desired links built with
 * core's helpers, bounded waits, a foreign (user-owned) WireGuard interface,
 * a UDP socket that holds a port.
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import {
  type DesiredInterface,
  interfaceName,
  type KeyPair,
  LINK_ALLOWED_IPS,
  linkAddresses,
  PERSISTENT_KEEPALIVE,
  type PeeringRole,
} from '@wg-gateway/core';
import type { Netns } from './netns.js';

/** A link as `reconcile()` would want it: `wg<port>`, role addresses, link allowed IPs. */
export function desiredLink(options: {
  port: number;
  role: PeeringRole;
  keys: KeyPair;
  peerPublicKey: string;
  /** Only the initiator side has one; the acceptor learns it from the handshake. */
  endpoint?: string;
  mtu?: number;
  peerPrefixes?: readonly string[];
}): DesiredInterface {
  return {
    name: interfaceName(options.port),
    listenPort: options.port,
    privateKey: options.keys.privateKey,
    publicKey: options.keys.publicKey,
    addresses: linkAddresses(options.role),
    mtu: options.mtu ?? 1420,
    peer: {
      publicKey: options.peerPublicKey,
      ...(options.role === 'initiator' && options.endpoint !== undefined
        ? { endpoint: options.endpoint }
        : {}),
      persistentKeepalive: PERSISTENT_KEEPALIVE,
      allowedIps: [...LINK_ALLOWED_IPS, ...(options.peerPrefixes ?? [])].sort(),
    },
  };
}

/** Poll `probe` until it returns a value, at most `attempts` times `intervalMs` apart. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { attempts = 120, intervalMs = 250 }: { attempts?: number; intervalMs?: number } = {},
): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what} (${attempts} × ${intervalMs} ms)`);
}

/** `ip -j link show dev NAME` of a namespace: index, flags, alias; undefined when absent. */
export async function linkOf(
  ns: Netns,
  name: string,
): Promise<{ ifindex: number; flags: string[]; ifalias?: string; mtu: number } | undefined> {
  try {
    const { stdout } = await ns.exec(['ip', '-j', 'link', 'show', 'dev', name]);
    return (JSON.parse(stdout) as { ifindex: number; flags: string[]; ifalias?: string; mtu: number }[])[0];
  } catch {
    return undefined;
  }
}

/** A user's own interface: `wireguard-go NAME`, a key, a port, an address; no gateway alias. */
export interface ForeignInterface {
  readonly name: string;
  readonly listenPort: number;
  readonly publicKey: string;
}

/**
 * Make a user's WireGuard interface the gateway does not own.
 * Equivalent to: `wireguard-go wg0; wg set wg0 listen-port P private-key F; ip addr add; ip link set up`.
 */
export async function createForeignInterface(
  ns: Netns,
  name: string,
  listenPort: number,
  keys: KeyPair,
): Promise<ForeignInterface> {
  await ns.exec(['wireguard-go', name]);
  const keyFile = `/run/wireguard/${name}.key`;
  await ns.exec(['sh', '-c', `umask 077 && cat > ${keyFile}`], { input: keys.privateKey });
  await ns.exec(['wg', 'set', name, 'listen-port', String(listenPort), 'private-key', keyFile]);
  await ns.exec(['ip', 'addr', 'add', '192.0.2.1/24', 'dev', name]);
  await ns.exec(['ip', 'link', 'set', 'dev', name, 'up']);
  return { name, listenPort, publicKey: keys.publicKey };
}

/** The foreign interface's listen port and public key as `wg` reports them; undefined when gone. */
export async function foreignState(
  ns: Netns,
  f: ForeignInterface,
): Promise<{ listenPort: number; publicKey: string; up: boolean } | undefined> {
  const link = await linkOf(ns, f.name);
  if (!link) return undefined;
  const port = await ns.exec(['wg', 'show', f.name, 'listen-port']).catch(() => ({ stdout: '0' }));
  const key = await ns.exec(['wg', 'show', f.name, 'public-key']).catch(() => ({ stdout: '' }));
  return {
    listenPort: Number(port.stdout.trim()),
    publicKey: key.stdout.trim(),
    up: link.flags.includes('UP'),
  };
}

/** A UDP socket bound to `port` (IPv4 and IPv6) inside the namespace, until killed. */
export async function holdUdpPort(ns: Netns, port: number): Promise<ChildProcess> {
  const script = [
    "const d = require('node:dgram');",
    `const a = d.createSocket({ type: 'udp6', ipv6Only: true }).bind(${port}, '::');`,
    `a.once('listening', () => d.createSocket('udp4').bind(${port}, '0.0.0.0', () => console.log('ready')));`,
  ].join(' ');
  const child = ns.spawn([process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`udp port ${port} not bound in 10 s`)), 10_000);
    child.stdout?.once('data', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`udp port holder exited with ${code}`));
    });
  });
  return child;
}
