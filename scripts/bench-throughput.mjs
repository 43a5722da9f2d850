#!/usr/bin/env node
// Throughput benchmark: aggregate TCP goodput between the clients of two
// lab sites (one unit each, wg-gateway with layer-4 multipath hashing) for
// tunnels = 2, 4, 8, against one plain WireGuard tunnel (wireguard-go, no
// gateway, static routes) between the same kind of namespaces: client —
// router —(underlay)— router — client. For each setup: iperf3 with STREAMS
// parallel flows for SECONDS, REPEATS times (median run reported), the CPU
// the wireguard-go processes used (utime + stime from /proc/PID/stat) and
// the whole machine's busy share (/proc/stat) over the same interval.
// Needs root, iperf3, wireguard-go, bird2, keepalived, and built packages:
//   npm run build && node scripts/bench-throughput.mjs   (table for docs/benchmarks.md)
// Environment: TUNNELS=2,4,8 STREAMS=16 SECONDS=5 REPEATS=3 BACKEND=wgquick.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import {
  iperf,
  Lab,
  LabNamespace,
  plugIntoBridge,
  sentBetween,
  spread,
  tunnelCounters,
  waitConverged,
} from '@wg-gateway/lab';
import { cleanupNamespaces, uniquePrefix } from '@wg-gateway/testkit';

const TUNNELS = (process.env.TUNNELS ?? '2,4,8').split(',').map(Number);
const STREAMS = Number(process.env.STREAMS ?? 16);
const SECONDS = Number(process.env.SECONDS ?? 5);
const REPEATS = Number(process.env.REPEATS ?? 3);
const BACKEND = process.env.BACKEND ?? 'wgquick';
const TICK = 100; // USER_HZ: /proc/PID/stat counts CPU time in 1/100 s.
const A = ['3fff::/20', '192.0.2.0/24'];
const B = ['2001:db8::/32', '198.51.100.0/24'];
const B_CLIENT = '198.51.100.100';

/** CPU seconds (user + system) of every wireguard-go process in `namespaces`. */
async function wireguardCpu(namespaces) {
  let ticks = 0;
  for (const ns of namespaces) {
    for (const pid of await ns.pids()) {
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'wireguard-go') continue;
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
        ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        // exited
      }
    }
  }
  return ticks / TICK;
}

/** Busy and total jiffies of the whole machine. */
function machineCpu() {
  const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - v[3] - v[4], total };
}

/** REPEATS iperf3 runs; the median by goodput, with CPU figures. */
async function measure(client, server, routers, countersNs) {
  const runs = [];
  for (let i = 0; i < REPEATS; i++) {
    const cpu0 = await wireguardCpu(routers);
    const m0 = machineCpu();
    const c0 = countersNs ? await tunnelCounters(countersNs) : undefined;
    const t0 = performance.now();
    const r = await iperf(client, server, B_CLIENT, { streams: STREAMS, seconds: SECONDS });
    const wall = (performance.now() - t0) / 1000;
    const cpu = (await wireguardCpu(routers)) - cpu0;
    const m1 = machineCpu();
    const s = countersNs ? spread(sentBetween(c0, await tunnelCounters(countersNs))) : undefined;
    runs.push({
      gbps: r.bitsPerSecond / 1e9,
      // wireguard-go cores busy during the run (both routers), and CPU-seconds per Gbit moved.
      wgCores: cpu / wall,
      cpuPerGbit: cpu / ((r.bitsPerSecond * r.seconds) / 1e9),
      busy: (m1.busy - m0.busy) / (m1.total - m0.total),
      minShare: s ? s.min / s.fairShare : undefined,
    });
  }
  runs.sort((a, b) => a.gbps - b.gbps);
  return runs[Math.floor(runs.length / 2)];
}

async function gatewayLab(tunnels, withPolicy0 = false) {
  const lab = await Lab.up(
    {
      backend: BACKEND,
      sites: [
        { name: 'a', units: 1, tunnels, prefixes: A },
        { name: 'b', units: 1, tunnels, prefixes: B },
      ],
    },
    { prefix: uniquePrefix('wlbt') },
  );
  try {
    const c = await waitConverged(lab, { timeoutMs: 180_000 });
    if (!c.converged) throw new Error(`lab with ${tunnels} tunnels did not converge`);
    const run = () => measure(lab.ns('a-cl'), lab.ns('b-cl'), [lab.ns('a-1'), lab.ns('b-1')], lab.ns('a-1'));
    const result = await run();
    if (!withPolicy0) return { result };
    // The same lab with the kernel's default hashing: every flow on one tunnel.
    await lab.writeUnitConfig('a-1', undefined, { 'multipath-hash-policy': 0 });
    await lab.reloadUnit('a-1');
    const a1 = lab.ns('a-1');
    for (let i = 0; i < 60; i++) {
      if ((await a1.exec(['sysctl', '-n', 'net.ipv4.fib_multipath_hash_policy'])).stdout.trim() === '0')
        break;
      await new Promise((r) => setTimeout(r, 500));
    }
    return { result, policy0: await run() };
  } finally {
    await lab.down();
  }
}

