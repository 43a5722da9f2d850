// Kernel-mode cases of the netlink backend, run inside the QEMU guest as PID
// 1's child against a real wireguard.ko. Prints `ok - …` / `not ok - …` per
// case and exits non-zero when any failed. `wg` and `ip` cross-check what the
// backend's own codec reads back.
import { execFileSync } from 'node:child_process';
import { NetlinkBackend, WgGenlClient } from '@wg-gateway/backend-netlink';
import { NodeKeySource, plan } from '@wg-gateway/core';

const keys = new NodeKeySource();
const [k1, k2, k3, k4] = [keys.generate(), keys.generate(), keys.generate(), keys.generate()];
let failed = 0;

function assert(cond, what) {
  if (!cond) throw new Error(`assertion failed: ${what}`);
}
function eq(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}
async function test(name, fn) {
  const t = Date.now();
  try {
    await fn();
    console.log(`ok - ${name} (${Date.now() - t} ms)`);
  } catch (e) {
    failed += 1;
    console.log(`not ok - ${name}: ${e?.stack ?? e}`);
  }
}
const sh = (...argv) => execFileSync(argv[0], argv.slice(1), { encoding: 'utf8' });
const secretFree = (v) => {
  const s = JSON.stringify(v, Object.getOwnPropertyNames(v ?? {})) + String(v?.message ?? '');
  for (const k of [k1, k2, k3, k4]) assert(!s.includes(k.privateKey), 'no private key in output');
};

const be = new NetlinkBackend({ mode: 'kernel' });
const create = {
  action: 'create',
  name: 'wg50001',
  privateKey: k1.privateKey,
  publicKey: k1.publicKey,
  listenPort: 50001,
  mtu: 1400,
  addresses: ['198.18.0.1/31', '2001:db8::1/127'],
  peer: {
    publicKey: k2.publicKey,
    endpoint: '192.0.2.2:50002',
    persistentKeepalive: 25,
    allowedIps: ['0.0.0.0/0', '10.20.0.0/16', '2001:db8:1::/48', '::/0'],
  },
};

await test('auto mode finds the wireguard genl family', async () => {
  const auto = new NetlinkBackend({ mode: 'auto' });
  eq(await auto.mode(), 'kernel', 'mode');
  await auto.close();
});

await test('create: interface, key, port, MTU, addresses and a peer with several allowed IPs', async () => {
  const r = await be.apply([create]);
  secretFree(r);
  assert(r.results[0]?.ok, `create ok: ${r.results[0]?.error?.message}`);
  const [o, ...rest] = await be.observe();
  eq(rest.length, 0, 'one interface');
  eq(
    {
      name: o.name,
      listenPort: o.listenPort,
      publicKey: o.publicKey,
      mtu: o.mtu,
      up: o.up,
      addresses: o.addresses,
    },
    {
      name: 'wg50001',
      listenPort: 50001,
      publicKey: k1.publicKey,
      mtu: 1400,
      up: true,
      addresses: ['198.18.0.1/31', '2001:db8::1/127'],
    },
    'interface',
  );
  eq(o.peers.length, 1, 'one peer');
  eq(o.peers[0].publicKey, k2.publicKey, 'peer key');
  eq(o.peers[0].endpoint, '192.0.2.2:50002', 'endpoint');
  eq(o.peers[0].persistentKeepalive, 25, 'keepalive');
  eq(o.peers[0].allowedIps, ['0.0.0.0/0', '10.20.0.0/16', '::/0', '2001:db8:1::/48'], 'allowed IPs');
});

await test("the same plan again is empty (core's plan() on what observe reads)", async () => {
  const desired = {
    name: create.name,
    listenPort: create.listenPort,
    privateKey: create.privateKey,
    publicKey: create.publicKey,
    addresses: create.addresses,
    mtu: create.mtu,
    peer: create.peer,
  };
  eq(plan([desired], await be.observe()), [], 'plan');
  const r = await be.apply(plan([desired], await be.observe()));
  eq(r.operations, 0, 'operations');
});

await test('a peer-only change is one link dump and one WG_CMD_SET_DEVICE', async () => {
  const r = await be.apply([
    { action: 'update', name: 'wg50001', peer: { publicKey: k2.publicKey, persistentKeepalive: 20 } },
  ]);
  eq([r.results[0]?.ok, r.operations], [true, 2], 'ok and operations');
  eq((await be.observe())[0].peers[0].persistentKeepalive, 20, 'keepalive');
  await be.apply([
    { action: 'update', name: 'wg50001', peer: { publicKey: k2.publicKey, persistentKeepalive: 25 } },
  ]);
});

