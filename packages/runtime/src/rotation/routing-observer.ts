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

/** One route of `ip -j route show`. */
interface IpRoute {
  readonly dev?: string;
  readonly nexthops?: readonly { readonly dev?: string }[];
}

/**
 * Kernel routes installed by BIRD, counted per next-hop interface.
 * Equivalent to: `ip -j -4 route show proto bird; ip -j -6 route show proto bird`.
 * @throws Error naming the command when `ip` fails (a rotation then waits).
 */
export async function birdRoutesByInterface(run: CommandRunner): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const family of ['-4', '-6']) {
    const argv = ['ip', '-j', family, 'route', 'show', 'proto', 'bird'];
    const r = await run(argv);
    if (r.code !== 0) throw new Error(`[runtime] ${argv.join(' ')} failed: ${r.stderr.trim()}`);
    const routes = JSON.parse(r.stdout.trim() || '[]') as IpRoute[];
    for (const route of routes) {
      const devs = new Set([route.dev, ...(route.nexthops ?? []).map((n) => n.dev)]);
      for (const dev of devs) if (dev) counts.set(dev, (counts.get(dev) ?? 0) + 1);
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
