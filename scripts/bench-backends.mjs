#!/usr/bin/env node
// Benchmark: WireGuard backends' observe and no-op reconcile (observe + plan
// → empty + apply of the empty plan) at 16 and 64 interfaces, all in one
// network namespace on wireguard-go. Each backend runs inside the namespace
// through the testkit's backend host; the list of backends below is data, so
// another column (netlink) is one entry more. Needs root and built packages:
//   npx tsc -b packages/backend-wgquick packages/testkit && node scripts/bench-backends.mjs
// Environment: SIZES=16,64 RUNS=15.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { NodeKeySource, plan } from '@wg-gateway/core';
import {
  cleanupNamespaces,
  createNetns,
  desiredLink,
  startBackendIn,
  uniquePrefix,
} from '@wg-gateway/testkit';

const SIZES = (process.env.SIZES ?? '16,64').split(',').map(Number);
const RUNS = Number(process.env.RUNS ?? 15);

/** The backends measured. `processes(n)` is what one observe spawns; `addresses` whether it reads them back. */
const BACKENDS = [
  {
    name: 'wgquick (this)',
    spec: {
      module: '@wg-gateway/backend-wgquick',
      export: 'WgQuickBackend',
      options: { configDir: '/run/wireguard/bench', userspace: 'wireguard-go' },
    },
    processes: () => 3,
    addresses: true,
  },
  {
    name: 'reference-style',
    spec: { module: '@wg-gateway/testkit', export: 'ReferenceStyleBackend' },
    processes: (n) => 1 + 3 * n,
    addresses: false,
  },
];
// The backend that creates the interfaces.
const CREATOR = BACKENDS[0].spec;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

async function time(fn) {
  await fn(); // warm-up
  const samples = [];
  for (let i = 0; i < RUNS; i++) {
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

async function main() {
  const prefix = uniquePrefix('bkb');
  const keys = new NodeKeySource();
  const rows = [];
  try {
    for (const n of SIZES) {
      const ns = await createNetns(`${prefix}${n}`);
      const creator = await startBackendIn(ns, CREATOR);
      const desired = Array.from({ length: n }, (_, i) =>
        desiredLink({
          port: 50001 + 2 * i,
          role: 'acceptor',
          keys: keys.generate(),
          peerPublicKey: keys.generate().publicKey,
        }),
      );
      const report = await creator.apply(plan(desired, []));
      const failed = report.results.filter((r) => !r.ok);
      if (failed.length > 0) throw new Error(`creating ${n} interfaces: ${failed[0].error?.message}`);
      await creator.close();
      for (const b of BACKENDS) {
        const backend = await startBackendIn(ns, b.spec);
        // The reference reads no addresses back, so its reconcile compares without them.
        const want = b.addresses ? desired : desired.map((d) => ({ ...d, addresses: [] }));
        const observed = await backend.observe();
        if (observed.length !== n)
          throw new Error(`${b.name} observed ${observed.length} of ${n} interfaces`);
        if (plan(want, observed).length !== 0) throw new Error(`${b.name}: no-op plan is not empty`);
        const obs = await time(() => backend.observe());
        const rec = await time(async () => {
          const changes = plan(want, await backend.observe());
          const r = await backend.apply(changes);
          if (changes.length !== 0 || r.operations !== 0)
            throw new Error(`${b.name}: reconcile was not a no-op`);
        });
        rows.push({ backend: b.name, n, obs, rec, processes: b.processes(n) });
        await backend.close();
      }
      await ns.destroy();
    }
  } finally {
    await cleanupNamespaces(prefix);
  }
  const f = (x) => x.toFixed(1);
  console.log(`Machine: ${machine()}; ${RUNS} runs after one warm-up, median (min) ms.\n`);
  console.log('| backend | interfaces | processes per observe | observe ms | no-op reconcile ms |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const r of rows)
    console.log(
      `| ${r.backend} | ${r.n} | ${r.processes} | ${f(r.obs.median)} (${f(r.obs.min)}) | ${f(r.rec.median)} (${f(r.rec.min)}) |`,
    );
}

await main();
