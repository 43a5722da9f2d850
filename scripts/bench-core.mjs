#!/usr/bin/env node
// Benchmark: reconcile() + plan() for one unit at 10, 100, 1,000 and 10,000
// links (remote units × 2 tunnels), steady state (everything open, nothing to
// change). Prints a Markdown table. Run after `npm run build`:
//   node scripts/bench-core.mjs
import { createHash } from 'node:crypto';
import os from 'node:os';
import { emptyState, ManualClock, NodeKeySource, parseGroupConfig, plan, reconcile } from '@wg-gateway/core';

const SIZES = (process.env.SIZES ?? '10,100,1000,10000').split(',').map(Number);
const TUNNELS = 2;
const fakeKey = (s) => createHash('sha256').update(s).digest('base64');

function setup(links) {
  const remotes = links / TUNNELS;
  const config = parseGroupConfig({
    unit: 'a-0',
    group: 'a',
    'ingress-address': '198.18.0.1',
    'advertise-prefixes': ['192.0.2.0/24', '2001:db8:1::/48'],
    tunnels: TUNNELS,
    peerings: [{ id: 'a-b', role: 'initiator' }],
    'port-range': '20000-65000',
  });
  const keys = new NodeKeySource();
  const clock = new ManualClock(0);
  const remoteUnits = Array.from({ length: remotes }, (_, i) => ({
    id: `b-${i}`,
    ingress: `198.19.${Math.floor(i / 250)}.${(i % 250) + 1}`,
    keys: Array.from({ length: TUNNELS }, (_, k) => fakeKey(`b-${i}/${k}`)),
  }));
  const wire = (u, listenPorts) => ({
    'ingress-address': u.ingress,
    'advertise-prefixes': '198.51.100.0/24, 2001:db8:2::/48',
    'public-keys': u.keys.join(','),
    'listen-ports': listenPorts.join(','),
    mtu: '1420',
  });
  const input = (state, remote) => ({
    config,
    state,
    remote: { 'a-b': remote },
    group: {},
    facts: { pathMtu: {}, interfaceOf: {}, routerId: '192.0.2.1' },
    clock,
    keys,
  });
  // Round 1: keys only → half-open links. Round 2: remotes answer → open.
  const r1 = reconcile(
    input(emptyState(20000), Object.fromEntries(remoteUnits.map((u) => [u.id, wire(u, [])]))),
  );
  let port = 30000;
  const answered = Object.fromEntries(
    remoteUnits.map((u) => {
      const entries = r1.state.links
        .filter((l) => l.peerUnit === u.id)
        .map((l) => {
          port += 2;
          return `${l.peerPublicKey}:${l.publicKey}:${port}`;
        });
      return [u.id, wire(u, entries)];
    }),
  );
  const r2 = reconcile(input(r1.state, answered));
  const steady = input(r2.state, answered);
  const observed = r2.desired.interfaces.map((d) => ({
    name: d.name,
    listenPort: d.listenPort,
    publicKey: d.publicKey,
    mtu: d.mtu,
    addresses: d.addresses,
    up: true,
    peers: [{ ...d.peer, rxBytes: 0, txBytes: 0 }],
  }));
  if (r2.desired.interfaces.length !== links)
    throw new Error(`expected ${links} links, got ${r2.desired.interfaces.length}`);
  return { steady, observed };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// Wall time and the process's CPU time (user + system, all threads) per run.
// CPU time is what the machine pays; wall time also includes waiting for a
// core when the machine is busy, so on a loaded machine trust the CPU column.
function time(fn, minRuns, minMs) {
  const wall = [];
  const cpu = [];
  const start = performance.now();
  while (wall.length < minRuns || performance.now() - start < minMs) {
    const c = process.cpuUsage();
    const t = performance.now();
    fn();
    wall.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
    if (wall.length > 10000) break;
  }
  return { wall: median(wall), cpu: median(cpu) };
}

const rows = [];
for (const links of SIZES) {
  const { steady, observed } = setup(links);
  let result;
  const rec = time(
    () => {
      result = reconcile(steady);
    },
    15,
    300,
  );
  const pl = time(() => plan(result.desired.interfaces, observed), 15, 300);
  if (plan(result.desired.interfaces, observed).length !== 0) throw new Error('steady plan not empty');
  rows.push({ links, rec, pl, wall: rec.wall + pl.wall, cpu: rec.cpu + pl.cpu });
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `Machine: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`,
);
console.log('');
console.log(
  '| links | reconcile wall (ms) | plan wall (ms) | total wall (ms) | total CPU (ms) | µs CPU per link |',
);
console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(
    `| ${r.links.toLocaleString('en')} | ${r.rec.wall.toFixed(3)} | ${r.pl.wall.toFixed(3)} | ${r.wall.toFixed(3)} | ${r.cpu.toFixed(3)} | ${((r.cpu * 1000) / r.links).toFixed(2)} |`,
  );
}
