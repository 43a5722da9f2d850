#!/usr/bin/env node
// Benchmark of the WireGuard backends: netlink against wg-quick and the
// reference's per-interface approach, at 16 and 64 interfaces, in one run, on
// wireguard-go in a fresh network namespace (each backend runs inside it
// through the testkit's backend host):
//   - observe;
//   - no-op reconcile (observe + plan → empty + apply of the empty plan);
//   - no-op reconcile with host facts as the gateway asks them (observe +
//     facts for n remote addresses, a VIP and the router id + plan + apply):
//     what a unit's steady reconcile costs the backend;
//   - an apply that changes every peer (keepalive toggled: n peer-only updates);
//   - cold apply (create all n interfaces from nothing), netlink vs wg-quick.
// Needs root and built packages:
//   npx tsc -b packages/backend-netlink packages/backend-wgquick packages/testkit
//   node scripts/bench-backends.mjs   (tables for docs/benchmarks.md)
// Environment: SIZES=16,64 RUNS=10 COLD_RUNS=3.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { NodeKeySource, plan } from '@wg-gateway/core';
import {
  cleanupNamespaces,
  createNetns,
  desiredLink,
  RemoteBackend,
  uniquePrefix,
} from '@wg-gateway/testkit';

const SIZES = (process.env.SIZES ?? '8,16,64').split(',').map(Number);
const RUNS = Number(process.env.RUNS ?? 10);
const COLD_RUNS = Number(process.env.COLD_RUNS ?? 3);

const NETLINK = {
  name: 'netlink',
  spec: { module: '@wg-gateway/backend-netlink', export: 'NetlinkBackend', options: { mode: 'userspace' } },
  applies: true,
  addresses: true,
  facts: true,
};
const WGQUICK = {
  name: 'wgquick',
  spec: {
    module: '@wg-gateway/backend-wgquick',
    export: 'WgQuickBackend',
    options: { configDir: '/run/wireguard/bench', userspace: 'wireguard-go' },
  },
  applies: true,
  addresses: true,
  facts: true,
};
const REFERENCE = {
  name: 'reference-style',
  spec: { module: '@wg-gateway/testkit', export: 'ReferenceStyleBackend' },
  applies: false,
  addresses: false,
};

// wg-quick takes more than the host's default minute to bring up 64 interfaces.
const startBackendIn = (ns, spec) =>
  RemoteBackend.start((argv, options) => ns.spawn(argv, options), spec, 900_000);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function time(fn, runs = RUNS, warmup = true) {
  if (warmup) await fn();
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return { median: median(samples), min: Math.min(...samples) };
}

function machine() {
  const cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model;
  return `${os.availableParallelism()} CPUs (nproc), ${cpu}, Node ${process.version}, Linux ${os.release()}, wireguard-go`;
}

function check(report, what) {
  const bad = report.results.find((r) => !r.ok);
  if (bad) throw new Error(`${what}: ${bad.name}: ${bad.error?.message}`);
}

const withKeepalive = (desired, k) =>
  desired.map((d) => ({ ...d, peer: { ...d.peer, persistentKeepalive: k } }));

