import { type EtcdProcess, startEtcd } from '@wg-gateway/testkit';
import { afterAll, beforeAll } from 'vitest';
import { EtcdExchange } from '../src/exchange/etcd-exchange.js';
import { describeExchangeConformance } from './exchange-conformance.js';

let etcd: EtcdProcess | undefined;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.stop();
});

describeExchangeConformance('etcd', async (space) => {
  if (!etcd) throw new Error('etcd did not start');
  return new EtcdExchange({ endpoints: [etcd.endpoint], prefix: `/wg-test/${space}/`, leaseTtlSeconds: 10 });
});
