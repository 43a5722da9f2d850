/**
 * Releasing link interfaces from the kernel routes before they are deleted,
 * on a real kernel in a namespace: Linux deletes a whole IPv4 multipath
 * route when one of its next-hop devices goes away, so without the release a
 * closing link blackholes the flows of its sibling tunnels too.
 */
import { mustRunPrivileged } from '@wg-gateway/testkit/netns';
import { describe, expect, it } from 'vitest';
import { commandRunner } from '../src/system/command.js';
import { KernelRouteReleaser } from '../src/system/nexthop-prune.js';
import { addVethLink, useRouteNamespace } from './support/route-namespace.js';

describe.runIf(mustRunPrivileged())('route release before a link is deleted', () => {
  const namespace = useRouteNamespace('wrr', []);
  const ip = (...args: string[]) => namespace().exec(['ip', ...args]);
  /** Links `l1`, `l2` and BIRD-like multipath routes through both, both families. */
  async function twoLinks(): Promise<void> {
    for (const dev of ['l1', 'l2']) {
      await ip('link', 'del', dev).catch(() => undefined);
      // veth: the kernel here has no dummy module.
      await addVethLink(namespace(), dev);
      // Every link has the same address, as the gateway's tunnels do.
      await ip('addr', 'add', '169.254.0.1/24', 'dev', dev);
    }
    const head = ['route', 'replace'];
    const tail = ['proto', 'bird', 'metric', '32'];
    const via = (gw: string) => ['l1', 'l2'].flatMap((dev) => ['nexthop', 'via', gw, 'dev', dev]);
    await ip(...head, '198.51.100.0/24', ...tail, ...via('169.254.0.2'));
    await ip('-6', ...head, '2001:db8::/32', ...tail, ...via('fe80::2'));
  }
  const routes = async () => ({
    v4: (await ip('-4', 'route', 'show', 'proto', 'bird')).stdout,
    v6: (await ip('-6', 'route', 'show', 'proto', 'bird')).stdout,
  });

  it('the kernel: deleting one next-hop device drops the whole IPv4 multipath route (IPv6 keeps the other)', async () => {
    await twoLinks();
    await ip('link', 'del', 'l1');
    const r = await routes();
    expect(r.v4).not.toContain('198.51.100.0/24');
    expect(r.v6).toMatch(/^2001:db8::\/32 via fe80::2 dev l2/m);
  });

  it('released first: both families keep their route through the other link', async () => {
    await twoLinks();
    const releaser = new KernelRouteReleaser(commandRunner({ prefix: namespace().enter }));
    expect(await releaser.releaseInterfaces(['l1'])).toEqual([]);
    await ip('link', 'del', 'l1');
    const r = await routes();
    expect(r.v4).toMatch(/^198\.51\.100\.0\/24 via 169\.254\.0\.2 dev l2 metric 32/m);
    expect(r.v6).toMatch(/^2001:db8::\/32 via fe80::2 dev l2/m);
  });

  it('reports a failed edit instead of throwing', async () => {
    const failing = new KernelRouteReleaser(async () => ({
      code: 2,
      stdout: '',
      stderr: 'RTNETLINK answers: Operation not permitted',
    }));
    expect(await failing.releaseInterfaces(['l2'])).toEqual([
      'ip -j -4 route show: RTNETLINK answers: Operation not permitted',
      'ip -j -6 route show: RTNETLINK answers: Operation not permitted',
    ]);
  });
});
