/**
 * Traffic through the lab: iperf3 between site clients, the byte counters
 * of a unit's WireGuard interfaces, and how the bytes spread over them.
 * Used by the throughput test and benchmark.
 * @module
 */
import { LabError } from './lab-error.js';
import type { LabNamespace } from './lab-namespace.js';

/** Bytes sent and received per WireGuard interface of a unit. */
export type TunnelCounters = ReadonlyMap<string, { readonly txBytes: number; readonly rxBytes: number }>;

/** The counters of every `wg*` interface in `ns`. Equivalent to: `ip -j -s link show`. */
export async function tunnelCounters(ns: LabNamespace): Promise<TunnelCounters> {
  const { stdout } = await ns.exec(['ip', '-j', '-s', 'link', 'show']);
  const links = JSON.parse(stdout) as {
    ifname: string;
    stats64?: { tx: { bytes: number }; rx: { bytes: number } };
  }[];
  return new Map(
    links
      .filter((l) => /^wg\d+$/.test(l.ifname))
      .map((l) => [l.ifname, { txBytes: l.stats64?.tx.bytes ?? 0, rxBytes: l.stats64?.rx.bytes ?? 0 }]),
  );
}

/** Bytes sent per interface between two readings (interfaces in `after`). */
export function sentBetween(before: TunnelCounters, after: TunnelCounters): Map<string, number> {
  return new Map(
    [...after].map(([name, c]) => [name, Math.max(0, c.txBytes - (before.get(name)?.txBytes ?? 0))]),
  );
}

/** How evenly `bytes` spread: the smallest and largest share of the total, against a fair share. */
export function spread(bytes: ReadonlyMap<string, number>): {
  total: number;
  fairShare: number;
  min: number;
  max: number;
} {
  const values = [...bytes.values()];
  const total = values.reduce((a, b) => a + b, 0);
  return {
    total,
    fairShare: values.length > 0 ? total / values.length : 0,
    min: values.length > 0 ? Math.min(...values) : 0,
    max: values.length > 0 ? Math.max(...values) : 0,
  };
}

/** Options of {@link iperf}. */
export interface IperfOptions {
  /** Parallel TCP streams (`-P`, default 16). */
  readonly streams?: number;
  /** Seconds to send (`-t`, default 3). */
  readonly seconds?: number;
  /** Server port (default 5201). */
  readonly port?: number;
  /** Maximum segment size to ask for (`-M`), or none. */
  readonly mss?: number;
}

/** What one iperf3 run measured. */
export interface IperfResult {
  /** Goodput received by the server, bits per second. */
  readonly bitsPerSecond: number;
  readonly bytes: number;
  readonly seconds: number;
  /** CPU use of the sender and receiver processes, percent of one core (iperf3's own figure). */
  readonly senderCpuPercent: number;
  readonly receiverCpuPercent: number;
}

/**
 * Start a one-shot iperf3 server in `server` (it exits after one test),
 * run the client in `client` against `address`, and resolve to what the
 * server received. Bounded: the client gets `seconds + 20` s.
 * Equivalent to: `iperf3 -s -1 -p PORT` and `iperf3 -c ADDRESS -p PORT -P N -t S -J`.
 */
export async function iperf(
  client: LabNamespace,
  server: LabNamespace,
  address: string,
  options: IperfOptions = {},
): Promise<IperfResult> {
  const port = options.port ?? 5201;
  const seconds = options.seconds ?? 3;
  const srv = server.spawnDetached(['iperf3', '-s', '-1', '-p', String(port)], '/dev/null');
  try {
    // The server needs a moment to listen (bounded wait).
    const listening = async () =>
      (await server.tryExec(['ss', '-Htln', `sport = :${port}`], 5000)).stdout.trim() !== '';
    for (let i = 0; i < 50 && !(await listening()); i++) await new Promise((r) => setTimeout(r, 100));
    const r = await client.tryExec(
      [
        'iperf3',
        '-c',
        address,
        '-p',
        String(port),
        '-P',
        String(options.streams ?? 16),
        '-t',
        String(seconds),
        '--connect-timeout',
        '3000',
        ...(options.mss === undefined ? [] : ['-M', String(options.mss)]),
        '-J',
      ],
      (seconds + 20) * 1000,
    );
    if (!r.ok) {
      throw new LabError(
        `iperf3 to ${address} failed: ${r.stderr.slice(0, 500)}`,
        'is iperf3 installed, and the path up?',
        {
          part: 'exec',
        },
      );
    }
    const out = r.stdout;
    const json = JSON.parse(out) as {
      error?: string;
      end?: {
        sum_received?: { bits_per_second: number; bytes: number; seconds: number };
        cpu_utilization_percent?: { host_total: number; remote_total: number };
      };
    };
    const received = json.end?.sum_received;
    if (received === undefined) {
      // iperf3 can exit 0 with only an error in its JSON (e.g. the server went away mid-test).
      throw new LabError(
        `iperf3 to ${address} reported no result: ${json.error ?? 'no end.sum_received'}`,
        'run it again',
        {
          part: 'exec',
        },
      );
    }
    return {
      bitsPerSecond: received.bits_per_second,
      bytes: received.bytes,
      seconds: received.seconds,
      senderCpuPercent: json.end?.cpu_utilization_percent?.host_total ?? 0,
      receiverCpuPercent: json.end?.cpu_utilization_percent?.remote_total ?? 0,
    };
  } finally {
    try {
      if (srv.pid !== undefined) process.kill(srv.pid, 'SIGKILL');
    } catch {
      // exited after its one test
    }
  }
}

/**
 * The icmp_seq numbers `ping` printed an echo reply for, unique and sorted.
 * An ICMP error ("From X icmp_seq=N Destination Net Unreachable", sent by a
 * unit with no route) names a sequence number too, but it is a loss.
 */
export function echoReplySeqs(pingOutput: string): number[] {
  const seqs = new Set([...pingOutput.matchAll(/bytes from .*icmp_seq=(\d+)/g)].map((m) => Number(m[1])));
  return [...seqs].sort((a, b) => a - b);
}

/** The longest run of requests among 1..`count` without a reply in `seqs` (sorted), in requests. */
export function longestGap(seqs: readonly number[], count: number): number {
  let longest = 0;
  let last = 0;
  for (const s of [...seqs, count + 1]) {
    longest = Math.max(longest, s - last - 1);
    last = s;
  }
  return longest;
}
