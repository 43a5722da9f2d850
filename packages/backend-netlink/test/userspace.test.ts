/**
 * What the shared suite does not look at, for this backend in userspace mode
 * (real wireguard-go in a fresh namespace): request counts of small changes,
 * no kernel-made link-local address, daemons gone after delete, host facts.
 */
import { readFileSync } from 'node:fs';
import { NodeKeySource } from '@wg-gateway/core';
import {
  cleanupNamespaces,
  connect,
  createNetns,
  mustRunPrivileged,
  type Netns,
  type RemoteBackend,
  sh,
  startBackendIn,
  uniquePrefix,
} from '@wg-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const keys = new NodeKeySource();

describe.runIf(mustRunPrivileged())('netlink backend, userspace mode specifics', () => {
  const prefix = uniquePrefix('wn');
  let ns: Netns;
  let other: Netns;
  let backend: RemoteBackend;
  const me = keys.generate();
  const peer = keys.generate();

  /** Command lines of the wireguard-go processes in the namespace (`ip netns pids`). */
  async function daemons(): Promise<string[]> {
    const { stdout } = await sh(['ip', 'netns', 'pids', ns.name]);
    const out: string[] = [];
    for (const pid of stdout.split(/\s+/).filter(Boolean)) {
      try {
        const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
        if (args.startsWith('wireguard-go ')) out.push(args);
      } catch {
        // exited meanwhile
      }
    }
    return out;
  }

  beforeAll(async () => {
    ns = await createNetns(`${prefix}a`);
    other = await createNetns(`${prefix}b`);
    await connect(
      { ns, ifname: 'veth0', addresses: ['198.51.100.1/24'], mtu: 1450 },
      { ns: other, ifname: 'veth1', addresses: ['198.51.100.2/24'] },
    );
    backend = await startBackendIn(ns, {
      module: '@wg-gateway/backend-netlink',
      export: 'NetlinkBackend',
      options: { mode: 'userspace' },
    });
    const r = await backend.apply([
      {
        action: 'create',
        name: 'wg50011',
        privateKey: me.privateKey,
        publicKey: me.publicKey,
        listenPort: 50011,
        mtu: 1370,
        addresses: ['198.18.1.0/31', '2001:db8:11::/127'],
        peer: {
          publicKey: peer.publicKey,
          endpoint: '198.51.100.2:50012',
          allowedIps: ['0.0.0.0/0', '::/0'],
        },
      },
    ]);
    expect(r.results[0]?.error?.message).toBeUndefined();
  });

  afterAll(async () => {
    await backend?.close();
    await cleanupNamespaces(prefix);
  });

  it('marks the interface as ours and leaves no kernel-made IPv6 link-local address', async () => {
    const link = JSON.parse((await ns.exec(['ip', '-d', '-j', 'link', 'show', 'wg50011'])).stdout)[0];
    expect(link.ifalias).toBe('wg-gateway');
    expect(link.mtu).toBe(1370);
    const addrs = JSON.parse((await ns.exec(['ip', '-j', 'addr', 'show', 'wg50011'])).stdout)[0].addr_info;
    expect(addrs.map((a: { local: string }) => a.local).sort()).toEqual(['198.18.1.0', '2001:db8:11::']);
  });

  it('changes the peer with one UAPI request and one link dump, the MTU not at all when equal', async () => {
    const r = await backend.apply([
      {
        action: 'update',
        name: 'wg50011',
        mtu: 1370,
        peer: { publicKey: peer.publicKey, persistentKeepalive: 15 },
      },
    ]);
    expect(r.results[0]?.ok).toBe(true);
    expect(r.operations).toBe(2);
    const [o] = await backend.observe();
    expect(o?.peers[0]?.persistentKeepalive).toBe(15);
    expect(o?.listenPort).toBe(50011);
  });

  it('answers host facts from rtnetlink', async () => {
    const f = await backend.facts({
      pathMtuTo: ['198.51.100.2', '2001:db8:11::1'],
      interfaceOf: ['198.51.100.2', '198.18.1.0'],
      routerId: true,
    });
    expect(f).toEqual({
      routerId: '198.51.100.1',
      pathMtu: { '198.51.100.2': 1450, '2001:db8:11::1': 1370 },
      interfaceOf: { '198.51.100.2': 'veth0', '198.18.1.0': 'wg50011' },
      existingInterfaces: ['wg50011'],
    });
  });

  it('keeps a VIP on its subnet once Keepalived adds it (as /32 on lo)', async () => {
    const q = { pathMtuTo: [], interfaceOf: ['198.51.100.77'], routerId: false };
    expect((await backend.facts(q)).interfaceOf).toEqual({ '198.51.100.77': 'veth0' });
    await ns.exec(['ip', 'addr', 'add', '198.51.100.77/32', 'dev', 'lo']);
    try {
      expect((await backend.facts(q)).interfaceOf).toEqual({ '198.51.100.77': 'veth0' });
    } finally {
      await ns.exec(['ip', 'addr', 'del', '198.51.100.77/32', 'dev', 'lo']);
    }
  });

  it('caches path MTUs until a route changes', async () => {
    const q = { pathMtuTo: ['203.0.113.9'], interfaceOf: [], routerId: false };
    // No route yet: no answer, and that too is cached.
    expect((await backend.facts(q)).pathMtu).toEqual({});
    await ns.exec(['ip', 'route', 'add', '203.0.113.9/32', 'via', '198.51.100.2', 'mtu', '1300']);
    try {
      // The route event reaches the backend's watch socket asynchronously.
      let mtu: number | undefined;
      for (let i = 0; i < 50 && mtu !== 1300; i++) {
        mtu = (await backend.facts(q)).pathMtu['203.0.113.9'];
        if (mtu !== 1300) await new Promise((res) => setTimeout(res, 20));
      }
      expect(mtu).toBe(1300);
    } finally {
      await ns.exec(['ip', 'route', 'del', '203.0.113.9/32']);
    }
  });

  it('replaces a blank wireguard-go device a killed create left behind; a foreign configured one is refused', async () => {
    const create = (name: string, port: number) => ({
      action: 'create' as const,
      name,
      privateKey: me.privateKey,
      publicKey: me.publicKey,
      listenPort: port,
      mtu: 1370,
      addresses: ['198.18.2.0/31'],
      peer: { publicKey: peer.publicKey, endpoint: '198.51.100.2:50014', allowedIps: ['192.0.2.0/24'] },
    });
    // What a `wg-gateway run` SIGKILLed between starting wireguard-go and
    // marking the link leaves: a TUN with no alias, no key, a random port.
    await ns.exec(['wireguard-go', 'wg50013']);
    await ns.exec(['ip', 'link', 'set', 'wg50013', 'up']);
    await ns.exec(['wireguard-go', 'wg50015']);
    await ns.exec(['wg', 'set', 'wg50015', 'peer', peer.publicKey, 'allowed-ips', '192.0.2.9/32']);
    try {
      const r = await backend.apply([create('wg50013', 50013), create('wg50015', 50015)]);
      expect(r.results[0]?.error?.message).toBeUndefined();
      expect(r.results[1]?.ok).toBe(false);
      expect(r.results[1]?.error?.message).toMatch(/wg50015/);
      const observed = await backend.observe();
      const made = observed.find((o) => o.name === 'wg50013');
      expect(made?.listenPort).toBe(50013);
      expect(made?.peers[0]?.publicKey).toBe(peer.publicKey);
      expect(observed.map((o) => o.name)).not.toContain('wg50015');
      const foreign = (await ns.exec(['wg', 'show', 'wg50015', 'peers'])).stdout.trim();
      expect(foreign).toBe(peer.publicKey);
    } finally {
      await ns.exec(['ip', 'link', 'del', 'wg50015']).catch(() => undefined);
      await backend.apply([{ action: 'delete', name: 'wg50013' }]);
      await ns.exec(['ip', 'link', 'del', 'wg50013']).catch(() => undefined);
    }
  });

  it('deletes the TUN device and its wireguard-go exits', async () => {
    expect(await daemons()).toEqual(['wireguard-go wg50011']);
    const r = await backend.apply([{ action: 'delete', name: 'wg50011' }]);
    expect(r.results[0]?.ok).toBe(true);
    let left = await daemons();
    for (let i = 0; i < 50 && left.length > 0; i++) {
      await new Promise((res) => setTimeout(res, 100));
      left = await daemons();
    }
    expect(left).toEqual([]);
    expect(await backend.observe()).toEqual([]);
  });
});
