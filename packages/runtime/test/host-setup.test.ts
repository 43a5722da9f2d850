import { readFile } from 'node:fs/promises';
import {
  cleanupNamespaces,
  createNetns,
  mustRunPrivileged,
  type Netns,
  uniquePrefix,
} from '@wg-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRuntimeSection } from '../src/compose/runtime-section.js';
import { hostSetupStatus, SysctlHostSystem } from '../src/system/host-setup.js';
import { MultipathHashError, setMultipathHashPolicy } from '../src/system/multipath-hash.js';

describe('runtime.host section', () => {
  it('defaults to layer-4 hashing and MSS clamping where nft exists', () => {
    const rt = parseRuntimeSection({}, '/');
    expect(Array.isArray(rt)).toBe(false);
    expect((rt as Exclude<typeof rt, unknown[]>).host).toEqual({
      multipathHashPolicy: 1,
      mssClamping: 'auto',
      mssClampingFile: undefined,
    });
  });

  it('takes another policy or "off", and names a bad value', () => {
    const off = parseRuntimeSection({ host: { 'multipath-hash-policy': 'off', 'mss-clamping': 'off' } }, '/');
    expect((off as Exclude<typeof off, unknown[]>).host.multipathHashPolicy).toBe('off');
    const bad = parseRuntimeSection({ host: { 'multipath-hash-policy': 4 } }, '/');
    expect(bad).toEqual([
      expect.objectContaining({
        path: 'runtime.host.multipath-hash-policy',
        message: expect.stringMatching(/0, 1 .*"off"/),
      }),
    ]);
  });
});

const prefix = uniquePrefix('wbh');
const read = (ns: Netns, key: string) => ns.exec(['sysctl', '-n', key]).then((r) => r.stdout.trim());

describe.runIf(mustRunPrivileged())('host setup inside a namespace', () => {
  let ns: Netns;
  beforeAll(async () => {
    await cleanupNamespaces(prefix);
    ns = await createNetns(`${prefix}a`);
  });
  afterAll(async () => {
    await cleanupNamespaces(prefix);
  });

  it('sets layer-4 multipath hashing for both families, in this namespace only', async () => {
    const hostBefore = await readFile('/proc/sys/net/ipv4/fib_multipath_hash_policy', 'utf8');
    await ns.exec(['sysctl', '-qw', 'net.ipv4.ip_forward=0', 'net.ipv4.fib_multipath_hash_policy=0']);
    expect((await hostSetupStatus({ commandPrefix: ns.enter })).ok).toBe(false);
    await new SysctlHostSystem({ commandPrefix: ns.enter }).enableForwarding();
    expect(await read(ns, 'net.ipv4.fib_multipath_hash_policy')).toBe('1');
    expect(await read(ns, 'net.ipv6.fib_multipath_hash_policy')).toBe('1');
    expect(await read(ns, 'net.ipv4.ip_forward')).toBe('1');
    const status = await hostSetupStatus({ commandPrefix: ns.enter });
    expect(status).toMatchObject({
      ok: true,
      wantedMultipathHash: 1,
      multipathHash: { 'net.ipv4.fib_multipath_hash_policy': 1, 'net.ipv6.fib_multipath_hash_policy': 1 },
    });
    // Per network namespace: the host's own value is untouched.
    expect(await readFile('/proc/sys/net/ipv4/fib_multipath_hash_policy', 'utf8')).toBe(hostBefore);
  });

  it('sets another configured policy, and leaves the host alone with "off"', async () => {
    await new SysctlHostSystem({ commandPrefix: ns.enter, multipathHashPolicy: 0 }).enableForwarding();
    expect(await read(ns, 'net.ipv6.fib_multipath_hash_policy')).toBe('0');
    await ns.exec(['sysctl', '-qw', 'net.ipv4.fib_multipath_hash_policy=2']);
    await new SysctlHostSystem({ commandPrefix: ns.enter, multipathHashPolicy: 'off' }).enableForwarding();
    expect(await read(ns, 'net.ipv4.fib_multipath_hash_policy')).toBe('2');
    expect((await hostSetupStatus({ commandPrefix: ns.enter, multipathHashPolicy: 'off' })).ok).toBe(true);
  });

  it('names the sysctl it could not set (read-only /proc/sys)', async () => {
    await ns.exec(['sysctl', '-qw', 'net.ipv4.fib_multipath_hash_policy=0']);
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
    const err = await setMultipathHashPolicy(1, { commandPrefix: readOnly }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MultipathHashError);
    expect((err as MultipathHashError).sysctl).toBe('net.ipv4.fib_multipath_hash_policy');
    expect((err as Error).message).toMatch(/cannot set net\.ipv4\.fib_multipath_hash_policy=1/);
  });
});