await test('wg(8) and ip(8) read back the same (independent decoders)', async () => {
  const dump = sh('wg', 'show', 'wg50001', 'dump').trim().split('\n');
  const [, pub, port] = dump[0].split('\t');
  eq([pub, port], [k1.publicKey, '50001'], 'wg interface line');
  const peer = dump[1].split('\t');
  eq(
    [peer[0], peer[2], peer[3].split(',').sort(), peer[7]],
    [k2.publicKey, '192.0.2.2:50002', ['0.0.0.0/0', '10.20.0.0/16', '2001:db8:1::/48', '::/0'].sort(), '25'],
    'wg peer line',
  );
  const link = JSON.parse(sh('ip', '-d', '-j', 'link', 'show', 'wg50001'))[0];
  eq([link.ifalias, link.linkinfo?.info_kind, link.mtu], ['wg-gateway', 'wireguard', 1400], 'ip link');
  // addrgenmode none: no fe80:: address besides ours.
  const addrs = JSON.parse(sh('ip', '-j', 'addr', 'show', 'wg50001'))[0].addr_info.map((a) => a.local);
  eq(addrs.sort(), ['198.18.0.1', '2001:db8::1'], 'ip addr (no link-local)');
});

await test('update: endpoint, allowed IPs (replaced), keepalive, MTU, addresses', async () => {
  const r = await be.apply([
    {
      action: 'update',
      name: 'wg50001',
      mtu: 1380,
      addresses: ['198.18.0.3/31'],
      peer: {
        publicKey: k2.publicKey,
        endpoint: '[2001:db8::2]:50004',
        persistentKeepalive: 0,
        allowedIps: ['10.30.0.0/16'],
        replaceAllowedIps: true,
      },
    },
  ]);
  assert(r.results[0]?.ok, `update ok: ${r.results[0]?.error?.message}`);
  const [o] = await be.observe();
  eq([o.mtu, o.addresses, o.listenPort], [1380, ['198.18.0.3/31'], 50001], 'interface after update');
  eq(
    [o.peers[0].endpoint, o.peers[0].allowedIps, o.peers[0].persistentKeepalive],
    ['[2001:db8::2]:50004', ['10.30.0.0/16'], 0],
    'peer after update',
  );
});

await test('an unchanged MTU is not written and an empty plan costs nothing', async () => {
  const r = await be.apply([{ action: 'update', name: 'wg50001', mtu: 1380 }]);
  eq(r.operations, 1, 'only the link dump');
  eq((await be.apply([])).operations, 0, 'empty plan');
});

await test('remove the peer', async () => {
  const r = await be.apply([
    { action: 'update', name: 'wg50001', peer: { publicKey: k2.publicKey, remove: true } },
  ]);
  assert(r.results[0]?.ok, 'remove ok');
  const [o] = await be.observe();
  eq(o.peers, [], 'no peers');
});

await test('200 peers (and one with 3000 allowed IPs) in one multi-part dump', async () => {
  const genl = new WgGenlClient();
  const peers = Array.from({ length: 200 }, (_, i) => ({
    publicKey: keys.generate().publicKey,
    allowedIps: [`10.${100 + (i >> 8)}.${i & 255}.0/24`, `2001:db8:${(0x100 + i).toString(16)}::/48`],
  }));
  const big = Array.from({ length: 3000 }, (_, i) => `172.${16 + (i >> 8)}.${i & 255}.0/24`);
  peers.push({ publicKey: k3.publicKey, allowedIps: big });
  const requests = await genl.setDevice({ ifname: 'wg50001', replacePeers: true, peers });
  assert(requests > 1, `split over several requests (${requests})`);
  const dev = await genl.getDevice('wg50001');
  eq(dev.peers.length, 201, 'peer count');
  const byKey = new Map(dev.peers.map((p) => [p.publicKey, p]));
  for (const p of peers) {
    const got = byKey.get(p.publicKey);
    assert(got !== undefined, 'peer present');
    eq([...got.allowedIps].sort(), [...p.allowedIps].sort(), `allowed IPs of ${p.publicKey}`);
  }
  eq(sh('wg', 'show', 'wg50001', 'peers').trim().split('\n').length, 201, 'wg counts 201 peers');
  genl.close();
});

await test('an interface we did not create is neither observed nor deleted', async () => {
  sh('ip', 'link', 'add', 'wg50009', 'type', 'wireguard');
  const names = (await be.observe()).map((o) => o.name);
  eq(names, ['wg50001'], 'observed');
  const r = await be.apply([{ action: 'delete', name: 'wg50009' }]);
  assert(!r.results[0]?.ok, 'refused');
  sh('ip', 'link', 'show', 'wg50009');
});

