/**
 * Removing the next hops through given interfaces from the kernel routes
 * the gateway's routing installed (BIRD's `proto bird` and the runtime's
 * early routes, `proto 57`), as BIRD itself will at its next route
 * computation: a multipath route keeps its other next hops, a route left
 * with none is deleted.
 * @module
 */
import type { RouteReleaser } from '@wg-gateway/core';
import type { CommandRunner } from './command.js';

/** One next hop of a kernel route, as `ip -j route` prints it. */
export interface KernelNexthop {
  readonly gateway?: string;
  readonly dev: string;
  readonly weight?: number;
  readonly flags?: readonly string[];
}

/**
 * The kernel route protocol number of the runtime's early routes (see
 * `bird/early-routes.ts`); unassigned in iproute2's `rt_protos`.
 */
export const EARLY_ROUTE_PROTOCOL = '57';

/** The route protocols whose routes carry traffic over the links: BIRD's and the early routes. */
export const LINK_ROUTE_PROTOCOLS: readonly string[] = ['bird', EARLY_ROUTE_PROTOCOL];

/** One kernel route, as `ip -j route show` prints it (single next hop or `nexthops`). */
export interface KernelRoute {
  readonly dst: string;
  /** `bird`, `57`, ...: absent means `bird`. */
  readonly protocol?: string;
  readonly metric?: number;
  readonly table?: string;
  readonly gateway?: string;
  readonly dev?: string;
  readonly flags?: readonly string[];
  readonly nexthops?: readonly KernelNexthop[];
}

/** What to do to one route: keep only `nexthops` (replace) or delete it. */
export type RouteEdit =
  | {
      readonly kind: 'replace';
      readonly family: 4 | 6;
      readonly route: KernelRoute;
      readonly nexthops: readonly KernelNexthop[];
    }
  | { readonly kind: 'delete'; readonly family: 4 | 6; readonly route: KernelRoute };

/** The next hops of a route, whether it has one or several. */
export function nexthopsOf(route: KernelRoute): KernelNexthop[] {
  if (route.nexthops) return [...route.nexthops];
  if (route.dev === undefined) return [];
  return [
    {
      dev: route.dev,
      ...(route.gateway === undefined ? {} : { gateway: route.gateway }),
      ...(route.flags ? { flags: route.flags } : {}),
    },
  ];
}

/**
 * The edits that take every next hop through `deadInterfaces` out of
 * `routes` (one family's `proto bird` routes); routes not using them are
 * left alone.
 */
export function nexthopPruneEdits(
  family: 4 | 6,
  routes: readonly KernelRoute[],
  deadInterfaces: ReadonlySet<string>,
): RouteEdit[] {
  const edits: RouteEdit[] = [];
  for (const route of routes) {
    const all = nexthopsOf(route);
    const alive = all.filter((n) => !deadInterfaces.has(n.dev));
    if (alive.length === all.length) continue;
    edits.push(
      alive.length === 0
        ? { kind: 'delete', family, route }
        : { kind: 'replace', family, route, nexthops: alive },
    );
  }
  return edits;
}

function nexthopArgs(n: KernelNexthop): string[] {
  return [
    ...(n.gateway === undefined ? [] : ['via', n.gateway]),
    'dev',
    n.dev,
    ...(n.flags?.includes('onlink') ? ['onlink'] : []),
  ];
}

/**
 * The `ip` argv of one edit. Equivalent to: `ip -F route replace DST proto
 * P metric M nexthop via GW dev DEV weight W ...` or `ip -F route del DST
 * proto P metric M` (P: the route's protocol, `bird` when unset).
 */
export function routeEditArgv(edit: RouteEdit): string[] {
  const { route } = edit;
  const head = [
    'ip',
    `-${edit.family}`,
    'route',
    edit.kind === 'delete' ? 'del' : 'replace',
    route.dst,
    'proto',
    route.protocol ?? 'bird',
    ...(route.metric === undefined ? [] : ['metric', String(route.metric)]),
    ...(route.table === undefined ? [] : ['table', route.table]),
  ];
  if (edit.kind === 'delete') return head;
  const [only, ...more] = edit.nexthops;
  if (only && more.length === 0) return [...head, ...nexthopArgs(only)];
  return [
    ...head,
    ...edit.nexthops.flatMap((n) => ['nexthop', ...nexthopArgs(n), 'weight', String(n.weight ?? 1)]),
  ];
}

