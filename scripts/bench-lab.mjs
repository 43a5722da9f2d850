#!/usr/bin/env node
// Lab benchmark (issue 12): convergence, steady state, failover gaps, memory
// and scale of real labs (wireguard-go, BIRD, Keepalived in namespaces), both
// backends, median (min–max) of N runs, with the product's defaults, and the
// reference's timers (OSPF hello 5 / dead 30, no BFD: every unit asks for
// 5 / 30, which each link then runs) measured in the same run.
//
//   sudo node scripts/bench-lab.mjs [--runs N] [--scale-runs N] [--reference-runs N]
//        [--backends wgquick,netlink] [--only up,peering,steady,failover,scale,reference]
//
// Prints markdown (the lab part of docs/benchmarks.md's "Latest run"); progress
// goes to stderr. Needs root and a build (`npm run build`). Every wait is
// bounded; a measurement that fails becomes "failed: reason" in its cell and
// the run goes on; every lab is removed even on failure.
import os from 'node:os';
import { parseArgs } from 'node:util';
import {
  flowInterface,
  gapDuring,
  Lab,
  loggedReconciles,
  noopReconciles,
  PRESET_TITLES,
  pingMatrix,
  presetSpec,
  processMemory,
  setPeerings,
  tracedExecs,
  vipHolderOf,
  waitConverged,
  waitFor,
  waitSettled,
  wireguardGoPids,
} from '@wg-gateway/lab';
import { uniquePrefix } from '@wg-gateway/testkit/netns';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: process.env.BENCH_RUNS ?? '5' },
    'scale-runs': { type: 'string' },
    'reference-runs': { type: 'string', default: '1' },
    backends: { type: 'string', default: 'wgquick,netlink' },
    'reference-backends': { type: 'string', default: 'netlink' },
    only: { type: 'string', default: 'up,peering,steady,failover,scale,reference' },
  },
});
const RUNS = Math.max(1, Number(values.runs));
const SCALE_RUNS = Math.max(1, Number(values['scale-runs'] ?? 1));
const REF_RUNS = Math.max(0, Number(values['reference-runs']));
const BACKENDS = values.backends.split(',');
const ONLY = new Set(values.only.split(','));
const REFERENCE = { hello: 5, dead: 30, bfd: false };

const started = Date.now();
const say = (line) =>
  process.stderr.write(`[bench-lab ${((Date.now() - started) / 1000).toFixed(0)}s] ${line}\n`);
const loadavg = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

/** What the traced unit started, per backend. */
const spawned = new Map();
/** Samples per row and backend: numbers, or failure reasons. */
const samples = new Map();
function record(row, backend, value) {
  const key = `${row}\u0000${backend}`;
  if (!samples.has(key)) samples.set(key, []);
  samples.get(key).push(value);
}
const fail = (e) => ({ failed: (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 90) });

/** Run `fn` for `row`; a thrown error or a non-number is recorded as a failure, never thrown. */
async function measure(row, backend, fn) {
  try {
    const v = await fn();
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(String(v ?? 'no value'));
    record(row, backend, v);
    say(`  ${row} (${backend}): ${v.toFixed(2)}`);
    return v;
  } catch (e) {
    record(row, backend, fail(e));
    say(`  ${row} (${backend}): FAILED ${fail(e).failed}`);
    return undefined;
  }
}

/** Labs up now: removed on SIGINT/SIGTERM too. */
const live = new Set();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    say(`${signal}: removing ${live.size} lab(s)`);
    await Promise.all([...live].map((lab) => lab.down()));
    process.exit(130);
  });
}

/** A lab for `fn`, always removed. */
async function withLab(spec, fn) {
  const lab = await Lab.up(spec, { prefix: uniquePrefix('wlb') });
  live.add(lab);
  try {
    return await fn(lab);
  } finally {
    await lab.down();
    live.delete(lab);
  }
}

const unitsOf = (lab) => lab.plan.sites.flatMap((s) => s.units.map((u) => u.name));

async function waitPings(lab, timeoutMs) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) if ((await pingMatrix(lab, 5_000)).ok) return true;
  return false;
}

