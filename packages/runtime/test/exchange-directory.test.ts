import { mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DirectoryExchange } from '../src/exchange/directory-exchange.js';
import { encodeName } from '../src/exchange/exchange-keys.js';
import { describeExchangeConformance, type ExchangeFaults } from './exchange-conformance.js';

const root = await mkdtemp(join(tmpdir(), 'we-dirx-'));
afterAll(() => rm(root, { recursive: true, force: true }));

/** Faults on a real directory: the root unreadable (a file in its place: ENOTDIR), a unit's files deleted. */
const faults = (mode: string): ExchangeFaults => ({
  async outage(space) {
    const dir = join(root, mode, space);
    await rename(dir, `${dir}.away`);
    await writeFile(dir, 'not a directory');
    return async () => {
      await rm(dir);
      await rename(`${dir}.away`, dir);
    };
  },
  async lose(space, self) {
    const dir = join(root, mode, space);
    const file = `${encodeName('directory', 'unit', self.unit)}.json`;
    const group = encodeName('directory', 'group', self.group);
    await rm(join(dir, 'groups', group, file), { force: true });
    for (const p of await readdir(join(dir, 'peerings')))
      await rm(join(dir, 'peerings', p, group, file), { force: true });
  },
});

describeExchangeConformance(
  'directory (fs.watch + poll)',
  async (space) => new DirectoryExchange(join(root, 'auto', space), { pollIntervalMs: 300 }),
  faults('auto'),
);
describeExchangeConformance(
  'directory (poll only)',
  async (space) =>
    new DirectoryExchange(join(root, 'poll', space), { watchMode: 'poll', pollIntervalMs: 200 }),
  faults('poll'),
);

describe('DirectoryExchange layout', () => {
  it('stores one JSON file per unit per peering and per group, with no temp files left', async () => {
    const dir = join(root, 'layout');
    const ex = new DirectoryExchange(dir);
    const self = { group: 'site-a', unit: 'site-a/0' };
    await ex.publish(self, {
      peerings: { 'ab-1': { 'ingress-address': '192.0.2.1' } },
      group: { mtu: '1420' },
    });
    const file = join(dir, 'peerings', 'ab-1', 'site-a', 'site-a%2F0.json');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ 'ingress-address': '192.0.2.1' });
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    expect(JSON.parse(await readFile(join(dir, 'groups', 'site-a', 'site-a%2F0.json'), 'utf8'))).toEqual({
      mtu: '1420',
    });
    expect(await readdir(join(dir, 'peerings', 'ab-1', 'site-a'))).toEqual(['site-a%2F0.json']);

    await ex.withdraw(self);
    expect(await readdir(join(dir, 'peerings', 'ab-1', 'site-a'))).toEqual(['site-a%2F0.withdrawn']);
    expect(await readdir(join(dir, 'groups', 'site-a'))).toEqual(['site-a%2F0.withdrawn']);
    await ex.close();
  });

  it('notices a change through inotify alone (the poll set far beyond the wait)', async () => {
    const dir = join(root, 'inotify');
    const a = new DirectoryExchange(dir, { pollIntervalMs: 600_000 });
    const b = new DirectoryExchange(dir, { pollIntervalMs: 600_000 });
    let calls = 0;
    a.watch({ group: 'g1', unit: 'u1' }, ['p'], () => {
      calls += 1;
    });
    await b.publish(
      { group: 'g2', unit: 'u2' },
      { peerings: { p: { 'ingress-address': '192.0.2.2' } }, group: {} },
    );
    for (let i = 0; i < 200 && calls === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBeGreaterThan(0);
    await Promise.all([a.close(), b.close()]);
  });

  it('removes temp files a dead writer left, once they are old, and keeps fresh ones', async () => {
    const dir = join(root, 'temps');
    const ex = new DirectoryExchange(dir);
    const self = { group: 'g1', unit: 'u1' };
    await ex.publish(self, { peerings: {}, group: { mtu: '1400' } });
    const groupDir = join(dir, 'groups', 'g1');
    const old = join(groupDir, 'u1.json.tmp-999999-dead');
    const fresh = join(groupDir, 'u1.json.tmp-999999-busy');
    await writeFile(old, '{"mtu": "1');
    await writeFile(fresh, '{"mtu": "1');
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    await utimes(old, twoMinutesAgo, twoMinutesAgo);
    await ex.publish(self, { peerings: {}, group: { mtu: '1380' } });
    expect((await readdir(groupDir)).sort()).toEqual(['u1.json', 'u1.json.tmp-999999-busy']);
    expect((await ex.read({ group: 'g1', unit: 'u2' }, [])).group).toEqual({ u1: { mtu: '1380' } });
    await ex.close();
  });

  it('reads a root that does not exist yet as empty (nothing published), and publish creates it', async () => {
    const dir = join(root, 'fresh', 'not-yet');
    const ex = new DirectoryExchange(dir);
    expect(await ex.read({ group: 'g1', unit: 'u1' }, ['p'])).toEqual({
      peerings: { p: {} },
      group: {},
      withdrawn: { peerings: { p: {} }, group: {} },
    });
    await ex.publish({ group: 'g1', unit: 'u1' }, { peerings: {}, group: {} });
    expect((await stat(dir)).isDirectory()).toBe(true);
    await ex.close();
  });

  it('hands a record that is not JSON to reconcile as invalid data instead of failing the read', async () => {
    const dir = join(root, 'garbage');
    const ex = new DirectoryExchange(dir);
    await ex.publish(
      { group: 'g2', unit: 'u2' },
      { peerings: { p: { 'ingress-address': '192.0.2.2' } }, group: {} },
    );
    await writeFile(join(dir, 'peerings', 'p', 'g2', 'u3.json'), '{not json');
    const snap = await ex.read({ group: 'g1', unit: 'u1' }, ['p']);
    expect(snap.peerings.p?.u2).toEqual({ 'ingress-address': '192.0.2.2' });
    expect(Object.keys(snap.peerings.p?.u3 ?? {})).toEqual(['wire-error']);
    await ex.close();
  });
});
