/**
 * End-to-end, two sites of one unit joined by two tunnels, both backends,
 * both address families: 16 parallel TCP flows from a client of A to a
 * client of B spread over every tunnel with the gateway's layer-4
 * multipath hashing, and collapse onto one with the kernel default (policy
 * 0) configured instead. Then MSS clamping across a 1280-byte tunnel: the
 * SYN's MSS the far client sees fits the tunnel, and is larger (the
 * client's own) with clamping off.
 */
import { mustRunPrivileged } from '@wg-gateway/testkit/netns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientAddresses,
  iperf,
  type Lab,
  type LabNamespace,
  sentBetween,
  spread,
  tunnelCounters,
  waitFor,
} from '../src/index.js';
import { BACKENDS, log, startLab } from './e2e-support.js';

const TUNNELS = 2;
const FLOWS = 16;
/** Port of the MSS probe's transfers (the spreading runs use iperf3's default 5201). */
const MSS_PORT = 5202;

const policyOf = async (ns: LabNamespace) =>
  Promise.all(
    ['net.ipv4.fib_multipath_hash_policy', 'net.ipv6.fib_multipath_hash_policy'].map(async (k) =>
      Number((await ns.exec(['sysctl', '-n', k])).stdout.trim()),
    ),
  );

/** A table in a client counting SYNs (or SYN-ACKs) of `MSS_PORT` by MSS: at most the tunnel's, or larger. */
function mssProbe(direction: 'dport' | 'sport'): string {
  const rule = (family: 'ipv4' | 'ipv6', op: string, mss: number, counter: string) =>
    `    meta nfproto ${family} tcp ${direction} ${MSS_PORT} tcp flags & syn == syn tcp option maxseg size ${op} ${mss} counter name ${counter}`;
  return `table inet mss_probe {
  counter v4_fits {}
  counter v4_larger {}
  counter v6_fits {}
  counter v6_larger {}
  chain input {
    type filter hook input priority filter; policy accept;
${rule('ipv4', '<=', 1240, 'v4_fits')}
${rule('ipv4', '>', 1240, 'v4_larger')}
${rule('ipv6', '<=', 1220, 'v6_fits')}
${rule('ipv6', '>', 1220, 'v6_larger')}
  }
}
`;
}

async function probeCounts(ns: LabNamespace): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of ['v4_fits', 'v4_larger', 'v6_fits', 'v6_larger']) {
    const { stdout } = await ns.exec(['nft', '-j', 'list', 'counter', 'inet', 'mss_probe', name]);
    const list = (JSON.parse(stdout) as { nftables: { counter?: { packets: number } }[] }).nftables;
    out[name] = list.find((x) => x.counter)?.counter?.packets ?? -1;
  }
  return out;
}

