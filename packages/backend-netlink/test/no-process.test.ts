/**
 * A steady reconcile's backend calls (observe, then facts) start no child
 * process: every child_process entry point is wrapped and counted. Read-only,
 * so it runs in the test's own network namespace.
 */
import { mustRunPrivileged } from '@wg-gateway/testkit';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { NetlinkBackend } from '../src/index.js';

const spawned = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:child_process', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:child_process')>();
  const counted =
    <F extends (...args: never[]) => unknown>(f: F) =>
    (...args: Parameters<F>) => {
      spawned.count += 1;
      return f(...args);
    };
  return {
    ...real,
    spawn: counted(real.spawn),
    execFile: counted(real.execFile),
    exec: counted(real.exec),
    fork: counted(real.fork),
    spawnSync: counted(real.spawnSync),
    execFileSync: counted(real.execFileSync),
    execSync: counted(real.execSync),
  };
});

describe.runIf(mustRunPrivileged())('netlink backend, steady state', () => {
  const backend = new NetlinkBackend({ mode: 'userspace' });
  afterAll(() => backend.close());

  it('observes and gathers facts without starting a process', async () => {
    const query = { pathMtuTo: ['127.0.0.1', '::1'], interfaceOf: ['127.0.0.2'], routerId: true };
    for (let i = 0; i < 3; i++) {
      await backend.observe();
      const f = await backend.facts(query);
      expect(f.pathMtu['127.0.0.1']).toBeGreaterThan(0);
    }
    expect(spawned.count).toBe(0);
  });
});
