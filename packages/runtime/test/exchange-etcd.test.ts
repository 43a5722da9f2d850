import { type EtcdProcess, startEtcd } from '@wg-gateway/testkit';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll } from 'vitest';
import { EtcdExchange } from '../src/exchange/etcd-exchange.js';
import { encodeName } from '../src/exchange/exchange-keys.js';
import { describeExchangeConformance } from './exchange-conformance.js';

let etcd: EtcdProcess | undefined;
let raw: Etcd3 | undefined;
beforeAll(async () => {
  etcd = await startEtcd();
  raw = new Etcd3({ hosts: [etcd.endpoint] });
});
afterAll(async () => {
  raw?.close();
  await etcd?.stop();
});

const prefix = (space: string) => `/wg-test/${space}/`;

describeExchangeConformance(
  'etcd',
  async (space) => {
    if (!etcd) throw new Error('etcd did not start');
    return new EtcdExchange({ endpoints: [etcd.endpoint], prefix: prefix(space), leaseTtlSeconds: 10 });
  },
  {
    // etcd SIGKILLed; healing starts it again on the same ports and data dir.
    async outage() {
      const e = etcd as EtcdProcess;
      const back = e.restart(2000);
      for (let i = 0; i < 100 && e.process.exitCode === null && e.process.signalCode === null; i++)
        await new Promise((r) => setTimeout(r, 20));
      return () => back;
    },
    // What etcd does when a lease expires: revoke it, deleting its keys.
    async lose(space, self) {
      const ns = (raw as Etcd3).namespace(prefix(space));
      const tail = `/${encodeName('etcd', 'group', self.group)}/${encodeName('etcd', 'unit', self.unit)}`;
      const { kvs } = await ns.getAll().prefix('').exec();
      const leases = new Set(
        kvs.filter((kv) => kv.key.toString().endsWith(tail)).map((kv) => String(kv.lease)),
      );
      for (const id of leases) if (id !== '0') await ns.leaseClient.leaseRevoke({ ID: id });
    },
  },
);
