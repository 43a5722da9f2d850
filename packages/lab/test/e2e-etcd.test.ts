/**
 * End-to-end with the etcd exchange (etcd started by the lab in the WAN
 * namespace), both backends: two sites of one unit converge and the clients
 * reach each other, IPv4 and IPv6.
 */
import { mustRunPrivileged } from '@wg-gateway/testkit/netns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, labStatus, pingMatrix } from '../src/index.js';
import { BACKENDS, log, startLab } from './e2e-support.js';

describe.runIf(mustRunPrivileged())('e2e: etcd exchange', () => {
  for (const backend of BACKENDS) {
    describe(`backend ${backend}`, () => {
      let lab: Lab;

      beforeAll(async () => {
        lab = await startLab({
          backend,
          exchange: 'etcd',
          sites: [
            { name: 'a', units: 1, prefixes: ['3fff::/20', '192.0.2.0/24'] },
            { name: 'b', units: 1, prefixes: ['2001:db8::/32', '198.51.100.0/24'] },
          ],
        });
      }, 180_000);

      afterAll(async () => {
        await lab?.down();
      }, 60_000);

      it('units exchange peer data through etcd: links, routes, client to client', async () => {
        expect(lab.record.etcdPid).toBeGreaterThan(0);
        for (const s of await labStatus(lab)) {
          expect(s.interfaces, s.unit).toHaveLength(2);
          expect(s.missing, s.unit).toEqual([]);
        }
        const r = await pingMatrix(lab, 20_000);
        log(r.lines.join('\n'));
        expect(r.ok).toBe(true);
      }, 90_000);
    });
  }
});
