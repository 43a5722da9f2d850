/**
 * Failover measurements in a lab, shared by the end-to-end tests and
 * `scripts/bench-lab.mjs`: a client pings another site's client every 20 ms
 * while a fault is injected; the longest run of lost replies is the gap.
 * @module
 */
import { readFile } from 'node:fs/promises';
import type { Lab } from './lab.js';
import { clientAddresses } from './lab-checks.js';
import { vipHolders } from './lab-status.js';
import { echoReplySeqs, longestGap } from './lab-traffic.js';
import { sleep } from './wait.js';

/** Ping interval of {@link gapDuring}, ms. */
export const GAP_PING_INTERVAL_MS = 20;

/** What {@link gapDuring} measured. */
export interface GapResult {
  /** Longest run of lost replies × the ping interval. */
  readonly gapMs: number;
  readonly lost: number;
  readonly count: number;
  /** Replies among the last 25 pings: traffic flows again at the end. */
  readonly answeredAtEnd: number;
}

/** The first IPv4 client address of a site. */
export function clientV4(lab: Lab, site: string): string {
  const a = clientAddresses(lab, site).find((x) => !x.includes(':'));
  if (!a) throw new Error(`site ${site} has no IPv4 client address`);
  return a;
}

/**
 * Ping site `to`'s client from site `from`'s every 20 ms for `seconds`, run
 * `fault` after `faultAfterMs`, and return the longest gap.
 */
export async function gapDuring(
  lab: Lab,
  o: { from: string; to: string; seconds: number; faultAfterMs: number; fault: () => Promise<void> },
): Promise<GapResult> {
  const count = Math.round((o.seconds * 1000) / GAP_PING_INTERVAL_MS);
  const argv = ['ping', '-n', '-i', String(GAP_PING_INTERVAL_MS / 1000), '-c', String(count), '-W', '1'];
  const ping = lab
    .ns(`${o.from}-cl`)
    .exec([...argv, clientV4(lab, o.to)], { timeoutMs: o.seconds * 1000 + 30_000 })
    .catch((e: Error) => ({ stdout: String((e.cause as { stdout?: string })?.stdout ?? '') }));
  await sleep(o.faultAfterMs);
  await o.fault();
  const seqs = echoReplySeqs((await ping).stdout);
  const worst = longestGap(seqs, count);
  return {
    gapMs: worst * GAP_PING_INTERVAL_MS,
    lost: count - seqs.length,
    count,
    answeredAtEnd: seqs.filter((s) => s > count - 25).length,
  };
}

/** Bytes sent so far by each wg interface of a unit. Equivalent to: `ip -s -j link`. */
export async function wgTxBytes(lab: Lab, unit: string): Promise<Map<string, number>> {
  const { stdout } = await lab.ns(unit).exec(['ip', '-s', '-j', 'link', 'show']);
  const links = JSON.parse(stdout) as { ifname: string; stats64?: { tx?: { bytes?: number } } }[];
  return new Map(
    links.filter((l) => l.ifname.startsWith('wg')).map((l) => [l.ifname, l.stats64?.tx?.bytes ?? 0]),
  );
}

/**
 * The wg interface of `unit` that carries the flow from site `from`'s
 * client to site `to`'s: the one whose sent bytes grow most during a burst.
 */
export async function flowInterface(lab: Lab, unit: string, from: string, to: string): Promise<string> {
  const before = await wgTxBytes(lab, unit);
  await lab
    .ns(`${from}-cl`)
    .exec(['ping', '-n', '-q', '-i', '0.01', '-c', '100', '-s', '1000', clientV4(lab, to)]);
  const after = await wgTxBytes(lab, unit);
  const grown = [...after]
    .map(([n, b]) => [n, b - (before.get(n) ?? 0)] as const)
    .sort((x, y) => y[1] - x[1]);
  const best = grown[0];
  if (!best || best[1] <= 0) throw new Error(`no wg interface of ${unit} carries the flow`);
  return best[0];
}

/** Pids of the wireguard-go serving `ifname` inside a unit's namespace. */
export async function wireguardGoPids(lab: Lab, unit: string, ifname: string): Promise<number[]> {
  const out: number[] = [];
  for (const pid of await lab.ns(unit).pids()) {
    const comm = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (comm === 'wireguard-go' && argv.includes(ifname)) out.push(pid);
  }
  return out;
}

/** The unit of `site` holding its first VIP. */
export async function vipHolderOf(lab: Lab, site: string): Promise<string> {
  const plan = lab.plan.sites.find((s) => s.name === site);
  const vip = plan?.vips[0]?.split('/')[0];
  if (!plan || !vip) throw new Error(`site ${site} has no VIP`);
  const unit = (await vipHolders(lab, plan)).get(vip)?.[0];
  if (!unit) throw new Error(`nobody holds ${vip}`);
  return unit;
}