await test('a change whose port is taken fails alone and leaves nothing behind', async () => {
  const r = await be.apply([
    {
      ...create,
      name: 'wg50002',
      listenPort: 50001,
      privateKey: k4.privateKey,
      publicKey: k4.publicKey,
      addresses: [],
    },
    {
      ...create,
      name: 'wg50003',
      listenPort: 50003,
      privateKey: k4.privateKey,
      publicKey: k4.publicKey,
      addresses: [],
    },
  ]);
  secretFree(r.results[0]?.error);
  eq(
    r.results.map((x) => x.ok),
    [false, true],
    'results',
  );
  eq(r.results[0]?.error?.errno, 'EADDRINUSE', 'errno');
  assert(r.results[0]?.error?.message.startsWith('[backend-netlink] [netlink]'), 'prefixed message');
  eq(
    (await be.observe()).map((o) => o.name),
    ['wg50001', 'wg50003'],
    'observed',
  );
});

await test('facts: path MTU, interface of an address, existing interfaces', async () => {
  const f = await be.facts({ pathMtuTo: ['198.18.0.2'], interfaceOf: ['198.18.0.3'], routerId: true });
  eq(
    [f.pathMtu['198.18.0.2'], f.interfaceOf['198.18.0.3'], f.existingInterfaces],
    [1380, 'wg50001', ['wg50001', 'wg50003']],
    'facts',
  );
});

await test('delete', async () => {
  const r = await be.apply([
    { action: 'delete', name: 'wg50001' },
    { action: 'delete', name: 'wg50003' },
  ]);
  eq(
    r.results.map((x) => x.ok),
    [true, true],
    'deleted',
  );
  eq(await be.observe(), [], 'nothing left');
  sh('ip', 'link', 'show', 'wg50009');
});

await test('two kernel interfaces in two namespaces handshake and carry a ping', async () => {
  const [a, b] = [keys.generate(), keys.generate()];
  try {
    sh('ip', 'netns', 'add', 'ga');
    sh('ip', 'netns', 'add', 'gb');
    sh('ip', 'link', 'add', 'va', 'netns', 'ga', 'type', 'veth', 'peer', 'name', 'vb', 'netns', 'gb');
    for (const [ns, dev, addr] of [
      ['ga', 'va', '192.0.2.1/24'],
      ['gb', 'vb', '192.0.2.2/24'],
    ]) {
      sh('ip', '-n', ns, 'addr', 'add', addr, 'dev', dev);
      sh('ip', '-n', ns, 'link', 'set', dev, 'up');
      sh('ip', '-n', ns, 'link', 'set', 'lo', 'up');
    }
    const side = (ns, change) =>
      execFileSync('ip', ['netns', 'exec', ns, process.execPath, 'guest-side.mjs'], {
        input: JSON.stringify([change]),
        encoding: 'utf8',
      });
    const link = (name, port, own, peerKey, address, endpoint) => ({
      action: 'create',
      name,
      privateKey: own.privateKey,
      publicKey: own.publicKey,
      listenPort: port,
      mtu: 1420,
      addresses: [address],
      peer: { publicKey: peerKey, persistentKeepalive: 25, allowedIps: ['198.18.9.0/31'], ...endpoint },
    });
    // The acceptor has no endpoint (pure responder); the initiator knows it.
    side('gb', link('wg50102', 50102, b, a.publicKey, '198.18.9.1/31', {}));
    side('ga', link('wg50101', 50101, a, b.publicKey, '198.18.9.0/31', { endpoint: '192.0.2.2:50102' }));
    let pinged = false;
    for (let i = 0; i < 10 && !pinged; i++) {
      try {
        sh('ip', 'netns', 'exec', 'ga', 'ping', '-c', '1', '-W', '2', '198.18.9.1');
        pinged = true;
      } catch {
        // the first packets wait for the handshake
      }
    }
    assert(pinged, 'ping over the tunnel');
    const hs = sh('ip', 'netns', 'exec', 'gb', 'wg', 'show', 'wg50102', 'latest-handshakes')
      .trim()
      .split('\t');
    eq(hs[0], a.publicKey, 'acceptor knows the initiator');
    assert(Number(hs[1]) > 0, 'a handshake happened');
    const ep = sh('ip', 'netns', 'exec', 'gb', 'wg', 'show', 'wg50102', 'endpoints').trim().split('\t')[1];
    eq(ep, '192.0.2.1:50101', 'acceptor learned the endpoint from the handshake');
  } finally {
    for (const ns of ['ga', 'gb']) {
      try {
        sh('ip', 'netns', 'del', ns);
      } catch {
        // not created
      }
    }
  }
});

await be.close();
console.log(failed === 0 ? 'all kernel cases passed' : `${failed} kernel case(s) failed`);
process.exit(failed === 0 ? 0 : 1);
