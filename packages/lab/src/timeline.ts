/**
 * A convergence timeline: while something changes (a new peering, `lab up`),
 * poll every unit at a short interval and note when each step was first
 * seen — every expected interface exists, every one has a handshake, every
 * OSPF neighbour is Full, every remote prefix has full ECMP in the kernel
 * (the route the kernel uses: BIRD's or the gateway's early route) —
 * and when every client ping between the sites first passes in one poll. The steps are what the issue 12
 * targets are made of, so a slow convergence shows which step holds it up.
 * @module
 */
import type { Lab } from './lab.js';
import { clientAddresses, pingOnce } from './lab-checks.js';
import { expectedOfSite, linkRoutes, missingRoutes } from './lab-status.js';
import type { SitePlan } from './topology.js';
import { sleep } from './wait.js';

/** The steps of one unit, in the order they normally happen. */
export const UNIT_STEPS = ['interfaces', 'handshakes', 'ospfFull', 'routes'] as const;
/** One step of {@link UNIT_STEPS}. */
export type UnitStep = (typeof UNIT_STEPS)[number];

/** When each step was first seen, in ms since the timeline's start. */
export interface Timeline {
  /** Per unit: step → ms. */
  readonly units: Readonly<Record<string, Partial<Record<UnitStep, number>>>>;
  /** Every unit converged (handshakes and full ECMP), ms; undefined if never within the bound. */
  readonly converged: number | undefined;
  /** Every site's client pinged every other site's clients in one poll, ms. */
  readonly pings: number | undefined;
  /** Polls made (the resolution is the poll interval plus one poll's cost). */
  readonly polls: number;
}

/** Options of {@link watchTimeline}. */
export interface TimelineOptions {
  /** Poll interval (default 200 ms). */
  readonly intervalMs?: number;
  /** Give up after this long (default 60 s). */
  readonly timeoutMs?: number;
  /** Start of the clock (default now). */
  readonly startedAt?: number;
}

/** One unit's convergence steps seen in one poll. */
interface UnitSnapshot {
  readonly unit: string;
  readonly steps: readonly UnitStep[];
  /** Handshaked on every expected interface with full ECMP (what `isConverged` checks). */
  readonly converged: boolean;
}

const SEP = '@@wg-gateway-timeline@@';

/**
 * One unit's steps from one command in its namespace (a poll must be cheap
 * to be fine-grained). Equivalent to: `wg show all latest-handshakes; ip -j
 * -4 route show; ip -j -6 route show; birdc -s SOCKET show ospf neighbors`.
 */
async function snapshot(lab: Lab, site: SitePlan, unit: string): Promise<UnitSnapshot> {
  const want = expectedOfSite(lab.plan, site);
  const script = [
    'wg show all latest-handshakes',
    `echo ${SEP}`,
    'ip -j -4 route show',
    `echo ${SEP}`,
    'ip -j -6 route show',
    `echo ${SEP}`,
    `birdc -s '${lab.paths(unit).birdSocket}' show ospf neighbors`,
  ].join('; ');
  const r = await lab.ns(unit).tryExec(['sh', '-c', `${script}; true`], 10_000);
  const [hs = '', r4 = '', r6 = '', ospf = ''] = r.stdout.split(SEP);
  const handshakes = new Map<string, number>();
  for (const line of hs.split('\n')) {
    const [name, , ts] = line.split('\t');
    if (name && ts !== undefined) handshakes.set(name, Math.max(handshakes.get(name) ?? 0, Number(ts)));
  }
  const complete = missingRoutes(want.routes, linkRoutes(r4, r6)).length === 0;
  const full = ospf.split('\n').filter((l) => /\sFull\//.test(l)).length;
  const n = want.interfaces;
  const handshaked = [...handshakes.values()].filter((t) => t > 0).length;
  const steps: UnitStep[] = [];
  if (n > 0 && handshakes.size >= n) steps.push('interfaces');
  if (n > 0 && handshaked >= n) steps.push('handshakes');
  if (n > 0 && full >= 2 * n) steps.push('ospfFull');
  if (complete) steps.push('routes');
  return { unit, steps, converged: handshakes.size === n && handshaked >= n && complete };
}

/** Every ping of the matrix: each site's client to every other site's client addresses. */
function pingPairs(lab: Lab): { from: string; to: string }[] {
  return lab.plan.sites.flatMap((a) =>
    lab.plan.sites
      .filter((b) => b !== a)
      .flatMap((b) => clientAddresses(lab, b.name).map((to) => ({ from: a.name, to }))),
  );
}

/**
 * Poll the lab until every unit converged and every peered pair of sites
 * pings, or the bound passes; resolves to the timeline. Each unit expects
 * two Full neighbours (OSPFv3 for IPv4 and for IPv6) per interface.
 */
export async function watchTimeline(lab: Lab, options: TimelineOptions = {}): Promise<Timeline> {
  const start = options.startedAt ?? Date.now();
  const interval = options.intervalMs ?? 200;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const units: Record<string, Partial<Record<UnitStep, number>>> = {};
  const pairs = pingPairs(lab);
  let converged: number | undefined;
  let pings: number | undefined;
  let polls = 0;
  const maxPolls = Math.ceil(timeoutMs / interval) + 1;
  const note = (unit: string, step: UnitStep, now: number) => {
    units[unit] ??= {};
    units[unit][step] ??= now - start;
  };
  const deadline = start + timeoutMs;
  // Pings run in their own loop: a failing ping waits its 1 s timeout, which
  // must not coarsen the units' polls.
  const pingLoop = async () => {
    for (let round = 0; round < maxPolls && Date.now() < deadline && pings === undefined; round++) {
      const began = Date.now();
      const ok = await Promise.all(pairs.map((p) => pingOnce(lab, p.from, p.to, 1)));
      if (ok.every(Boolean)) pings = Date.now() - start;
      else await sleep(Math.max(0, interval - (Date.now() - began)));
    }
  };
  const unitLoop = async () => {
    while (polls < maxPolls && Date.now() < deadline && converged === undefined) {
      polls += 1;
      const began = Date.now();
      const snaps = await Promise.all(
        lab.plan.sites.flatMap((site) => site.units.map((u) => snapshot(lab, site, u.name))),
      );
      const now = Date.now();
      for (const snap of snaps) {
        units[snap.unit] ??= {};
        for (const step of snap.steps) note(snap.unit, step, now);
      }
      if (snaps.every((x) => x.converged)) converged = now - start;
      else await sleep(Math.max(0, interval - (Date.now() - began)));
    }
  };
  await Promise.all([pingLoop(), unitLoop()]);
  return { units, converged, pings, polls };
}

/** The timeline for humans: one line per unit (seconds), then the lab's totals. */
export function formatTimeline(t: Timeline): string {
  const s = (ms: number | undefined) => (ms === undefined ? '-' : (ms / 1000).toFixed(1));
  const lines = Object.entries(t.units).map(
    ([unit, steps]) => `  ${unit.padEnd(6)} ${UNIT_STEPS.map((k) => `${k} ${s(steps[k])}`).join('  ')}`,
  );
  lines.push(
    `  every unit converged ${s(t.converged)} s, every ping of the matrix passes ${s(t.pings)} s (${t.polls} polls)`,
  );
  return lines.join('\n');
}
