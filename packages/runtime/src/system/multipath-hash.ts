/**
 * The kernel's multipath hash policy (IPv4 and IPv6): which header fields
 * choose the next hop of an ECMP route. The default (0) hashes addresses
 * only, so every flow between two hosts takes the same tunnel; layer 4 (1)
 * adds ports and protocol, so the flows of two busy hosts spread over every
 * tunnel. Per network namespace.
 * @module
 */
import { WgGatewayError } from '@wg-gateway/core';
import { type CommandRunner, commandRunner, outputOf } from './command.js';

/** The sysctls, one per address family. */
export const MULTIPATH_HASH_SYSCTLS = [
  'net.ipv4.fib_multipath_hash_policy',
  'net.ipv6.fib_multipath_hash_policy',
] as const;

/** One of {@link MULTIPATH_HASH_SYSCTLS}. */
export type MultipathHashSysctl = (typeof MULTIPATH_HASH_SYSCTLS)[number];

/**
 * A policy: 0 layer 3 (addresses; IPv6 adds the flow label), 1 layer 4
 * (addresses, ports, protocol), 2 layer 3 or the inner packet's layer 3,
 * 3 custom (`fib_multipath_hash_fields`). See the kernel's ip-sysctl docs.
 */
export type MultipathHashPolicy = 0 | 1 | 2 | 3;

/** What a gateway sets unless configured otherwise: layer 4. */
export const DEFAULT_MULTIPATH_HASH_POLICY: MultipathHashPolicy = 1;

/** A multipath hash sysctl could not be set (or read back). */
export class MultipathHashError extends WgGatewayError {
  readonly sysctl: MultipathHashSysctl;
  constructor(sysctl: MultipathHashSysctl, policy: MultipathHashPolicy, output: string) {
    super(
      'MULTIPATH_HASH_FAILED',
      `[runtime] [sysctl] cannot set ${sysctl}=${policy}${output ? `: ${output}` : ''}`,
      {
        hint: `run as root in the gateway's network namespace on a kernel that knows policy ${policy}, or set runtime.host.multipath-hash-policy to another value or "off"`,
      },
    );
    this.sysctl = sysctl;
  }
}

/** Options of {@link setMultipathHashPolicy}. */
export interface MultipathHashOptions {
  /** Argv prefix, e.g. testkit's `netns.enter`, to act inside a namespace. */
  readonly commandPrefix?: readonly string[];
  /** The sysctl program (default `sysctl`). */
  readonly sysctlCommand?: string;
  readonly run?: CommandRunner;
}

function runnerOf(options: MultipathHashOptions): CommandRunner {
  return options.run ?? commandRunner(options.commandPrefix ? { prefix: options.commandPrefix } : {});
}

/** The policy in force per family (`undefined` when it cannot be read). Equivalent to: `sysctl -n KEY`. */
export async function multipathHashStatus(
  options: MultipathHashOptions = {},
): Promise<Record<MultipathHashSysctl, number | undefined>> {
  const run = runnerOf(options);
  const out = {} as Record<MultipathHashSysctl, number | undefined>;
  for (const key of MULTIPATH_HASH_SYSCTLS) {
    const r = await run([options.sysctlCommand ?? 'sysctl', '-n', key]);
    const value = Number(r.stdout.trim());
    out[key] = r.code === 0 && r.stdout.trim() !== '' && Number.isInteger(value) ? value : undefined;
  }
  return out;
}

/**
 * Set `policy` for IPv4 and IPv6 and read both back; throws
 * {@link MultipathHashError} naming the first sysctl that did not take.
 * Equivalent to: `sysctl -w net.ipv4.fib_multipath_hash_policy=1 net.ipv6.fib_multipath_hash_policy=1`.
 * Returns the sysctls that held another value before.
 */
export async function setMultipathHashPolicy(
  policy: MultipathHashPolicy,
  options: MultipathHashOptions = {},
): Promise<MultipathHashSysctl[]> {
  const run = runnerOf(options);
  const sysctl = options.sysctlCommand ?? 'sysctl';
  const before = await multipathHashStatus({ ...options, run });
  const changed: MultipathHashSysctl[] = [];
  for (const key of MULTIPATH_HASH_SYSCTLS) {
    if (before[key] === policy) continue;
    const w = await run([sysctl, '-w', `${key}=${policy}`]);
    const r = await run([sysctl, '-n', key]);
    if (w.code !== 0 || r.code !== 0 || r.stdout.trim() !== String(policy)) {
      throw new MultipathHashError(
        key,
        policy,
        outputOf(w.code !== 0 ? w : r) || `${key} reads ${r.stdout.trim()}`,
      );
    }
    changed.push(key);
  }
  return changed;
}
