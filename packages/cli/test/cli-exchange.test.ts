/**
 * `peerings` and `plan` read what remote units published, through each
 * exchange the CLI can be pointed at (`--exchange dir:...`, `etcd:...`).
 * The remote units are simulated by publishing through runtime's exchanges.
 */
import { join } from 'node:path';
import { type Exchange, NodeKeySource } from '@wg-gateway/core';
import { DirectoryExchange } from '@wg-gateway/runtime';
import { EtcdExchange } from '@wg-gateway/runtime/etcd';
// A real etcd on loopback ports, as the runtime's own tests start it.
import { type EtcdProcess, startEtcd } from '@wg-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, removeTempDirs, runCli, tempDir, writeIn } from './cli-process.js';

interface PeeringJson {
  id: string;
  remoteUnits: {
    unit: string;
    ingressAddress: string;
    prefixes: string[];
    publicKeys: number;
    problems: { code: string }[];
  }[];
}

for (const kind of ['dir', 'etcd'] as const) {
  describe(`the CLI through the ${kind} exchange`, { timeout: 120_000 }, () => {
    let etcd: EtcdProcess | undefined;
    let exchange: Exchange;
    let spec: string;
    let config: string;

    beforeAll(async () => {
      assertBuilt();
      const dir = tempDir();
      if (kind === 'etcd') {
        etcd = await startEtcd();
        spec = `etcd:${etcd.endpoint}`;
        exchange = new EtcdExchange({ endpoints: [etcd.endpoint], leaseTtlSeconds: 60 });
      } else {
        spec = `dir:${join(dir, 'exchange')}`;
        exchange = new DirectoryExchange(join(dir, 'exchange'));
      }
      config = writeIn(
        dir,
        'config.yaml',
        [
          'unit: a1',
          'group: site-a',
          'ingress-address: 198.51.100.1',
          'advertise-prefixes: [198.18.1.0/24]',
          'router-id: 198.51.100.1',
          'peerings: [{ id: a-b, role: initiator }]',
          'paths:',
          `  state: ${join(dir, 'state.json')}`,
          `  bird-config: ${join(dir, 'bird.conf')}`,
          `  keepalived-config: ${join(dir, 'keepalived.conf')}`,
          '',
        ].join('\n'),
      );
      const keys = new NodeKeySource();
      const [k1, k2] = [keys.generate().publicKey, keys.generate().publicKey];
      const peering = (wire: Record<string, string>) => ({ peerings: { 'a-b': wire }, group: {} });
      await exchange.publish(
        { group: 'site-b', unit: 'b1' },
        peering({
          'ingress-address': '198.51.100.2',
          'advertise-prefixes': '198.18.2.0/24',
          'public-keys': `${k1},${k2}`,
          'listen-ports': '',
        }),
      );
      await exchange.publish(
        { group: 'site-b', unit: 'b2' },
        peering({
          'ingress-address': '198.51.100.3',
          'advertise-prefixes': '198.18.2.0/24',
          'public-keys': 'not-a-key',
          'listen-ports': '',
        }),
      );
    });

    afterAll(async () => {
      await exchange?.close();
      await etcd?.stop();
      removeTempDirs();
    });

    it('peerings lists the remote units and the invalid one with its problem', async () => {
      const r = await runCli(['--config', config, '--exchange', spec, 'peerings', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const [p] = JSON.parse(r.stdout) as PeeringJson[];
      expect(p?.id).toBe('a-b');
      expect(p?.remoteUnits.map((u) => u.unit)).toEqual(['b1', 'b2']);
      expect(p?.remoteUnits[0]).toMatchObject({
        ingressAddress: '198.51.100.2',
        prefixes: ['198.18.2.0/24'],
        publicKeys: 2,
        problems: [],
      });
      expect(p?.remoteUnits[1]?.problems.map((x) => x.code)).toEqual(['PEER_DATA_INVALID']);
      const text = await runCli(['--config', config, '--exchange', spec, 'peerings']);
      expect(text.stdout).toMatch(/b2\s+198\.51\.100\.3\s+198\.18\.2\.0\/24\s+1\s+0\s+1/);
      expect(text.stdout).toMatch(/\[PEER_DATA_INVALID\] peering a-b, unit b2: /);
    });

    it('plan --backend dry-run shows the problem and exits 2', async () => {
      const r = await runCli([
        '--config',
        config,
        '--exchange',
        spec,
        'plan',
        '--backend',
        'dry-run',
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(2);
      const plan = JSON.parse(r.stdout) as { problems: { code: string; unit?: string }[] };
      expect(plan.problems).toEqual([expect.objectContaining({ code: 'PEER_DATA_INVALID', unit: 'b2' })]);
    });
  });
}
