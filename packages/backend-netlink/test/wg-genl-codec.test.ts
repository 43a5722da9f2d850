import { describe, expect, it } from 'vitest';
import { NLA_F_NESTED, parseAttrs } from '../src/nla.js';
import {
  decodeDevice,
  encodeGetDevice,
  encodeSetDevice,
  encodeSetDeviceMessages,
} from '../src/wg-genl-codec.js';
import { WG_CMD_GET_DEVICE, WG_CMD_SET_DEVICE, WGDEVICE_A } from '../src/wg-genl-constants.js';

/** Hex with spaces and comments-free line breaks, for fixtures written by hand. */
const hex = (...parts: string[]): Buffer => Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex');
const rep = (byte: string, n: number): string => byte.repeat(n);
const key = (byte: number): string => Buffer.alloc(32, byte).toString('base64');

// Layout from include/uapi/linux/wireguard.h; each attribute is
// `u16 len (header included), u16 type`, payload padded to 4 bytes, host order (LE).
const SET_FIXTURE = hex(
  '0800 0200 77673100', // WGDEVICE_A_IFNAME "wg1\0"
  '2400 0300',
  rep('01', 32), // WGDEVICE_A_PRIVATE_KEY
  '0600 0600 6cca 0000', // WGDEVICE_A_LISTEN_PORT 51820
  '6800 0880', // WGDEVICE_A_PEERS | NLA_F_NESTED, len 104
  '6400 0080', //   peer #0 | NLA_F_NESTED, len 100
  '2400 0100',
  rep('02', 32), //   WGPEER_A_PUBLIC_KEY
  '1400 0400 0200 ca6d c0000201 0000000000000000', //   WGPEER_A_ENDPOINT sockaddr_in 192.0.2.1:51821
  '0600 0500 1900 0000', //   WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL 25
  '2000 0980', //   WGPEER_A_ALLOWEDIPS | NLA_F_NESTED, len 32
  '1c00 0080', //     entry #0 | NLA_F_NESTED, len 28
  '0600 0100 0200 0000', //     WGALLOWEDIP_A_FAMILY AF_INET
  '0800 0200 0a000000', //     WGALLOWEDIP_A_IPADDR 10.0.0.0
  '0500 0300 08 000000', //     WGALLOWEDIP_A_CIDR_MASK 8
);

// A two-part dump as the kernel sends it: the first peer continues in the
// second message (same public key, more allowed IPs); list entries of the
// first message are typed 0 without NLA_F_NESTED, which must still parse.
const DUMP_PART1 = hex(
  '0800 0100 07000000', // WGDEVICE_A_IFINDEX 7
  '0800 0200 77673100', // WGDEVICE_A_IFNAME "wg1"
  '0600 0600 6cca 0000', // WGDEVICE_A_LISTEN_PORT 51820
  '7800 0880', // WGDEVICE_A_PEERS, len 120
  '7400 0000', //   peer typed 0, no NLA_F_NESTED, len 116
  '2400 0100',
  rep('02', 32),
  '1400 0600 00f15365 00000000 404b4c00 00000000', //   LAST_HANDSHAKE_TIME 1700000000 s + 5 000 000 ns
  '0c00 0700 e803000000000000', //   RX_BYTES 1000
  '0c00 0800 d007000000000000', //   TX_BYTES 2000
  '2000 0900', //   ALLOWEDIPS, no flag
  '1c00 0000',
  '0600 0100 0200 0000',
  '0800 0200 0a000000',
  '0500 0300 08000000',
);
const DUMP_PART2 = hex(
  '0800 0100 07000000',
  'a800 0880', // WGDEVICE_A_PEERS, len 168
  '5400 0080', //   continuation of the same peer, len 84
  '2400 0100',
  rep('02', 32),
  '2c00 0980', //   ALLOWEDIPS, len 44
  '2800 0080', //     entry, len 40
  '0600 0100 0a00 0000', //     AF_INET6
  '1400 0200 20010db8 00000000 00000000 00000000', //     2001:db8::
  '0500 0300 20000000', //     /32
  '5000 0180', //   peer #1, len 80
  '2400 0100',
  rep('03', 32),
  '2000 0400 0a00 ca6d 00000000 20010db8000000000000000000000001 00000000', //   sockaddr_in6 [2001:db8::1]:51821
  '0600 0500 1900 0000',
);