describe.runIf(mustRunPrivileged())('e2e: throughput across tunnels, MSS clamping', () => {
  for (const backend of BACKENDS) {
    describe(`backend ${backend}`, () => {
      let lab: Lab;

      beforeAll(async () => {
        lab = await startLab({
          backend,
          sites: [
            { name: 'a', units: 1, tunnels: TUNNELS, prefixes: ['3fff::/20', '192.0.2.0/24'] },
            { name: 'b', units: 1, tunnels: TUNNELS, prefixes: ['2001:db8::/32', '198.51.100.0/24'] },
          ],
          // 1360 - 80: every tunnel negotiates the 1280-byte minimum.
          underlayMtu: { 'a-1': 1360 },
        });
        // Without flow labels IPv6 hashing under policy 0 sees addresses only, as IPv4's does:
        // the spreading below then comes from the policy, not from the sender's labels.
        await lab.ns('a-cl').exec(['sysctl', '-qw', 'net.ipv6.auto_flowlabels=0']);
      }, 180_000);

      afterAll(async () => {
        await lab?.down();
      }, 60_000);

      /** Run 16 flows to each B client address; resolves per address to the bytes each tunnel of a-1 sent. */
      async function flows(): Promise<Map<string, Map<string, number>>> {
        const a1 = lab.ns('a-1');
        const out = new Map<string, Map<string, number>>();
        for (const address of clientAddresses(lab, 'b')) {
          const before = await tunnelCounters(a1);
          const r = await iperf(lab.ns('a-cl'), lab.ns('b-cl'), address, { streams: FLOWS, seconds: 3 });
          const sent = sentBetween(before, await tunnelCounters(a1));
          log(
            `  ${backend} → ${address}: ${(r.bitsPerSecond / 1e6).toFixed(0)} Mbit/s; per tunnel ${[...sent].map(([n, b]) => `${n} ${(b / 1e6).toFixed(1)} MB`).join(', ')}`,
          );
          expect(r.bytes, `${address}: iperf3 moved data`).toBeGreaterThan(0);
          out.set(address, sent);
        }
        return out;
      }

      it('16 TCP flows between two clients spread over every tunnel (layer-4 hashing), IPv4 and IPv6', async () => {
        expect(await policyOf(lab.ns('a-1'))).toEqual([1, 1]);
        for (const [address, sent] of await flows()) {
          expect(sent.size, `${address}: tunnels of a-1`).toBe(TUNNELS);
          const s = spread(sent);
          // No tunnel below a third of a fair share.
          expect(s.min, `${address}: least-used tunnel vs fair share ${s.fairShare}`).toBeGreaterThanOrEqual(
            s.fairShare / 3,
          );
        }
      }, 90_000);

      it('with the kernel default (policy 0) configured, the same flows collapse onto one tunnel', async () => {
        await lab.writeUnitConfig('a-1', undefined, { 'multipath-hash-policy': 0 });
        await lab.reloadUnit('a-1');
        try {
          const set = await waitFor(async () => (await policyOf(lab.ns('a-1'))).every((p) => p === 0), {
            timeoutMs: 30_000,
          });
          expect(set, 'a-1 applied policy 0 from its config').toBe(true);
          for (const [address, sent] of await flows()) {
            const s = spread(sent);
            expect(s.max, `${address}: one tunnel carries (nearly) everything`).toBeGreaterThanOrEqual(
              0.95 * s.total,
            );
          }
        } finally {
          await lab.writeUnitConfig('a-1');
          await lab.reloadUnit('a-1');
        }
        expect(
          await waitFor(async () => (await policyOf(lab.ns('a-1'))).every((p) => p === 1), {
            timeoutMs: 30_000,
          }),
        ).toBe(true);
      }, 120_000);

      it('MSS clamping across the 1280-byte tunnels: the far side sees an MSS that fits, and a larger one with clamping off', async () => {
        const [v4, v6] = [clientAddresses(lab, 'b')[1] as string, clientAddresses(lab, 'b')[0] as string];
        expect(v4).toMatch(/^\d+\./);
        const mtus = await lab.ns('a-1').exec(['ip', '-j', 'link', 'show']);
        for (const l of JSON.parse(mtus.stdout) as { ifname: string; mtu: number }[]) {
          if (/^wg\d+$/.test(l.ifname)) expect(l.mtu, l.ifname).toBe(1280);
        }
        // SYNs counted where they arrive (b's client), SYN-ACKs where they return (a's client).
        await lab.ns('b-cl').exec(['nft', '-f', '-'], { input: mssProbe('dport') });
        await lab.ns('a-cl').exec(['nft', '-f', '-'], { input: mssProbe('sport') });
        const transfer = async () => {
          for (const address of [v4, v6]) {
            const r = await iperf(lab.ns('a-cl'), lab.ns('b-cl'), address, {
              streams: 1,
              seconds: 1,
              port: MSS_PORT,
            });
            expect(r.bytes, `${address}: the transfer went through`).toBeGreaterThan(0);
          }
        };

        await transfer();
        const syn = await probeCounts(lab.ns('b-cl'));
        const synAck = await probeCounts(lab.ns('a-cl'));
        log(`  ${backend} clamped: SYN ${JSON.stringify(syn)}, SYN-ACK ${JSON.stringify(synAck)}`);
        for (const counts of [syn, synAck]) {
          expect(counts).toMatchObject({ v4_larger: 0, v6_larger: 0 });
          expect(counts.v4_fits).toBeGreaterThan(0);
          expect(counts.v6_fits).toBeGreaterThan(0);
        }

        // Clamping off on both units: the table goes, and the clients' own MSS (1460/1440) crosses.
        for (const unit of ['a-1', 'b-1']) {
          await lab.writeUnitConfig(unit, undefined, { 'mss-clamping': 'off' });
          await lab.reloadUnit(unit);
        }
        const removed = await waitFor(
          async () => {
            for (const unit of ['a-1', 'b-1']) {
              const r = await lab.ns(unit).tryExec(['nft', 'list', 'table', 'inet', 'wg_gateway_mss']);
              if (r.ok) return false;
            }
            return true;
          },
          { timeoutMs: 30_000 },
        );
        expect(removed, 'both units removed their MSS clamping table').toBe(true);
        for (const ns of [lab.ns('a-cl'), lab.ns('b-cl')])
          await ns.exec(['nft', 'reset', 'counters', 'table', 'inet', 'mss_probe']);
        await transfer();
        const unclampedSyn = await probeCounts(lab.ns('b-cl'));
        log(`  ${backend} unclamped: SYN ${JSON.stringify(unclampedSyn)}`);
        expect(unclampedSyn.v4_larger).toBeGreaterThan(0);
        expect(unclampedSyn.v6_larger).toBeGreaterThan(0);
        expect(unclampedSyn).toMatchObject({ v4_fits: 0, v6_fits: 0 });
      }, 120_000);
    });
  }
});
