import { describe, expect, it } from 'vitest';
import { throttledHost } from '../src/system/throttled-host.js';

describe('throttledHost', () => {
  it('sets the host switches once per ttl, and again at once after a failure', async () => {
    let t = 0;
    let calls = 0;
    let fail = false;
    const host = throttledHost(
      {
        enableForwarding: async () => {
          calls += 1;
          if (fail) throw new Error('sysctl failed');
        },
      },
      { ttlMs: 1000, now: () => t },
    );
    await host.enableForwarding();
    t = 999;
    await host.enableForwarding();
    expect(calls).toBe(1);
    t = 1000;
    fail = true;
    await expect(host.enableForwarding()).rejects.toThrow('sysctl failed');
    t = 1001;
    fail = false;
    await host.enableForwarding();
    await host.enableForwarding();
    expect(calls).toBe(3);
  });
});
