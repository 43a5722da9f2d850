import { describe, expect, it } from 'vitest';
import { type StatusReport, statusText } from '../src/commands/status.js';

const base: Omit<StatusReport, 'host'> = {
  unit: 'a-1',
  group: 'a',
  links: [],
  ospf: { neighbors: [] },
  vrrp: null,
  problems: [],
  endpointNames: [],
  exchange: null,
  udpPorts: [],
  portRange: { min: 50000, max: 52000 },
};

describe('status: host section', () => {
  it('shows forwarding, multipath hashing and MSS clamping, flagging what differs from what the gateway sets', () => {
    const text = statusText(
      {
        ...base,
        host: {
          setup: {
            forwarding: { 'net.ipv4.ip_forward': true, 'net.ipv6.conf.all.forwarding': true },
            multipathHash: {
              'net.ipv4.fib_multipath_hash_policy': 0,
              'net.ipv6.fib_multipath_hash_policy': 1,
            },
            wantedMultipathHash: 1,
            ok: false,
          },
          mssClamp: { mode: 'auto', enabled: true, loaded: true },
        },
      },
      0,
    );
    expect(text).toContain('Host:\n  net.ipv4.ip_forward = 1\n');
    expect(text).toContain('  net.ipv4.fib_multipath_hash_policy = 0 (want 1)\n');
    expect(text).toContain('  net.ipv6.fib_multipath_hash_policy = 1\n');
    expect(text).toContain('  MSS clamping: auto, loaded\n');
  });

  it('says when the gateway leaves the policy alone, or could not read the host', () => {
    const off = statusText(
      {
        ...base,
        host: {
          setup: {
            forwarding: { 'net.ipv4.ip_forward': false, 'net.ipv6.conf.all.forwarding': true },
            multipathHash: {
              'net.ipv4.fib_multipath_hash_policy': 2,
              'net.ipv6.fib_multipath_hash_policy': 2,
            },
            wantedMultipathHash: 'off',
            ok: false,
          },
          mssClamp: { mode: 'off', enabled: false, loaded: true },
        },
      },
      0,
    );
    expect(off).toContain('  net.ipv4.ip_forward = 0 (want 1)\n');
    expect(off).toContain('  net.ipv4.fib_multipath_hash_policy = 2 (left alone)\n');
    expect(off).toContain('  MSS clamping: off, loaded (want removed)\n');
    expect(statusText({ ...base, host: { error: 'boom' } }, 0)).toContain('Host:\n  unavailable: boom\n');
  });
});