async function main() {
  const prefix = uniquePrefix('wnb');
  const keys = new NodeKeySource();
  const rows = [];
  const cold = [];
  try {
    for (const n of SIZES) {
      const ns = await createNetns(`${prefix}${n}`);
      // An underlay with a route to every remote address and the VIP's subnet, for facts.
      for (const argv of [
        ['ip', 'link', 'add', 'under0', 'type', 'veth', 'peer', 'name', 'under1'],
        ['ip', 'link', 'set', 'under1', 'up'],
        ['ip', 'addr', 'add', '198.51.100.1/24', 'dev', 'under0'],
        ['ip', 'link', 'set', 'under0', 'up'],
      ])
        await ns.exec(argv);
      const query = {
        pathMtuTo: Array.from({ length: n }, (_, i) => `198.51.100.${10 + (i % 200)}`),
        interfaceOf: ['198.51.100.250'],
        routerId: true,
      };
      const desired = Array.from({ length: n }, (_, i) =>
        desiredLink({
          port: 50001 + 2 * i,
          role: 'acceptor',
          keys: keys.generate(),
          peerPublicKey: keys.generate().publicKey,
        }),
      );
      // Each applying backend creates the interfaces itself (wg-quick needs its
      // own config files); the reference observes what netlink made.
      for (const b of [NETLINK, REFERENCE, WGQUICK]) {
        const backend = await startBackendIn(ns, b.spec);
        if (b.applies) {
          const samples = [];
          for (let i = 0; i < COLD_RUNS; i++) {
            if (i > 0) check(await backend.apply(plan([], await backend.observe())), `${b.name} delete`);
            const t0 = performance.now();
            check(await backend.apply(plan(desired, [])), `${b.name} cold apply`);
            samples.push(performance.now() - t0);
          }
          cold.push({ backend: b.name, n, t: { median: median(samples), min: Math.min(...samples) } });
        }
        const want = b.addresses ? desired : desired.map((d) => ({ ...d, addresses: [] }));
        const observed = await backend.observe();
        if (observed.length !== n) throw new Error(`${b.name} observed ${observed.length} of ${n}`);
        if (plan(want, observed).length !== 0) throw new Error(`${b.name}: no-op plan is not empty`);
        const obs = await time(() => backend.observe());
        const rec = await time(async () => {
          const changes = plan(want, await backend.observe());
          const r = await backend.apply(changes);
          if (changes.length !== 0 || r.operations !== 0)
            throw new Error(`${b.name}: reconcile was not a no-op`);
        });
        const recFacts = b.facts
          ? await time(async () => {
              const changes = plan(want, await backend.observe());
              await backend.facts(query);
              const r = await backend.apply(changes);
              if (changes.length !== 0 || r.operations !== 0)
                throw new Error(`${b.name}: reconcile was not a no-op`);
            })
          : undefined;
        let change;
        if (b.applies) {
          let k = 25;
          change = await time(async () => {
            k = k === 25 ? 24 : 25;
            const changes = plan(withKeepalive(want, k), await backend.observe());
            if (changes.length !== n)
              throw new Error(`${b.name}: expected ${n} peer updates, got ${changes.length}`);
            check(await backend.apply(changes), `${b.name} change every peer`);
          });
          check(await backend.apply(plan(want, await backend.observe())), 'restore');
        }
        rows.push({ backend: b.name, n, obs, rec, recFacts, change });
        // Clear the namespace before wg-quick creates its own (the reference reads netlink's).
        if (b === REFERENCE) {
          const cleaner = await startBackendIn(ns, NETLINK.spec);
          check(await cleaner.apply(plan([], await cleaner.observe())), 'clear');
          await cleaner.close();
        }
        await backend.close();
      }
      await ns.destroy();
    }
  } finally {
    await cleanupNamespaces(prefix);
  }
  const f = (x) => (x === undefined ? 'n/a' : `${x.median.toFixed(1)} (${x.min.toFixed(1)})`);
  const ref = (n, key) => rows.find((r) => r.backend === REFERENCE.name && r.n === n)?.[key]?.median;
  console.log('# WireGuard backends benchmark\n');
  console.log(
    `Machine: ${machine()}; load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} at the end.`,
  );
  console.log(
    `Produced by \`node scripts/bench-backends.mjs\`; ${RUNS} runs after one warm-up, median (min) ms.\n`,
  );
  console.log(
    '| backend | interfaces | observe ms | no-op reconcile ms | no-op vs reference | no-op with facts ms | apply changing every peer ms |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const speedup = (ref(r.n, 'rec') ?? Number.NaN) / r.rec.median;
    console.log(
      `| ${r.backend} | ${r.n} | ${f(r.obs)} | ${f(r.rec)} | ${speedup.toFixed(1)}× | ${f(r.recFacts)} | ${f(r.change)} |`,
    );
  }
  console.log(`\nCold apply (create every interface from nothing), ${COLD_RUNS} runs, median (min) ms:\n`);
  console.log('| backend | interfaces | cold apply ms |');
  console.log('| --- | ---: | ---: |');
  for (const c of cold) console.log(`| ${c.backend} | ${c.n} | ${f(c.t)} |`);
}

await main();