/** Seconds from before `Lab.up` to every ping passing; the lab stays up for `then`. */
async function upToPings(row, backend, spec, then) {
  const t0 = Date.now();
  try {
    await withLab(spec, async (lab) => {
      await measure(row, backend, async () => {
        if (!(await waitPings(lab, 120_000))) throw new Error('pings still failing after 120 s');
        return (Date.now() - t0) / 1000;
      });
      await then?.(lab, t0);
    });
  } catch (e) {
    await measure(row, backend, () => Promise.reject(e));
  }
}

async function converged(lab, timeoutMs = 90_000) {
  const r = await waitConverged(lab, { timeoutMs, intervalMs: 250 });
  if (!r.converged) {
    const bad = r.status.filter((s) => s.missing.length || s.interfaces.some((i) => !i.handshake));
    const first = bad[0];
    const why = first
      ? `${first.unit}: ${first.interfaces.filter((i) => i.handshake).length}/${first.expectedInterfaces} handshaked, missing ${first.missing.join(' ') || 'none'}`
      : 'VIPs';
    throw new Error(`not converged in ${timeoutMs / 1000} s (${bad.length} units; ${why})`);
  }
  return r.ms;
}

/**
 * Converged, then BIRD's own routes carry every link (no early route): a
 * failover measurement starts from here, since the hand-over from early
 * routes can move a flow to another tunnel.
 */
async function settled(lab, timeoutMs = 90_000) {
  await converged(lab, timeoutMs);
  if (!(await waitSettled(lab, { timeoutMs: 30_000 })))
    throw new Error("BIRD's routes did not take over in 30 s");
}

