// Run by vitest INSIDE the QEMU guest (see init), against a real wireguard.ko:
// the shared backend system suite with the netlink backend in kernel mode,
// then the kernel-only cases (wg/ip cross-check of what our codec writes,
// request counts, a 200-peer multi-part dump) in the guest's own namespace.
import { execFileSync } from 'node:child_process';
import { NetlinkBackend } from '@wg-gateway/backend-netlink';
import { NodeKeySource } from '@wg-gateway/core';
import { backendSystemSuite } from '@wg-gateway/testkit';
import { afterAll, describe, expect, it } from 'vitest';
// Internal: the genl client is no part of the package's API.
import { WgGenlClient } from './node_modules/@wg-gateway/backend-netlink/dist/wg-genl-client.js';

backendSystemSuite({
  name: 'netlink (kernel, wireguard.ko)',
  backend: {
    module: '@wg-gateway/backend-netlink',
    export: 'createNetlinkBackend',
    options: { mode: 'kernel' },
  },
});

const sh = (...argv) => execFileSync(argv[0], argv.slice(1), { encoding: 'utf8' });

describe('netlink backend, kernel specifics', () => {
  const keys = new NodeKeySource();
  const [k1, k2, k3] = [keys.generate(), keys.generate(), keys.generate()];
  const be = new NetlinkBackend({ mode: 'kernel' });
  const create = {
    action: 'create',
    name: 'wg51001',
    privateKey: k1.privateKey,
    publicKey: k1.publicKey,
    listenPort: 51001,
    mtu: 1400,
    addresses: ['198.18.0.1/31', '2001:db8::1/127'],
    peer: {
      publicKey: k2.publicKey,
      endpoint: '192.0.2.2:51002',
      persistentKeepalive: 25,
      allowedIps: ['0.0.0.0/0', '10.20.0.0/16', '2001:db8:1::/48', '::/0'],
    },
  };
  afterAll(async () => {
    await be.apply([{ action: 'delete', name: 'wg51001' }]);
    await be.close();
  });

  it('auto mode finds the wireguard genl family', async () => {
    const auto = new NetlinkBackend({ mode: 'auto' });
    expect(await auto.mode()).toBe('kernel');
    await auto.close();
  });

  it('wg(8) and ip(8) read back what the backend wrote (independent decoders)', async () => {
    const r = await be.apply([create]);
    expect(r.results.map((x) => [x.ok, x.error?.message])).toEqual([[true, undefined]]);
    const dump = sh('wg', 'show', 'wg51001', 'dump').trim().split('\n');
    expect(dump[0]?.split('\t').slice(1, 3)).toEqual([k1.publicKey, '51001']);
    const peer = dump[1]?.split('\t') ?? [];
    expect([peer[0], peer[2], peer[3]?.split(',').sort(), peer[7]]).toEqual([
      k2.publicKey,
      '192.0.2.2:51002',
      ['0.0.0.0/0', '10.20.0.0/16', '2001:db8:1::/48', '::/0'].sort(),
      '25',
    ]);
    const link = JSON.parse(sh('ip', '-d', '-j', 'link', 'show', 'wg51001'))[0];
    expect([link.ifalias, link.linkinfo?.info_kind, link.mtu]).toEqual(['wg-gateway', 'wireguard', 1400]);
    // addrgenmode none: no fe80:: address besides ours.
    const addrs = JSON.parse(sh('ip', '-j', 'addr', 'show', 'wg51001'))[0].addr_info.map((a) => a.local);
    expect(addrs.sort()).toEqual(['198.18.0.1', '2001:db8::1']);
  });

  it('a peer-only change is one link dump and one WG_CMD_SET_DEVICE', async () => {
    const r = await be.apply([
      { action: 'update', name: 'wg51001', peer: { publicKey: k2.publicKey, persistentKeepalive: 20 } },
    ]);
    expect([r.results[0]?.ok, r.operations]).toEqual([true, 2]);
    expect((await be.observe())[0]?.peers[0]?.persistentKeepalive).toBe(20);
  });

  it('an unchanged MTU is not written: only the link dump', async () => {
    const r = await be.apply([{ action: 'update', name: 'wg51001', mtu: 1400 }]);
    expect([r.results[0]?.ok, r.operations]).toEqual([true, 1]);
  });

  it('removes the peer', async () => {
    const r = await be.apply([
      { action: 'update', name: 'wg51001', peer: { publicKey: k2.publicKey, remove: true } },
    ]);
    expect(r.results[0]?.ok).toBe(true);
    expect((await be.observe())[0]?.peers).toEqual([]);
  });

  it('200 peers (and one with 3000 allowed IPs) in one multi-part dump', async () => {
    const genl = new WgGenlClient();
    try {
      const peers = Array.from({ length: 200 }, (_, i) => ({
        publicKey: keys.generate().publicKey,
        allowedIps: [`10.${100 + (i >> 8)}.${i & 255}.0/24`, `2001:db8:${(0x100 + i).toString(16)}::/48`],
      }));
      const big = Array.from({ length: 3000 }, (_, i) => `172.${16 + (i >> 8)}.${i & 255}.0/24`);
      peers.push({ publicKey: k3.publicKey, allowedIps: big });
      const requests = await genl.setDevice({ ifname: 'wg51001', replacePeers: true, peers });
      expect(requests).toBeGreaterThan(1);
      const dev = await genl.getDevice('wg51001');
      expect(dev.peers.length).toBe(201);
      const byKey = new Map(dev.peers.map((p) => [p.publicKey, p]));
      for (const p of peers)
        expect([...(byKey.get(p.publicKey)?.allowedIps ?? [])].sort()).toEqual([...p.allowedIps].sort());
      expect(sh('wg', 'show', 'wg51001', 'peers').trim().split('\n').length).toBe(201);
    } finally {
      genl.close();
    }
  });

  it('facts: path MTU, interface of an address, existing interfaces', async () => {
    const f = await be.facts({ pathMtuTo: ['198.18.0.0'], interfaceOf: ['198.18.0.1'], routerId: true });
    expect([f.pathMtu['198.18.0.0'], f.interfaceOf['198.18.0.1'], f.existingInterfaces]).toEqual([
      1400,
      'wg51001',
      ['wg51001'],
    ]);
  });
});
