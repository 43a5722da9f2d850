/**
 * The event monitor behind the track files and the MSS clamping table: a
 * real `ip monitor route` in a namespace reports a route change once per
 * burst, nothing after stop; `nft monitor tables` reports a table added or
 * deleted; a monitor process that exits is started again (and reported as a
 * change).
 */
import { mustRunPrivileged } from '@wg-gateway/testkit';
import { describe, expect, it } from 'vitest';
import { EventMonitor } from '../src/system/event-monitor.js';
import { birdRoute, useRouteNamespace } from './support/route-namespace.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until `ok` holds, at most `ms`. */
async function until(ok: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (ok()) return true;
    await sleep(20);
  }
  return ok();
}

describe.runIf(mustRunPrivileged())('route monitor', () => {
  const namespace = useRouteNamespace('wrm', ['m0']);

  it('calls back once per burst of route changes, and not after stop', async () => {
    let calls = 0;
    const monitor = new EventMonitor({ onChange: () => calls++, prefix: namespace().enter, debounceMs: 100 });
    monitor.start();
    try {
      await sleep(300); // the monitor is listening
      expect(calls).toBe(0);
      for (const net of ['198.51.100.0/24', '203.0.113.0/24', '198.18.0.0/15'])
        await birdRoute(namespace(), 'add', net, 'm0');
      expect(await until(() => calls > 0, 3000)).toBe(true);
      await sleep(300);
      expect(calls).toBe(1);
    } finally {
      monitor.stop();
    }
    await birdRoute(namespace(), 'del', '198.51.100.0/24', 'm0');
    await sleep(300);
    expect(calls).toBe(1);
  });

  it('watches another event stream: nftables tables (MSS clamping is trusted between its events)', async () => {
    let calls = 0;
    const monitor = new EventMonitor({
      command: ['nft', 'monitor', 'tables'],
      onChange: () => calls++,
      prefix: namespace().enter,
    });
    monitor.start();
    try {
      await sleep(300);
      await namespace().exec(['nft', 'add', 'table', 'inet', 'wg_gateway_evtest']);
      expect(await until(() => calls > 0, 3000)).toBe(true);
      const seen = calls;
      await namespace().exec(['nft', 'delete', 'table', 'inet', 'wg_gateway_evtest']);
      expect(await until(() => calls > seen, 3000)).toBe(true);
    } finally {
      monitor.stop();
    }
  });

  it('starts a monitor process that exited again, and reports it as a change', async () => {
    let calls = 0;
    // A "monitor" that exits at once, every time.
    const monitor = new EventMonitor({ onChange: () => calls++, prefix: ['sh', '-c', 'exit 3', '--'] });
    monitor.start();
    try {
      // Exits at 0 s and again after the 1 s backoff.
      expect(await until(() => calls >= 2, 4000)).toBe(true);
    } finally {
      monitor.stop();
    }
  });
});