/** One plain wireguard-go tunnel, keys and routes set by hand with `wg` and `ip`. */
async function plainTunnel() {
  const p = uniquePrefix('wlbp');
  const ns = {};
  // The private keys go through 0600 files in a private directory, removed at the end.
  const dir = mkdtempSync(join(os.tmpdir(), 'wg-gateway-bench-'));
  try {
    // The lab's shape: clients and routers on bridges (a LAN per site, one WAN).
    for (const k of ['wan', 'alan', 'blan', 'acl', 'agw', 'bgw', 'bcl'])
      ns[k] = await LabNamespace.create(`${p}-${k}`);
    for (const k of ['wan', 'alan', 'blan']) await ns[k].addBridge('br0');
    await plugIntoBridge(ns.acl, 'eth0', ['192.0.2.100/24'], ns.alan, 'br0', 'acl');
    await plugIntoBridge(ns.agw, 'lan0', ['192.0.2.1/24'], ns.alan, 'br0', 'agw');
    await plugIntoBridge(ns.bcl, 'eth0', ['198.51.100.100/24'], ns.blan, 'br0', 'bcl');
    await plugIntoBridge(ns.bgw, 'lan0', ['198.51.100.1/24'], ns.blan, 'br0', 'bgw');
    await plugIntoBridge(ns.agw, 'wan0', ['203.0.113.10/24'], ns.wan, 'br0', 'agw');
    await plugIntoBridge(ns.bgw, 'wan0', ['203.0.113.11/24'], ns.wan, 'br0', 'bgw');
    await ns.acl.exec(['ip', 'route', 'add', 'default', 'via', '192.0.2.1']);
    await ns.bcl.exec(['ip', 'route', 'add', 'default', 'via', '198.51.100.1']);
    const keys = {};
    for (const k of ['agw', 'bgw']) {
      const priv = (await ns[k].exec(['wg', 'genkey'])).stdout.trim();
      keys[k] = { priv, pub: (await ns[k].exec(['wg', 'pubkey'], { input: priv })).stdout.trim() };
    }
    const side = async (me, peer, wan, remote) => {
      await ns[me].exec(['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
      await ns[me].exec(['wireguard-go', 'wg0']);
      const conf = join(dir, `${me}.conf`);
      writeFileSync(
        conf,
        `[Interface]\nPrivateKey = ${keys[me].priv}\nListenPort = 51820\n[Peer]\nPublicKey = ${keys[peer].pub}\nEndpoint = ${wan}:51820\nAllowedIPs = 0.0.0.0/0\n`,
        { mode: 0o600 },
      );
      await ns[me].exec(['wg', 'setconf', 'wg0', conf]);
      await ns[me].exec(['ip', 'link', 'set', 'wg0', 'mtu', '1420', 'up']);
      await ns[me].exec(['ip', 'route', 'add', remote, 'dev', 'wg0']);
    };
    await side('agw', 'bgw', '203.0.113.11', '198.51.100.0/24');
    await side('bgw', 'agw', '203.0.113.10', '192.0.2.0/24');
    await ns.acl.exec(['ping', '-c', '1', '-W', '5', B_CLIENT]);
    return { result: await measure(ns.acl, ns.bcl, [ns.agw, ns.bgw], undefined) };
  } finally {
    await cleanupNamespaces(`${p}-`);
    rmSync(dir, { recursive: true, force: true });
  }
}

const f = (x, d = 2) => (x === undefined ? 'n/a' : x.toFixed(d));
const load0 = os.loadavg();
const rows = [];
const plain = await plainTunnel();
rows.push({ setup: 'plain WireGuard', tunnels: 1, ...plain.result });
for (const [i, t] of TUNNELS.entries()) {
  const r = await gatewayLab(t, i === 0);
  if (r.policy0)
    rows.push({ setup: 'wg-gateway, hash policy 0 (one tunnel used)', tunnels: t, ...r.policy0, used: 1 });
  rows.push({ setup: 'wg-gateway', tunnels: t, ...r.result });
}
const base = rows[0].gbps;
console.log(
  `${os.cpus().length} CPUs (${os.cpus()[0]?.model}), load average before ${load0.map((x) => x.toFixed(2)).join(' ')}, after ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}; backend ${BACKEND}, ${STREAMS} flows × ${SECONDS} s, median of ${REPEATS}`,
);
console.log('');
console.log(
  '| setup | tunnels | goodput Gbit/s | vs plain | per used tunnel Gbit/s | wireguard-go cores | wireguard-go CPU s per Gbit | machine busy | least tunnel / fair share |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(
    `| ${r.setup} | ${r.tunnels} | ${f(r.gbps, 3)} | ${f(r.gbps / base)}× | ${f(r.gbps / (r.used ?? r.tunnels), 3)} | ${f(r.wgCores)} | ${f(r.cpuPerGbit)} | ${f(r.busy * 100, 0)} % | ${f(r.minShare)} |`,
  );
}