/** Every unit logged at least one reconcile (a SIGHUP before that would end it). */
async function unitsReady(lab) {
  const ok = await waitFor(
    async () => (await Promise.all(unitsOf(lab).map((u) => loggedReconciles(lab, u)))).every((r) => r.length),
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  if (!ok) throw new Error('a unit logged no reconcile in 60 s');
}

/** Seconds from SIGHUP with the new peerings to full ECMP through every tunnel. */
async function newPeering(lab, peerings) {
  await unitsReady(lab);
  const t0 = Date.now();
  await setPeerings(lab, peerings);
  await converged(lab, 90_000);
  return (Date.now() - t0) / 1000;
}

/** The three failover gaps on a converged 2-site lab (s); the last kills a unit. */
async function failovers(lab, backend, suffix, slow) {
  const window = (fast, ref) => (slow ? ref : fast);
  await measure(`dead${suffix}`, backend, async () => {
    await settled(lab);
    const holder = await vipHolderOf(lab, 'a');
    const ifname = await flowInterface(lab, holder, 'a', 'b');
    const state = async (u) =>
      JSON.parse(await (await import('node:fs/promises')).readFile(lab.paths(u).state, 'utf8'));
    const link = (await state(holder)).links.find((l) => `wg${l.port}` === ifname && l.status === 'open');
    if (!link) throw new Error(`no open link for ${ifname}`);
    const far = (await state(link.peerUnit)).links.find(
      (l) => l.peerPublicKey === link.publicKey && l.status === 'open',
    );
    if (!far) throw new Error(`no far end of ${ifname}`);
    const pids = await wireguardGoPids(lab, link.peerUnit, `wg${far.port}`);
    if (pids.length !== 1) throw new Error(`${pids.length} wireguard-go for wg${far.port}`);
    try {
      const r = await gapDuring(lab, {
        from: 'a',
        to: 'b',
        seconds: window(5, 40),
        faultAfterMs: 1500,
        fault: async () => process.kill(pids[0], 'SIGSTOP'),
      });
      if (r.answeredAtEnd < 10) throw new Error(`traffic did not come back (gap ≥ ${r.gapMs} ms)`);
      return r.gapMs / 1000;
    } finally {
      process.kill(pids[0], 'SIGCONT');
    }
  });
  await measure(`underlay${suffix}`, backend, async () => {
    await settled(lab, slow ? 120_000 : 90_000);
    const holder = await vipHolderOf(lab, 'a');
    try {
      const r = await gapDuring(lab, {
        from: 'a',
        to: 'b',
        seconds: window(10, 40),
        faultAfterMs: 1500,
        fault: () => lab.ns(holder).exec(['ip', 'link', 'set', 'wan0', 'down']),
      });
      if (r.answeredAtEnd < 10) throw new Error(`traffic did not come back (gap ≥ ${r.gapMs} ms)`);
      return r.gapMs / 1000;
    } finally {
      await lab.ns(holder).exec(['ip', 'link', 'set', 'wan0', 'up']);
    }
  });
  await measure(`killed${suffix}`, backend, async () => {
    await settled(lab, slow ? 120_000 : 90_000);
    const holder = await vipHolderOf(lab, 'a');
    const r = await gapDuring(lab, {
      from: 'a',
      to: 'b',
      seconds: window(8, 40),
      faultAfterMs: 1500,
      fault: async () => {
        await lab.killUnit(holder);
      },
    });
    if (r.answeredAtEnd < 10) throw new Error(`traffic did not come back (gap ≥ ${r.gapMs} ms)`);
    return r.gapMs / 1000;
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---- the runs ----
say(`start: runs ${RUNS}, scale runs ${SCALE_RUNS}, reference runs ${REF_RUNS}; load average ${loadavg()}`);
const loadBefore = loadavg();
for (let i = 1; i <= RUNS; i++) {
  for (const backend of BACKENDS) {
    if (ONLY.has('up')) {
      say(`run ${i}/${RUNS} ${backend}: 2x2 lab up`);
      await upToPings('up2x2', backend, presetSpec('2x2', backend));
    }
    if (ONLY.has('up') || ONLY.has('steady')) {
      say(`run ${i}/${RUNS} ${backend}: 3x2 lab up, steady state`);
      await upToPings('up3x2', backend, presetSpec('3x2', backend), async (lab) => {
        if (!ONLY.has('steady')) return;
        await settled(lab, 60_000).catch((e) => say(`  3x2 (${backend}): ${e.message}`));
        const since = Date.now();
        // About one interval reconcile (10 s, jittered) per unit after convergence.
        await new Promise((r) => setTimeout(r, 12_000));
        const noops = (await Promise.all(unitsOf(lab).map((u) => noopReconciles(lab, u, since)))).flat();
        for (const n of noops) record('noop', backend, n.durationMs);
        say(`  noop (${backend}): ${noops.map((n) => n.durationMs).join(' ')} ms`);
        if (noops.length === 0) record('noop', backend, { failed: 'no no-op interval reconcile logged' });
        for (const u of unitsOf(lab)) {
          const mem = await processMemory((await lab.driverPid(u)) ?? 0);
          if (!mem) continue;
          record('vmRss', backend, mem.vmRss);
          record('rssAnon', backend, mem.rssAnon);
          record('pss', backend, mem.pss);
        }
        if (i === 1) {
          // One unit, a window of about two interval reconciles (strace slows it: not timed).
          await measure('spawns', backend, async () => {
            const unit = 'a-1';
            const pid = await lab.driverPid(unit);
            if (!pid) throw new Error('a-1 not running');
            const t = Date.now();
            const execs = await tracedExecs(pid, 22_000);
            if (execs === undefined) throw new Error('strace failed');
            const n = (await loggedReconciles(lab, unit)).filter((r) => r.at >= t).length;
            if (n === 0) throw new Error('no reconcile while counting');
            const names = new Map();
            for (const x of execs) names.set(x, (names.get(x) ?? 0) + 1);
            spawned.set(
              backend,
              `${[...names].map(([x, k]) => `${x} ×${k}`).join(', ') || 'none'} in ${n} reconcile(s)`,
            );
            return execs.length / n;
          });
        }
      });
    }
    if (ONLY.has('peering') || ONLY.has('failover')) {
      say(`run ${i}/${RUNS} ${backend}: 2x2 new peering, failovers`);
      try {
        await withLab({ ...presetSpec('2x2', backend), peerings: [] }, async (lab) => {
          const peering = { id: 'a-b', initiator: 'a', acceptor: 'b' };
          const ok = await measure('peering', backend, () => newPeering(lab, [peering]));
          if (ok !== undefined && ONLY.has('failover')) await failovers(lab, backend, '', false);
        });
      } catch (e) {
        await measure('peering', backend, () => Promise.reject(e));
      }
    }
  }
}
if (ONLY.has('scale')) {
  for (let i = 1; i <= SCALE_RUNS; i++) {
    for (const backend of BACKENDS) {
      for (const preset of ['tunnels-8', '4-sites']) {
        say(`scale run ${i}/${SCALE_RUNS} ${backend}: ${preset}`);
        const spec = presetSpec(preset, backend);
        const t0 = Date.now();
        try {
          await withLab(spec, async (lab) => {
            await measure(`${preset}:up`, backend, async () => {
              await converged(lab, 90_000);
              return (Date.now() - t0) / 1000;
            });
            await measure(`${preset}:pings`, backend, async () => {
              if (!(await waitPings(lab, 30_000))) throw new Error('pings failing');
              return (Date.now() - t0) / 1000;
            });
            // A new peering: the last one removed, then added back between running units.
            const all = lab.plan.peerings;
            const last = all[all.length - 1];
            await measure(`${preset}:peering`, backend, async () => {
              await setPeerings(lab, all.slice(0, -1));
              await converged(lab, 90_000);
              return newPeering(lab, [...all.slice(0, -1), last]);
            });
          });
        } catch (e) {
          await measure(`${preset}:up`, backend, () => Promise.reject(e));
        }
      }
    }
  }
}
if (ONLY.has('reference')) {
  for (let i = 1; i <= REF_RUNS; i++) {
    for (const backend of values['reference-backends'].split(',').filter((b) => BACKENDS.includes(b))) {
      say(`reference run ${i}/${REF_RUNS} ${backend}: 2x2 lab up, failovers`);
      await upToPings('ref:up2x2', backend, { ...presetSpec('2x2', backend), ospf: REFERENCE }, (lab) =>
        failovers(lab, backend, ':ref', true),
      );
      say(`reference run ${i}/${REF_RUNS} ${backend}: 2x2 new peering`);
      try {
        await withLab({ ...presetSpec('2x2', backend), peerings: [], ospf: REFERENCE }, (lab) =>
          measure('ref:peering', backend, () =>
            newPeering(lab, [{ id: 'a-b', initiator: 'a', acceptor: 'b' }]),
          ),
        );
      } catch (e) {
        await measure('ref:peering', backend, () => Promise.reject(e));
      }
    }
  }
}
const seconds = (Date.now() - started) / 1000;

// ---- the tables ----
function cell(row, backend, digits = 2) {
  const xs = samples.get(`${row}\u0000${backend}`) ?? [];
  const nums = xs.filter((x) => typeof x === 'number');
  const failed = xs.filter((x) => typeof x !== 'number');
  if (nums.length === 0) return xs.length ? `failed: ${failed[0].failed}` : 'not run';
  const m = median(nums).toFixed(digits);
  const range =
    nums.length > 1 ? ` (${Math.min(...nums).toFixed(digits)}–${Math.max(...nums).toFixed(digits)})` : '';
  const f = failed.length ? `; ${failed.length} failed: ${failed[0].failed}` : '';
  return `${m}${range} n=${nums.length}${f}`;
}
const count = (row) => Math.max(0, ...BACKENDS.map((b) => (samples.get(`${row}\u0000${b}`) ?? []).length));
function table(rows) {
  const present = rows.filter(([row]) => count(row) > 0);
  if (present.length === 0) return '';
  const lines = [
    `| measure | target | ${BACKENDS.join(' | ')} |`,
    `| --- | --- | ${BACKENDS.map(() => '---:').join(' | ')} |`,
  ];
  for (const [row, title, target, digits] of present)
    lines.push(`| ${title} | ${target} | ${BACKENDS.map((b) => cell(row, b, digits)).join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}

console.log(
  `Lab: ${os.availableParallelism()} CPUs; load average ${loadBefore} before, ${loadavg()} after; ${(seconds / 60).toFixed(1)} min. Cells: median (min–max) n=samples. Timers: BFD 100 ms × 4 (the default), OSPF hello 1 / dead 4, Keepalived: the product's defaults. ${RUNS} run(s) of each row (fresh labs; the failover gaps on the new-peering lab of each run), scale ${SCALE_RUNS}, reference ${REF_RUNS} (backends: ${values['reference-backends']}).\n`,
);
console.log(
  table([
    ['up2x2', `\`lab up\` → every ping passes, ${PRESET_TITLES['2x2']} (s)`, '', 2],
    ['up3x2', `\`lab up\` → every ping passes, ${PRESET_TITLES['3x2']} (s)`, '≤ 20', 2],
    [
      'peering',
      'new peering between running units → full ECMP, every tunnel handshaked, 2 × 2 (s)',
      '≤ 6 wgquick, ≤ 3 netlink',
      2,
    ],
    [
      'noop',
      'no-op interval reconcile inside a 3 × 2 unit, 8 interfaces, logged `durationMs` (ms; every unit)',
      '≤ 150 wgquick, ≤ 30 netlink',
      1,
    ],
    [
      'spawns',
      'processes spawned per no-op reconcile (unit a-1, `strace -f`, one run)',
      '≤ 3 wgquick, 0 netlink',
      1,
    ],
    ['dead', 'one tunnel silently dead (far wireguard-go SIGSTOPped): gap (s)', '< 0.5', 2],
    ['underlay', 'VIP holder underlay cut (`wan0` down): gap (s)', '< 1', 2],
    ['killed', 'VIP holder killed (every process SIGKILLed): gap (s)', '< 1', 2],
    ['vmRss', 'unit process `VmRSS` (MiB; every unit of the 3 × 2 labs)', '', 1],
    ['rssAnon', 'unit process `RssAnon`, its own memory (MiB)', '', 1],
    ['pss', 'unit process PSS, shared pages divided among their users (MiB)', '≤ 70', 1],
  ]),
);
if (spawned.size)
  console.log(
    `Processes started during the traced reconciles: ${[...spawned].map(([b, x]) => `${b}: ${x}`).join('; ')}.\n`,
  );
const scale = table([
  ['tunnels-8:up', `${PRESET_TITLES['tunnels-8']}: \`lab up\` → full ECMP (s)`, '≤ 20', 2],
  ['tunnels-8:pings', `${PRESET_TITLES['tunnels-8']}: \`lab up\` → every ping passes (s)`, '≤ 20', 2],
  [
    'tunnels-8:peering',
    `${PRESET_TITLES['tunnels-8']}: new peering → full ECMP (s)`,
    '≤ 6 wgquick, ≤ 3 netlink',
    2,
  ],
  ['4-sites:up', `${PRESET_TITLES['4-sites']}: \`lab up\` → full ECMP (s)`, '≤ 20', 2],
  ['4-sites:pings', `${PRESET_TITLES['4-sites']}: \`lab up\` → every ping passes (s)`, '≤ 20', 2],
  [
    '4-sites:peering',
    `${PRESET_TITLES['4-sites']}: new peering (c-d removed, added back) → full ECMP (s)`,
    '≤ 6 wgquick, ≤ 3 netlink',
    2,
  ],
]);
if (scale) console.log(`Scale:\n\n${scale}`);
const ref = table([
  ['ref:up2x2', `\`lab up\` → every ping passes, ${PRESET_TITLES['2x2']} (s)`, '', 2],
  ['ref:peering', 'new peering between running units → full ECMP, 2 × 2 (s)', '', 2],
  ['dead:ref', 'one tunnel silently dead: gap (s)', '', 2],
  ['underlay:ref', 'VIP holder underlay cut: gap (s)', '', 2],
  ['killed:ref', 'VIP holder killed: gap (s)', '', 2],
]);
if (ref) console.log(`The reference's timers (OSPF hello 5 / dead 30, no BFD), same run:\n\n${ref}`);
say(`done in ${(seconds / 60).toFixed(1)} min`);
