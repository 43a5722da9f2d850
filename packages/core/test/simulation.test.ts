/**
 * Property-based simulation of the link protocol: 2–4 groups of 1–3 units,
 * tunnels 2–4 per side, peer data delivered in random order with duplicated
 * and reordered deliveries. Every run must converge to a full mesh; removing
 * a peering or a unit converges to no links; re-adding converges again.
 * SIM_RUNS sets the number of runs (default 1000).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allViolations, goneViolations, keyLeakViolations, portViolations } from './support/invariants.js';
import { type GroupSpec, type PeeringSpec, World } from './support/world.js';

const RUNS = Number(process.env.SIM_RUNS ?? 1000);

const topology = fc
  .array(fc.record({ units: fc.integer({ min: 1, max: 3 }), tunnels: fc.integer({ min: 2, max: 4 }) }), {
    minLength: 2,
    maxLength: 4,
  })
  .chain((gs) => {
    const groups: GroupSpec[] = gs.map((g, i) => ({ name: `g${i}`, ...g }));
    const pairs: [string, string][] = [];
    for (let i = 0; i < groups.length; i++)
      for (let j = i + 1; j < groups.length; j++) pairs.push([`g${i}`, `g${j}`]);
    return fc
      .tuple(
        fc.subarray(pairs, { minLength: 1 }),
        fc.array(fc.boolean(), { minLength: pairs.length, maxLength: pairs.length }),
      )
      .map(([chosen, flips]) => {
        const peerings: PeeringSpec[] = chosen.map(([x, y], i) =>
          flips[i]
            ? { id: `${x}-${y}`, initiator: x, acceptor: y }
            : { id: `${x}-${y}`, initiator: y, acceptor: x },
        );
        return { groups, peerings };
      });
  });

const op = fc.oneof(
  fc.record({ kind: fc.constant('step' as const), unit: fc.nat() }),
  fc.record({ kind: fc.constant('deliver' as const), index: fc.nat(), duplicate: fc.boolean() }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 120_000 }) }),
);

function runSchedule(
  world: World,
  schedule: readonly (typeof op extends fc.Arbitrary<infer T> ? T : never)[],
): void {
  for (const o of schedule) {
    const ids = [...world.units.keys()];
    if (o.kind === 'step') world.step(ids[o.unit % ids.length] as string);
    else if (o.kind === 'deliver') world.deliver(o.index, o.duplicate);
    else world.clock.advance(o.ms);
    const bad = [...portViolations(world), ...keyLeakViolations(world)];
    if (bad.length > 0) throw new Error(bad.join('\n'));
  }
}

describe('link protocol simulation', () => {
  it(`converges under random delivery (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(
        topology,
        fc.array(op, { maxLength: 120 }),
        fc.array(op, { maxLength: 60 }),
        fc.nat(),
        fc.boolean(),
        ({ groups, peerings }, schedule, later, pick, removePeering) => {
          const world = new World(groups, peerings);
          runSchedule(world, schedule);
          world.settle();
          expect(allViolations(world)).toEqual([]);

          if (removePeering) {
            // A peering removed from both sides' config converges to no links.
            const gone = peerings[pick % peerings.length] as PeeringSpec;
            world.peerings = peerings.filter((p) => p !== gone);
            world.reconfigure();
            runSchedule(world, later);
            world.settle();
            expect(goneViolations(world, gone.id)).toEqual([]);
            expect(allViolations(world)).toEqual([]);
            // Added again: back to a full mesh.
            world.peerings = [...peerings];
            world.reconfigure();
          } else {
            // A unit leaves: everyone drops its links; a new unit joins.
            const ids = [...world.units.keys()];
            const gone = world.units.get(ids[pick % ids.length] as string);
            if (!gone) throw new Error('no unit');
            world.removeUnit(gone.id);
            runSchedule(world, later);
            world.settle();
            expect(allViolations(world)).toEqual([]);
            for (const u of world.units.values()) {
              expect(u.state.links.filter((l) => l.peerUnit === gone.id && l.status !== 'closed')).toEqual(
                [],
              );
            }
            world.addUnit(gone.group);
          }
          runSchedule(world, later);
          world.settle();
          expect(allViolations(world)).toEqual([]);
        },
      ),
      { numRuns: RUNS },
    );
  }, 600_000);
});
