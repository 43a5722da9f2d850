/**
 * A network namespace with up veth links for route tests (routes are added
 * through the links; their peer ends only make them up), made before the
 * suite and removed after it, even when a test fails.
 */
import { cleanupNamespaces, createNetns, type Netns, uniquePrefix } from '@wg-gateway/testkit';
import { afterAll, beforeAll } from 'vitest';

/** Register hooks making a namespace with veth `links` (peers `<link>p`); returns a getter. */
export function useRouteNamespace(stem: string, links: readonly string[]): () => Netns {
  const prefix = uniquePrefix(stem);
  let ns: Netns | undefined;
  beforeAll(async () => {
    await cleanupNamespaces(prefix);
    ns = await createNetns(`${prefix}a`);
    for (const link of links) await addVethLink(ns, link);
  });
  afterAll(async () => {
    await cleanupNamespaces(prefix);
  });
  return () => {
    if (!ns) throw new Error('the route namespace is made in beforeAll');
    return ns;
  };
}

/** Equivalent to: `ip link add LINK type veth peer name LINKp`, both up. */
export async function addVethLink(ns: Netns, link: string): Promise<void> {
  await ns.exec(['ip', 'link', 'add', link, 'type', 'veth', 'peer', 'name', `${link}p`]);
  await ns.exec(['ip', 'link', 'set', `${link}p`, 'up']);
  await ns.exec(['ip', 'link', 'set', link, 'up']);
}

/** Equivalent to: `ip [-6] route add|del PREFIX dev DEV proto bird`, as BIRD installs one. */
export async function birdRoute(
  ns: Netns,
  verb: 'add' | 'del',
  prefix: string,
  dev = 'veth0',
): Promise<void> {
  await ns.exec([
    'ip',
    ...(prefix.includes(':') ? ['-6'] : []),
    'route',
    verb,
    prefix,
    'dev',
    dev,
    'proto',
    'bird',
  ]);
}
