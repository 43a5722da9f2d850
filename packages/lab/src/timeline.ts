/**
 * A convergence timeline: while something changes (a new peering, `lab up`),
 * poll every unit at a short interval and note when each step was first
 * seen — every expected interface exists, every one has a handshake, every
 * OSPF neighbour is Full, every remote prefix has full ECMP in the kernel —
 * and when every client ping between the sites first passes in one poll. The steps are what the issue 12
 * targets are made of, so a slow convergence shows which step holds it up.
 * @module
 */
import type { Lab } from './lab.js';
import { clientAddresses, pingOnce } from './lab-checks.js';
import { isConverged, labStatus, type UnitStatus } from './lab-status.js';
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

/** Full OSPF neighbours of a unit's BIRD. Equivalent to: `birdc -s SOCKET show ospf neighbors`. */
async function fullNeighbours(lab: Lab, unit: string): Promise<number> {
  const r = await lab
    .ns(unit)
    .tryExec(['birdc', '-s', lab.paths(unit).birdSocket, 'show', 'ospf', 'neighbors'], 10_000);
  return r.stdout.split('\n').filter((l) => /\sFull\//.test(l)).length;
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
  while (
    polls < maxPolls &&
    Date.now() - start < timeoutMs &&
    (converged === undefined || pings === undefined)
  ) {
    polls += 1;
    const [status, full, ok] = await Promise.all([
      converged === undefined ? labStatus(lab) : Promise.resolve([] as UnitStatus[]),
      converged === undefined
        ? Promise.all(lab.plan.sites.flatMap((s) => s.units.map((u) => fullNeighbours(lab, u.name))))
        : Promise.resolve([] as number[]),
      pings === undefined
        ? Promise.all(pairs.map((p) => pingOnce(lab, p.from, p.to, 1)))
        : Promise.resolve([]),
    ]);
    const now = Date.now();
    status.forEach((s, i) => {
      units[s.unit] ??= {};
      if (s.expectedInterfaces > 0 && s.interfaces.length >= s.expectedInterfaces)
        note(s.unit, 'interfaces', now);
      if (
        s.expectedInterfaces > 0 &&
        s.interfaces.filter((x) => x.handshake > 0).length >= s.expectedInterfaces
      )
        note(s.unit, 'handshakes', now);
      if ((full[i] ?? 0) >= 2 * s.expectedInterfaces) note(s.unit, 'ospfFull', now);
      if (s.missing.length === 0) note(s.unit, 'routes', now);
    });
    if (converged === undefined && status.length > 0 && status.every(isConverged)) converged = now - start;
    if (pings === undefined && ok.length === pairs.length && ok.every(Boolean)) pings = now - start;
    if (converged === undefined || pings === undefined)
      await sleep(Math.max(0, interval - (Date.now() - now)));
  }
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