describe('wg-genl-codec', () => {
  it('uses the kernel command numbers (GET_DEVICE 0, SET_DEVICE 1)', () => {
    expect([WG_CMD_GET_DEVICE, WG_CMD_SET_DEVICE]).toEqual([0, 1]);
  });

  it('encodes SET_DEVICE byte for byte, nests marked NLA_F_NESTED', () => {
    const out = encodeSetDevice({
      ifname: 'wg1',
      privateKey: key(1),
      listenPort: 51820,
      peers: [
        {
          publicKey: key(2),
          endpoint: '192.0.2.1:51821',
          persistentKeepalive: 25,
          allowedIps: ['10.0.0.0/8'],
        },
      ],
    });
    expect(out.toString('hex')).toBe(SET_FIXTURE.toString('hex'));
  });

  it('encodes flags: replace-peers, remove, update-only, replace-allowed-ips', () => {
    const out = encodeSetDevice({
      ifname: 'wg1',
      replacePeers: true,
      peers: [
        { publicKey: key(2), remove: true, endpoint: '192.0.2.1:1' },
        { publicKey: key(3), updateOnly: true, replaceAllowedIps: true, allowedIps: [] },
      ],
    });
    const top = parseAttrs(out);
    expect(top.map((a) => a.type)).toEqual([WGDEVICE_A.IFNAME, WGDEVICE_A.FLAGS, WGDEVICE_A.PEERS]);
    expect(top[1]?.data.readUInt32LE(0)).toBe(1);
    const peers = parseAttrs(top[2]?.data ?? Buffer.alloc(0));
    // A removed peer carries only its key and flags (the endpoint is not sent).
    expect(parseAttrs(peers[0]?.data ?? Buffer.alloc(0)).map((a) => a.type)).toEqual([1, 3]);
    expect(parseAttrs(peers[0]?.data ?? Buffer.alloc(0))[1]?.data.readUInt32LE(0)).toBe(1);
    const second = parseAttrs(peers[1]?.data ?? Buffer.alloc(0));
    expect(second[1]?.data.readUInt32LE(0)).toBe(2 | 4);
    // An empty allowed-IP list is still sent (with REPLACE_ALLOWEDIPS it clears them).
    expect(second[2]).toMatchObject({ type: 9, nested: true });
    expect(second[2]?.data.length).toBe(0);
  });

  it('encodes a GET_DEVICE request by name', () => {
    expect(encodeGetDevice('wg50001').toString('hex')).toBe('0c0002007767353030303100');
  });

  it('decodes a multi-part dump, merging a peer continued across messages', () => {
    const dev = decodeDevice([DUMP_PART1, DUMP_PART2]);
    expect(dev).toEqual({
      ifindex: 7,
      ifname: 'wg1',
      listenPort: 51820,
      fwmark: 0,
      peers: [
        {
          publicKey: key(2),
          persistentKeepalive: 0,
          lastHandshake: 1_700_000_000_005,
          rxBytes: 1000,
          txBytes: 2000,
          allowedIps: ['10.0.0.0/8', '2001:db8::/32'],
        },
        {
          publicKey: key(3),
          endpoint: '[2001:db8::1]:51821',
          persistentKeepalive: 25,
          rxBytes: 0,
          txBytes: 0,
          allowedIps: [],
        },
      ],
    });
  });

  it('round-trips its own encoding through the decoder', () => {
    const dev = decodeDevice([SET_FIXTURE]);
    expect(dev.peers).toEqual([
      {
        publicKey: key(2),
        endpoint: '192.0.2.1:51821',
        persistentKeepalive: 25,
        rxBytes: 0,
        txBytes: 0,
        allowedIps: ['10.0.0.0/8'],
      },
    ]);
    // The private key is never kept in decoded devices.
    expect(JSON.stringify(dev)).not.toContain(key(1));
  });

  it('splits many peers over several requests, each nest below 64 KiB', () => {
    const peers = Array.from({ length: 600 }, (_, i) => ({
      publicKey: Buffer.alloc(32, i % 256).toString('base64'),
      allowedIps: [`10.${i >> 8}.${i & 255}.0/24`, `2001:db8:${i.toString(16)}::/48`],
    }));
    const msgs = encodeSetDeviceMessages({ ifname: 'wg1', replacePeers: true, listenPort: 1, peers });
    expect(msgs.length).toBeGreaterThan(1);
    let count = 0;
    msgs.forEach((m, i) => {
      const top = parseAttrs(m);
      const types = top.map((a) => a.type);
      // Only the first request replaces peers and sets device fields.
      expect(types.includes(WGDEVICE_A.FLAGS)).toBe(i === 0);
      expect(types.includes(WGDEVICE_A.LISTEN_PORT)).toBe(i === 0);
      const peersAttr = top.find((a) => a.type === WGDEVICE_A.PEERS);
      expect(peersAttr?.nested).toBe(true);
      expect((peersAttr?.data.length ?? 0) + 4).toBeLessThan(0xffff);
      count += parseAttrs(peersAttr?.data ?? Buffer.alloc(0)).length;
    });
    expect(count).toBe(600);
    expect(NLA_F_NESTED).toBe(0x8000);
  });

  it('continues a peer with very many allowed IPs under the same key, without re-replacing them', () => {
    const ips = Array.from({ length: 2500 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
    const msgs = encodeSetDeviceMessages({
      ifname: 'wg1',
      peers: [{ publicKey: key(2), replaceAllowedIps: true, allowedIps: ips }],
    });
    const entries = msgs.flatMap((m) => {
      const peersAttr = parseAttrs(m).find((a) => a.type === WGDEVICE_A.PEERS);
      return parseAttrs(peersAttr?.data ?? Buffer.alloc(0)).map((e) => parseAttrs(e.data));
    });
    expect(entries.length).toBe(3);
    // Only the first entry carries REPLACE_ALLOWEDIPS; all name the same peer.
    expect(entries.map((e) => e.some((a) => a.type === 3))).toEqual([true, false, false]);
    expect(new Set(entries.map((e) => e[0]?.data.toString('base64')))).toEqual(new Set([key(2)]));
    const decoded = decodeDevice(msgs);
    expect(decoded.peers).toHaveLength(1);
    expect(decoded.peers[0]?.allowedIps).toEqual(ips);
  });
});
