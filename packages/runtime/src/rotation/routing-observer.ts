/**
 * The routing observations a key rotation needs (core's `RoutingObserver`):
 * per link interface, whether OSPF is Full for both address families (BIRD's
 * control socket) and how many BIRD routes the kernel has through it.
 * @module
 */
import type { LinkRoutingObservation, RoutingObserver } from '@wg-gateway/core';
import { withBirdControl } from '../bird/bird-control.js';
import { linkRouting } from '../bird/link-routing.js';
import { type CommandRunner, commandRunner } from '../system/command.js';
import { birdKernelRoutes, nexthopsOf } from '../system/nexthop-prune.js';

/**
 * Kernel routes installed by BIRD, counted per next-hop interface (the early
 * routes do not count: a drain waits for BIRD's own view).
 * Equivalent to: `ip -j -4 route show proto bird; ip -j -6 route show proto bird`.
 * @throws Error naming the command when `ip` fails (a rotation then waits).
 */
export async function birdRoutesByInterface(run: CommandRunner): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const family of [4, 6] as const) {
    const shown = await birdKernelRoutes(run, family);
    if ('failed' in shown)
      throw new Error(`[runtime] ${shown.failed.argv.join(' ')} failed: ${shown.failed.stderr}`);
    for (const route of shown.routes) {
      for (const dev of new Set(nexthopsOf(route).map((n) => n.dev)))
        counts.set(dev, (counts.get(dev) ?? 0) + 1);
    }
  }
  return counts;
}

/** Routing observations from BIRD (OSPF neighbours) and the kernel (routes). */
export class BirdRoutingObserver implements RoutingObserver {
  readonly #socket: string;
  readonly #run: CommandRunner;

  /** @param socket BIRD's control socket; `run` runs `ip` (default: spawn it). */
  constructor(socket: string, run: CommandRunner = commandRunner({ timeoutMs: 5000 })) {
    this.#socket = socket;
    this.#run = run;
  }

  async observe(): Promise<Record<string, LinkRoutingObservation>> {
    const neighbors = await withBirdControl(this.#socket, (c) => c.ospfNeighbors(), { timeoutMs: 2000 });
    const routes = await birdRoutesByInterface(this.#run);
    const names = new Set([...neighbors.map((n) => n.interface), ...routes.keys()]);
    const out: Record<string, LinkRoutingObservation> = {};
    for (const name of names) {
      out[name] = { ospfFull: linkRouting(name, neighbors) === 'up', kernelRoutes: routes.get(name) ?? 0 };
    }
    return out;
  }
}
