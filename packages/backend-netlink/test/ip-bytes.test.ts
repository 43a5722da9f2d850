import { describe, expect, it } from 'vitest';
import { bytesToIp, decodeSockaddr, encodeSockaddr, ipToBytes } from '../src/ip-bytes.js';
import { errnoOf, NetlinkBackendError } from '../src/netlink-error.js';

describe('ip-bytes', () => {
  it('converts IPv4 and IPv6 (compressed, mapped) to bytes and back to canonical text', () => {
    expect(ipToBytes('192.0.2.1').toString('hex')).toBe('c0000201');
    expect(ipToBytes('2001:db8::1').toString('hex')).toBe('20010db8000000000000000000000001');
    expect(ipToBytes('::').toString('hex')).toBe('0'.repeat(32));
    expect(ipToBytes('::ffff:192.0.2.1').toString('hex')).toBe('00000000000000000000ffffc0000201');
    expect(bytesToIp(Buffer.from('20010DB8000000000000000000000001', 'hex'))).toBe('2001:db8::1');
    expect(bytesToIp(Buffer.from([198, 51, 100, 7]))).toBe('198.51.100.7');
    expect(() => ipToBytes('not-an-ip')).toThrow(TypeError);
  });

  it('encodes sockaddr_in / sockaddr_in6 with the port in network order', () => {
    expect(encodeSockaddr('192.0.2.1:51820').toString('hex')).toBe(`0200ca6cc0000201${'00'.repeat(8)}`);
    const v6 = encodeSockaddr('[2001:db8::1]:443');
    expect(v6.length).toBe(28);
    expect(v6.subarray(0, 4).toString('hex')).toBe('0a0001bb');
    expect(decodeSockaddr(v6)).toBe('[2001:db8::1]:443');
    expect(decodeSockaddr(Buffer.alloc(16))).toBeUndefined();
  });
});

describe('NetlinkBackendError', () => {
  it('names the errno of a netlink rejection and prefixes the message', () => {
    const e = new NetlinkBackendError('RTM_NEWLINK wg50001', {
      cause: new Error('Request rejected: EEXIST'),
    });
    expect(e.message).toBe('[backend-netlink] [netlink] RTM_NEWLINK wg50001: EEXIST');
    expect(e.errno).toBe('EEXIST');
    expect(e.code).toBe('BACKEND_NETLINK');
    expect(e.hint).toMatch(/already exists/);
  });

  it('reads errno from node errors and numeric rejections', () => {
    expect(errnoOf(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED');
    expect(errnoOf(new Error('Request rejected: -98'))).toBe('EADDRINUSE');
    expect(errnoOf('nope')).toBeUndefined();
  });
});
