import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeState, StateError, type UnitState } from '@wg-gateway/core';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStateStore } from '../src/state/file-state-store.js';
import { CorruptStateError } from '../src/state/state-errors.js';

const root = await mkdtemp(join(tmpdir(), 'we-state-'));
afterAll(() => rm(root, { recursive: true, force: true }));
let seq = 0;
const newPath = () => join(root, `case-${seq++}`, 'nested', 'state.json');

/** A state with a (fake, well-formed) key pair and one link. */
function sampleState(portCounter: number): UnitState {
  return {
    keys: [
      {
        peering: 'ab',
        privateKey: 'YFx0Qq3SXhYxR1uo2pT2R6I3k8dAXW3cYkCb7tOsT3A=',
        publicKey: 'kQ4lWkCZPqvC5i1A2kA9yTJcT4dPmNrLqdU6b3hE0Bo=',
        retired: false,
        createdAt: 1_700_000_000_000,
      },
    ],
    links: [
      {
        peering: 'ab',
        peerUnit: 'site-b/0',
        status: 'open',
        publicKey: 'kQ4lWkCZPqvC5i1A2kA9yTJcT4dPmNrLqdU6b3hE0Bo=',
        port: 50001,
        peerPublicKey: 'cA1G2dC7bq8tqK6sJ4xv2M4Q2cN3o9a8pZQ5kVd3JXo=',
        peerEndpoint: '192.0.2.2:50002',
        peerPrefixes: ['198.51.100.0/24'],
        mtu: 1420,
        openedAt: 1_700_000_000_500,
      },
    ],
    portCounter,
    quarantine: [{ port: 50003, until: 1_700_000_300_000 }],
  };
}

const mode = async (p: string) => (await stat(p)).mode & 0o777;

describe('FileStateStore', () => {
  it('loads undefined before the first save, then round-trips the state', async () => {
    const store = new FileStateStore(newPath());
    expect(await store.load()).toBeUndefined();
    await store.save(sampleState(50005));
    expect(await store.load()).toEqual(sampleState(50005));
    expect(await new FileStateStore(store.path).load()).toEqual(sampleState(50005));
  });

  it('keeps the file and its previous version 0600 and creates the directory 0700', async () => {
    const store = new FileStateStore(newPath());
    await store.save(sampleState(50005));
    await store.save(sampleState(50007));
    expect(await mode(store.path)).toBe(0o600);
    expect(await mode(store.prevPath)).toBe(0o600);
    expect(await mode(join(store.path, '..'))).toBe(0o700);
    const release = await store.lock();
    expect(await mode(store.lockPath)).toBe(0o600);
    await release();
  });

  it('keeps the previous version as .prev, and an unchanged save rewrites nothing', async () => {
    const store = new FileStateStore(newPath());
    await store.save(sampleState(50001));
    await expect(stat(store.prevPath)).rejects.toThrow(/ENOENT/);
    await store.save(sampleState(50003));
    expect(decodeState(await readFile(store.prevPath, 'utf8'))).toEqual(sampleState(50001));
    const before = await stat(store.path);
    await store.save(sampleState(50003));
    expect((await stat(store.path)).ino).toBe(before.ino);
    expect(decodeState(await readFile(store.prevPath, 'utf8'))).toEqual(sampleState(50001));
    await store.save(sampleState(50005));
    expect(decodeState(await readFile(store.prevPath, 'utf8'))).toEqual(sampleState(50003));
    expect((await readdir(join(store.path, '..'))).sort()).toEqual(['state.json', 'state.json.prev']);
  });

  it('reports a corrupt file as a StateError naming it, and never overwrites it without reset()', async () => {
    const store = new FileStateStore(newPath(), { now: () => Date.UTC(2026, 0, 2, 3, 4, 5) });
    await store.save(sampleState(50001));
    await store.save(sampleState(50003));
    for (const garbage of [
      '{"keys": [',
      '[]',
      '{"version": 99}',
      '{"keys": [{}], "links": [], "portCounter": 1, "quarantine": []}',
    ]) {
      await writeFile(store.path, garbage);
      const err = await store.load().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CorruptStateError);
      expect(err).toBeInstanceOf(StateError);
      expect((err as CorruptStateError).code).toBe('STATE_INVALID');
      expect((err as Error).message).toContain(store.path);
      await expect(store.save(sampleState(50009))).rejects.toBeInstanceOf(CorruptStateError);
      expect(await readFile(store.path, 'utf8')).toBe(garbage);
    }
    // The good version before the corruption is still there to restore.
    expect(decodeState(await readFile(store.prevPath, 'utf8'))).toEqual(sampleState(50001));

    const aside = await store.reset(sampleState(50011));
    expect(aside).toBe(`${store.path}.corrupt-2026-01-02T03-04-05.000Z`);
    expect(await readFile(aside as string, 'utf8')).toContain('"keys": [{}]');
    expect(await mode(aside as string)).toBe(0o600);
    expect(await store.load()).toEqual(sampleState(50011));
  });

  it('never puts the private key in an error message', async () => {
    const store = new FileStateStore(newPath());
    await store.save(sampleState(50001));
    const text = await readFile(store.path, 'utf8');
    await writeFile(store.path, text.replace('"portCounter": 50001', '"portCounter": "x"'));
    const err = (await store.load().catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(CorruptStateError);
    expect(`${err.message} ${String(err.cause)}`).not.toContain(
      'YFx0Qq3SXhYxR1uo2pT2R6I3k8dAXW3cYkCb7tOsT3A=',
    );
  });
});
