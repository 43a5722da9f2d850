/**
 * The per-group etcd roles of docs/site-to-site.md, on a real etcd: each
 * group reads the whole prefix and writes only its own keys. A group can
 * publish, read the other group and withdraw; it cannot publish in the other
 * group's name.
 */
import { type EtcdProcess, startEtcd } from '@wg-gateway/testkit';
import { Etcd3, Range } from 'etcd3';
import { afterAll, describe, expect, it } from 'vitest';
import { EtcdExchange } from '../src/exchange/etcd-exchange.js';
import { ExchangeError } from '../src/exchange/exchange-error.js';

const PREFIX = '/wg-gateway/';
const PEERING = 'a-b';
const A = { group: 'site-a', unit: 'site-a/0' };
const B = { group: 'site-b', unit: 'site-b/0' };
const data = (ip: string) => ({ peerings: { [PEERING]: { 'ingress-address': ip } }, group: { mtu: '1420' } });

let etcd: EtcdProcess | undefined;
const exchanges: EtcdExchange[] = [];
afterAll(async () => {
  await Promise.all(exchanges.map((e) => e.close()));
  await etcd?.stop();
});

/** The guide's `etcdctl role grant-permission` lines, through the etcd3 client. */
async function createGroupRole(admin: Etcd3, group: string): Promise<void> {
  const role = admin.role(group);
  await role.create();
  await role.grant({ permission: 'Read', range: Range.prefix(PREFIX) });
  for (const p of [
    `groups/${group}/`,
    `withdrawn/groups/${group}/`,
    `peerings/${PEERING}/${group}/`,
    `withdrawn/peerings/${PEERING}/${group}/`,
  ])
    await role.grant({ permission: 'Readwrite', range: Range.prefix(`${PREFIX}${p}`) });
  await admin.user(group).create(`${group}-secret`);
  await admin.user(group).addRole(group);
}

describe('etcd roles per group (docs/site-to-site.md)', () => {
  it('lets a group write only its own keys', async () => {
    etcd = await startEtcd();
    const admin = new Etcd3({ hosts: etcd.endpoint });
    try {
      await admin.role('root').create();
      await admin.user('root').create('root-secret');
      await admin.user('root').addRole('root');
      await createGroupRole(admin, 'site-a');
      await createGroupRole(admin, 'site-b');
      await admin.auth.authEnable();
    } finally {
      admin.close();
    }
    const as = (group: string) => {
      const ex = new EtcdExchange({
        endpoints: [(etcd as EtcdProcess).endpoint],
        prefix: PREFIX,
        auth: { username: group, password: `${group}-secret` },
      });
      exchanges.push(ex);
      return ex;
    };
    const a = as('site-a');
    const b = as('site-b');
    await a.publish(A, data('192.0.2.1'));
    await b.publish(B, data('198.51.100.1'));
    expect((await a.read(A, [PEERING])).peerings[PEERING]).toEqual({
      'site-b/0': { 'ingress-address': '198.51.100.1' },
    });
    expect((await b.read(B, [PEERING])).peerings[PEERING]).toEqual({
      'site-a/0': { 'ingress-address': '192.0.2.1' },
    });

    // site-a's credential cannot publish in site-b's name.
    const forger = as('site-a');
    await expect(
      forger.publish({ group: 'site-b', unit: 'site-b/9' }, data('203.0.113.66')),
    ).rejects.toBeInstanceOf(ExchangeError);
    expect(Object.keys((await a.read(A, [PEERING])).peerings[PEERING] ?? {})).toEqual(['site-b/0']);

    // Withdrawing (markers, then the lease revoked) stays inside the group's keys.
    await a.withdraw(A);
    const seen = await b.read(B, [PEERING]);
    expect(seen.peerings[PEERING] ?? {}).toEqual({});
    expect(Object.keys(seen.withdrawn.peerings[PEERING] ?? {})).toEqual(['site-a/0']);
  });
});
