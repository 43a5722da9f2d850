/**
 * IP forwarding (IPv4 and IPv6): a gateway routes between its tunnels and
 * its site, so both must be on.
 * @module
 */
import { WgGatewayError } from '@wg-gateway/core';
import { type CommandRunner, commandRunner, outputOf } from './command.js';

/** The sysctls a gateway switches on. */
export const FORWARDING_SYSCTLS = ['net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding'] as const;

/** One of {@link FORWARDING_SYSCTLS}. */
export type ForwardingSysctl = (typeof FORWARDING_SYSCTLS)[number];

/** A forwarding sysctl could not be set (or read back as 1). */
export class ForwardingError extends WgGatewayError {
  readonly sysctl: ForwardingSysctl;
  constructor(sysctl: ForwardingSysctl, output: string, cause?: unknown) {
    super(
      'FORWARDING_FAILED',
      `[runtime] [sysctl] cannot switch on ${sysctl}${output ? `: ${output}` : ''}`,
      {
        hint: `run as root in the gateway's network namespace, or set ${sysctl}=1 in /etc/sysctl.d/ and check that /proc/sys is writable`,
        ...(cause === undefined ? {} : { cause }),
      },
    );
    this.sysctl = sysctl;
  }
}

/** Options of {@link enableIpForwarding}. */
export interface ForwardingOptions {
  /** Argv prefix, e.g. testkit's `netns.enter`, to act inside a namespace. */
  readonly commandPrefix?: readonly string[];
  /** The sysctl program (default `sysctl`). */
  readonly sysctlCommand?: string;
  readonly run?: CommandRunner;
}

/** Current value of each forwarding sysctl (`undefined` when it cannot be read). Equivalent to: `sysctl -n KEY`. */
export async function ipForwardingStatus(
  options: ForwardingOptions = {},
): Promise<Record<ForwardingSysctl, boolean | undefined>> {
  const run = options.run ?? commandRunner(options.commandPrefix ? { prefix: options.commandPrefix } : {});
  const out = {} as Record<ForwardingSysctl, boolean | undefined>;
  for (const key of FORWARDING_SYSCTLS) {
    const r = await run([options.sysctlCommand ?? 'sysctl', '-n', key]);
    out[key] = r.code === 0 ? r.stdout.trim() === '1' : undefined;
  }
  return out;
}

/**
 * Switch on IPv4 and IPv6 forwarding and read both back; throws
 * {@link ForwardingError} naming the first sysctl that did not take.
 * Equivalent to: `sysctl -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1`.
 * Returns the sysctls that were off before.
 */
export async function enableIpForwarding(options: ForwardingOptions = {}): Promise<ForwardingSysctl[]> {
  const run = options.run ?? commandRunner(options.commandPrefix ? { prefix: options.commandPrefix } : {});
  const sysctl = options.sysctlCommand ?? 'sysctl';
  const before = await ipForwardingStatus({ ...options, run });
  const switched: ForwardingSysctl[] = [];
  for (const key of FORWARDING_SYSCTLS) {
    if (before[key] === true) continue;
    const w = await run([sysctl, '-w', `${key}=1`]);
    const r = await run([sysctl, '-n', key]);
    if (w.code !== 0 || r.code !== 0 || r.stdout.trim() !== '1') {
      throw new ForwardingError(key, outputOf(w.code !== 0 ? w : r) || `${key} reads ${r.stdout.trim()}`);
    }
    switched.push(key);
  }
  return switched;
}