/** Kernel routes of one family, or why they could not be read. */
export type KernelRoutesShown =
  | { routes: KernelRoute[] }
  | { failed: { readonly argv: readonly string[]; readonly stderr: string } };

/**
 * The main table's routes of `protocols`, one family, each with its
 * `protocol`. Equivalent to: `ip -j -F route show`, kept where `protocol` is
 * one of `protocols`.
 */
export async function kernelRoutesOf(
  run: CommandRunner,
  family: 4 | 6,
  protocols: readonly string[],
): Promise<KernelRoutesShown> {
  const argv = ['ip', '-j', `-${family}`, 'route', 'show'];
  const shown = await run(argv);
  if (shown.code !== 0) return { failed: { argv, stderr: shown.stderr.trim() } };
  try {
    const all = JSON.parse(shown.stdout || '[]') as KernelRoute[];
    return { routes: all.filter((r) => r.protocol !== undefined && protocols.includes(r.protocol)) };
  } catch {
    return { failed: { argv, stderr: 'unparsable JSON' } };
  }
}

/**
 * BIRD's kernel routes of one family, or why they could not be read.
 * Equivalent to: `ip -j -F route show proto bird`.
 */
export function birdKernelRoutes(run: CommandRunner, family: 4 | 6): Promise<KernelRoutesShown> {
  return kernelRoutesOf(run, family, ['bird']);
}

/** What {@link pruneNexthops} did. */
export interface PruneResult {
  readonly edits: number;
  readonly failed: readonly { readonly argv: readonly string[]; readonly stderr: string }[];
}

/**
 * Take every next hop through `deadInterfaces` out of the link routes
 * (BIRD's and the early ones, {@link LINK_ROUTE_PROTOCOLS}) of both
 * families. A failed edit is reported, never thrown: BIRD's next route
 * computation sets its routes right anyway.
 * Equivalent to: `ip -j -4 route show` (and `-6`), then
 * {@link routeEditArgv} for each link route that uses a dead interface.
 */
export async function pruneNexthops(
  run: CommandRunner,
  deadInterfaces: ReadonlySet<string>,
  families: readonly (4 | 6)[] = [4, 6],
): Promise<PruneResult> {
  const failed: { argv: readonly string[]; stderr: string }[] = [];
  let edits = 0;
  await Promise.all(
    families.map(async (family) => {
      const shown = await kernelRoutesOf(run, family, LINK_ROUTE_PROTOCOLS);
      if ('failed' in shown) {
        failed.push(shown.failed);
        return;
      }
      const { routes } = shown;
      await Promise.all(
        nexthopPruneEdits(family, routes, deadInterfaces).map(async (edit) => {
          const editArgv = routeEditArgv(edit);
          const r = await run(editArgv);
          if (r.code === 0) edits += 1;
          else failed.push({ argv: editArgv, stderr: r.stderr.trim() });
        }),
      );
    }),
  );
  return { edits, failed };
}

/**
 * The gateway's {@link RouteReleaser}: before link interfaces are deleted,
 * their next hops leave the link routes ({@link pruneNexthops}), so the
 * kernel's deletion of a device never takes a whole IPv4 multipath route with
 * it. BIRD's own recomputation, once the interfaces are gone, agrees.
 */
export class KernelRouteReleaser implements RouteReleaser {
  readonly #run: CommandRunner;
  constructor(run: CommandRunner) {
    this.#run = run;
  }

  async releaseInterfaces(interfaces: readonly string[]): Promise<readonly string[]> {
    const r = await pruneNexthops(this.#run, new Set(interfaces));
    return r.failed.map((f) => `${f.argv.join(' ')}: ${f.stderr || 'failed'}`);
  }
}
