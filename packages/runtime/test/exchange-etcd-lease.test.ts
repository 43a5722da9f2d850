import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type EtcdProcess, startEtcd } from '@wg-gateway/testkit';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdExchange } from '../src/exchange/etcd-exchange.js';

const SRC = resolve(import.meta.dirname, '../src/exchange/etcd-exchange.ts');
const REPO = resolve(import.meta.dirname, '../../..');

let etcd: EtcdProcess;
let work: string;
const children: ChildProcess[] = [];
const exchanges: EtcdExchange[] = [];

beforeAll(async () => {
  etcd = await startEtcd();
  work = await mkdtemp(join(tmpdir(), 'we-lease-'));
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(exchanges.map((e) => e.close()));
  await etcd?.stop();
  await rm(work, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const open = (prefix: string, ttl = 10) => {
  const ex = new EtcdExchange({ endpoints: [etcd.endpoint], prefix, leaseTtlSeconds: ttl });
  exchanges.push(ex);
  return ex;
};

/** A separate node process that publishes as `site-b/0` and then idles until killed. */
async function startPublisher(prefix: string, ttl: number): Promise<ChildProcess> {
  const script = join(work, `publisher-${children.length}.mts`);
  await writeFile(
    script,
    `import { EtcdExchange } from ${JSON.stringify(SRC)};
const ex = new EtcdExchange({ endpoints: [${JSON.stringify(etcd.endpoint)}], prefix: ${JSON.stringify(prefix)}, leaseTtlSeconds: ${ttl} });
await ex.publish({ group: 'site-b', unit: 'site-b/0' }, { peerings: { ab: { 'ingress-address': '192.0.2.2' } }, group: {} });
process.stdout.write('published\\n');
setInterval(() => undefined, 60_000);
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const deadline = Date.now() + 30_000;
  while (!out.includes('published')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`publisher failed:\n${out}`);
    await sleep(50);
  }
  return child;
}

describe('EtcdExchange leases', () => {
  it('drops a unit whose process was SIGKILLed once its lease TTL has run out, and the watch sees it go', async () => {
    const prefix = '/wg-test/lease-kill/';
    const ttl = 2;
    const child = await startPublisher(prefix, ttl);
    const observer = open(prefix);
    const self = { group: 'site-a', unit: 'site-a/0' };
    expect((await observer.read(self, ['ab'])).peerings.ab).toEqual({
      'site-b/0': { 'ingress-address': '192.0.2.2' },
    });

    let calls = 0;
    const stop = observer.watch(self, ['ab'], () => {
      calls += 1;
    });
    // The watch reports itself once when established; wait for that first.
    for (let i = 0; i < 100 && calls === 0; i++) await sleep(50);
    await sleep(500);
    calls = 0;

    // Alive and kept alive: still there well past the TTL.
    await sleep(ttl * 1000 * 2);
    expect(Object.keys((await observer.read(self, ['ab'])).peerings.ab ?? {})).toEqual(['site-b/0']);
    expect(calls).toBe(0);

    const killedAt = Date.now();
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    let goneAfterMs = -1;
    for (let i = 0; i < 200; i++) {
      if (Object.keys((await observer.read(self, ['ab'])).peerings.ab ?? {}).length === 0) {
        goneAfterMs = Date.now() - killedAt;
        break;
      }
      await sleep(100);
    }
    expect(goneAfterMs).toBeGreaterThanOrEqual(0);
    // An expired lease is a missing entry, not a withdrawal.
    expect((await observer.read(self, ['ab'])).withdrawn.peerings.ab).toEqual({});
    for (let i = 0; i < 100 && calls === 0; i++) await sleep(50);
    expect(calls).toBeGreaterThan(0);
    stop();
    console.log(`etcd lease: SIGKILLed publisher gone after ${goneAfterMs} ms (TTL ${ttl} s)`);
  });

  it('keeps the data of a closed (not withdrawn) unit for its TTL, and withdraw() removes it at once', async () => {
    const prefix = '/wg-test/lease-close/';
    const a = open(prefix, 30);
    const b = open(prefix);
    const B = { group: 'site-b', unit: 'site-b/0' };
    await b.publish(B, { peerings: { ab: { 'ingress-address': '192.0.2.2' } }, group: {} });
    await b.close();
    const self = { group: 'site-a', unit: 'site-a/0' };
    expect(Object.keys((await a.read(self, ['ab'])).peerings.ab ?? {})).toEqual(['site-b/0']);

    const b2 = open(prefix);
    await b2.publish(B, { peerings: { ab: { 'ingress-address': '192.0.2.2' } }, group: {} });
    await b2.withdraw(B);
    const snap = await a.read(self, ['ab']);
    expect(snap.peerings.ab).toEqual({});
    expect(Object.keys(snap.withdrawn.peerings.ab ?? {})).toEqual(['site-b/0']);
  });

  it('publishes again on a fresh lease when etcd drops the lease behind its back', async () => {
    const prefix = '/wg-test/lease-lost/';
    const b = open(prefix, 2);
    const B = { group: 'site-b', unit: 'site-b/0' };
    await b.publish(B, { peerings: { ab: { 'ingress-address': '192.0.2.2' } }, group: {} });
    const admin = new Etcd3({ hosts: etcd.endpoint });
    try {
      const key = `${prefix}peerings/ab/site-b/site-b%2F0`;
      const before = (await admin.get(key).exec()).kvs[0]?.lease;
      expect(before).toBeDefined();
      await admin.leaseClient.leaseRevoke({ ID: before as string });
      expect(await admin.get(key).string()).toBeNull();
      // The keep-alive learns the lease is gone, and the exchange republishes.
      let after: string | undefined;
      for (let i = 0; i < 200 && after === undefined; i++) {
        after = (await admin.get(key).exec()).kvs[0]?.lease;
        if (after === undefined) await sleep(100);
      }
      expect(after).toBeDefined();
      expect(after).not.toBe(before);
    } finally {
      admin.close();
    }
  });
});
