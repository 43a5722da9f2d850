import {
  cleanupNamespaces,
  createNetns,
  mustRunPrivileged,
  type Netns,
  uniquePrefix,
} from '@wg-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SysctlHostSystem } from '../src/system/host-setup.js';
import { enableIpForwarding, ForwardingError, ipForwardingStatus } from '../src/system/ip-forwarding.js';

const prefix = uniquePrefix('wbf');

describe.runIf(mustRunPrivileged())('IP forwarding inside a namespace', () => {
  let ns: Netns;
  beforeAll(async () => {
    await cleanupNamespaces(prefix);
    ns = await createNetns(`${prefix}a`);
  });
  afterAll(async () => {
    await cleanupNamespaces(prefix);
  });

  it('switches IPv4 and IPv6 forwarding on, once', async () => {
    const commandPrefix = ns.enter;
    await ns.exec(['sysctl', '-qw', 'net.ipv4.ip_forward=0', 'net.ipv6.conf.all.forwarding=0']);
    expect(await ipForwardingStatus({ commandPrefix })).toEqual({
      'net.ipv4.ip_forward': false,
      'net.ipv6.conf.all.forwarding': false,
    });
    expect(await enableIpForwarding({ commandPrefix })).toEqual([
      'net.ipv4.ip_forward',
      'net.ipv6.conf.all.forwarding',
    ]);
    expect((await ns.exec(['cat', '/proc/sys/net/ipv4/ip_forward'])).stdout.trim()).toBe('1');
    expect((await ns.exec(['cat', '/proc/sys/net/ipv6/conf/all/forwarding'])).stdout.trim()).toBe('1');
    expect(await enableIpForwarding({ commandPrefix })).toEqual([]);
  });

  it('serves as the gateway HostSystem port', async () => {
    await ns.exec(['sysctl', '-qw', 'net.ipv6.conf.all.forwarding=0']);
    await new SysctlHostSystem({ commandPrefix: ns.enter }).enableForwarding();
    expect((await ns.exec(['cat', '/proc/sys/net/ipv6/conf/all/forwarding'])).stdout.trim()).toBe('1');
  });

  it('names the sysctl it could not set (read-only /proc/sys)', async () => {
    await ns.exec(['sysctl', '-qw', 'net.ipv4.ip_forward=0']);
    // A private mount namespace whose /proc/sys is read-only: a real failure, not a fake.
    const readOnly = [
      ...ns.enter,
      'unshare',
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      'mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys && exec "$@"',
      'sh',
    ];
    const err = await enableIpForwarding({ commandPrefix: readOnly }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForwardingError);
    expect((err as ForwardingError).sysctl).toBe('net.ipv4.ip_forward');
    expect((err as ForwardingError).code).toBe('FORWARDING_FAILED');
    expect((err as Error).message).toMatch(/^\[runtime\] \[sysctl\] cannot switch on net\.ipv4\.ip_forward/);
    expect((await ns.exec(['cat', '/proc/sys/net/ipv4/ip_forward'])).stdout.trim()).toBe('0');
  });
});
