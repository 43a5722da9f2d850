/**
 * Embedding wg-gateway in a Node program with `createGateway`: one config
 * document in, a wired gateway out. This program plans with the dry-run
 * backend (no root, nothing touched) and prints what `apply` would change.
 *
 * Run: node examples/embed/embed.ts [STATE_DIR]   (Node ≥ 22.18 strips the types)
 * Real use: backend `wgquick` or `netlink`, then `gw.gateway.reconcile()` or
 * `new GatewayDaemon({ config: gw.config }).run()` for the continuous loop.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGateway } from '@wg-gateway/runtime';

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'wg-gateway-embed-'));

// The same document a config file holds (kebab-case keys), built in code.
const document = {
  unit: 'site-a-0',
  group: 'site-a',
  'ingress-address': '192.0.2.10',
  'router-id': '192.0.2.10',
  'advertise-prefixes': ['198.18.0.0/24', '2001:db8:a::/48'],
  peerings: [{ id: 'a-b', role: 'initiator' }],
  paths: {
    state: join(dir, 'state.json'),
    'wireguard-dir': join(dir, 'wireguard'),
    'bird-config': join(dir, 'bird.conf'),
    'keepalived-config': join(dir, 'keepalived.conf'),
  },
  runtime: { backend: 'dry-run', exchange: `dir:${join(dir, 'exchange')}`, metrics: 'off' },
};

const gw = await createGateway(document);
try {
  const plan = await gw.gateway.plan();
  console.log(
    `unit ${gw.config.group.unit}: backend ${gw.backend.name}, exchange ${gw.config.runtime.exchange.kind}`,
  );
  console.log(`interface changes: ${plan.changes.length}`);
  const bird = plan.daemons.bird;
  console.log(
    `bird.conf: ${bird?.next?.split('\n').length ?? 0} lines (${bird?.installed === undefined ? 'new' : 'changed'})`,
  );
  console.log(`publish: ${JSON.stringify(plan.publish)}`);
} finally {
  await gw.close();
}
