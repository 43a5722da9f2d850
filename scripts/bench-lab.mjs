#!/usr/bin/env node
// Lab benchmark (issue 12): convergence and failover gaps of a real lab
// (two sites × two units, tunnels 2, wireguard-go, BIRD, Keepalived in
// namespaces), both backends, our default timers and the reference's
// (OSPF hello 5 / dead 30, no BFD), median of N runs (a fresh lab per run).
//
//   sudo node scripts/bench-lab.mjs [--runs N] [--backends wgquick,netlink] [--profiles ours,reference]
//
// Prints a markdown table (the rows of docs/benchmarks.md's lab section).
// Needs root and a build (`npm run build`). Several minutes per run.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import {
  flowInterface,
  gapDuring,
  Lab,
  pingMatrix,
  vipHolderOf,
  waitConverged,
  wireguardGoPids,
} from '@wg-gateway/lab';
import { uniquePrefix } from '@wg-gateway/testkit/netns';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: process.env.BENCH_RUNS ?? '5' },
    backends: { type: 'string', default: 'wgquick,netlink' },
    profiles: { type: 'string', default: 'ours,reference' },
  },
});
const RUNS = Math.max(1, Number(values.runs));
const PROFILES = {
  // The gateway's defaults; the lab's OSPF hello 1 / dead 4.
  ours: { hello: 1, dead: 4 },
  // The reference's timers: no BFD, hello 5, dead 30.
  reference: { hello: 5, dead: 30, bfd: false },
};

const say = (line) => process.stderr.write(`${line}\n`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** A unit's saved state (holds private keys: never print it). */
const unitState = async (lab, unit) => JSON.parse(await readFile(lab.paths(unit).state, 'utf8'));

async function waitPings(lab, timeoutMs) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if ((await pingMatrix(lab, 5_000)).ok) return true;
  }
  return false;
}

/** One run: a fresh lab; every number in ms (NaN when it did not happen in time). */
async function run(backend, profile) {
  const ospf = PROFILES[profile];
  const slow = profile === 'reference';
  const t0 = Date.now();
  const lab = await Lab.up(
    {
      backend,
      ospf,
      sites: [
        { name: 'a', units: 2, tunnels: 2, prefixes: ['192.0.2.0/24'], vips: ['192.0.2.1/24'] },
        { name: 'b', units: 2, tunnels: 2, prefixes: ['198.51.100.0/24'] },
      ],
    },
    { prefix: uniquePrefix('wlb') },
  );
  const out = {};
  try {
    out.converge = (await waitPings(lab, 120_000)) ? Date.now() - t0 : Number.NaN;
    await waitConverged(lab, { timeoutMs: 120_000 });
    // (1) one tunnel silently dead.
    const holder = await vipHolderOf(lab, 'a');
    const ifname = await flowInterface(lab, holder, 'a', 'b');
    const [link] = (await unitState(lab, holder)).links.filter((l) => `wg${l.port}` === ifname);
    const far = (await unitState(lab, link.peerUnit)).links.find(
      (l) => l.peerPublicKey === link.publicKey && l.status === 'open',
    );
    const pids = await wireguardGoPids(lab, link.peerUnit, `wg${far.port}`);
    try {
      const r = await gapDuring(lab, {
        from: 'a',
        to: 'b',
        seconds: slow ? 45 : 6,
        faultAfterMs: 1500,
        fault: async () => {
          for (const p of pids) process.kill(p, 'SIGSTOP');
        },
      });
      out.deadTunnel = r.answeredAtEnd > 0 ? r.gapMs : Number.NaN;
    } finally {
      for (const p of pids) process.kill(p, 'SIGCONT');
    }
    await waitConverged(lab, { timeoutMs: 120_000 });
    // (2) the VIP holder's underlay cut.
    const h2 = await vipHolderOf(lab, 'a');
    try {
      const r = await gapDuring(lab, {
        from: 'a',
        to: 'b',
        seconds: slow ? 50 : 15,
        faultAfterMs: 1500,
        fault: () => lab.ns(h2).exec(['ip', 'link', 'set', 'wan0', 'down']),
      });
      out.underlayCut = r.answeredAtEnd > 0 ? r.gapMs : Number.NaN;
    } finally {
      await lab.ns(h2).exec(['ip', 'link', 'set', 'wan0', 'up']);
    }
    await waitConverged(lab, { timeoutMs: 120_000 });
    // (3) the VIP holder killed.
    const h3 = await vipHolderOf(lab, 'a');
    const r = await gapDuring(lab, {
      from: 'a',
      to: 'b',
      seconds: slow ? 45 : 12,
      faultAfterMs: 1500,
      fault: async () => {
        await lab.killUnit(h3);
      },
    });
    out.holderKilled = r.answeredAtEnd > 0 ? r.gapMs : Number.NaN;
  } finally {
    await lab.down();
  }
  return out;
}

const rows = [];
for (const profile of values.profiles.split(',')) {
  for (const backend of values.backends.split(',')) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await run(backend, profile);
      say(`${profile} ${backend} run ${i + 1}/${RUNS}: ${JSON.stringify(r)}`);
      runs.push(r);
    }
    const m = (k) => median(runs.map((r) => r[k]).filter((x) => Number.isFinite(x)));
    const failed = (k) => runs.filter((r) => !Number.isFinite(r[k])).length;
    rows.push({ profile, backend, runs, m, failed });
  }
}

const fmt = (ms, failed) =>
  Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)}${failed ? ` (${failed} never)` : ''}` : 'never';
console.log(
  `Lab: 2 sites × 2 units, tunnels 2, ${RUNS} run(s) each, a fresh lab per run; ${os.availableParallelism()} CPUs, load average ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} at the end.\n`,
);
console.log(
  '| timers | backend | `lab up` → every ping passes (s) | one tunnel silently dead: gap (s) | VIP holder underlay cut: gap (s) | VIP holder killed: gap (s) |',
);
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  const label =
    r.profile === 'ours'
      ? 'ours (BFD 100 ms × 4, hello 1 / dead 4)'
      : 'reference (hello 5 / dead 30, no BFD)';
  console.log(
    `| ${label} | ${r.backend} | ${fmt(r.m('converge'), r.failed('converge'))} | ${fmt(r.m('deadTunnel'), r.failed('deadTunnel'))} | ${fmt(r.m('underlayCut'), r.failed('underlayCut'))} | ${fmt(r.m('holderKilled'), r.failed('holderKilled'))} |`,
  );
}
