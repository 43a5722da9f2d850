/**
 * A small embedding program: one reconcile of one unit whose gateway
 * configures WireGuard (wg-quick, userspace wireguard-go) and the nftables
 * rule set as its only daemon, exchanging peer data through a directory.
 * Run it inside the unit's network namespace:
 *
 *   node dist/reconcile-unit.js UNIT.json
 *
 * where UNIT.json is `{ "config": <group config>, "exchangeDir": "...", "rulesetFile": "..." }`.
 * Prints the report as JSON; exits 1 when the reconcile failed.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { WgQuickBackend } from '@wg-gateway/backend-wgquick';
import { Gateway, NodeKeySource, parseGroupConfig } from '@wg-gateway/core';
import { DirectoryExchange, FileStateStore } from '@wg-gateway/runtime';
import { NftablesConfigurator } from './nftables-configurator.js';
import { nftablesDaemon } from './nftables-daemon.js';

interface UnitFile {
  readonly config: unknown;
  readonly exchangeDir: string;
  readonly rulesetFile: string;
}

async function main(path: string): Promise<number> {
  const unit = JSON.parse(await readFile(path, 'utf8')) as UnitFile;
  const config = parseGroupConfig(unit.config, path);
  const backend = new WgQuickBackend({ configDir: config.paths.wireguardDir, userspace: 'wireguard-go' });
  const exchange = new DirectoryExchange(unit.exchangeDir);
  const nftables = new NftablesConfigurator({ configPath: unit.rulesetFile });
  const gateway = new Gateway({
    config,
    state: new FileStateStore(config.paths.state),
    exchange,
    backend,
    daemons: [nftablesDaemon(nftables, { portRange: config.portRange })],
    clock: { now: () => Date.now() },
    keys: new NodeKeySource(),
  });
  try {
    const report = await gateway.reconcile();
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return report.ok ? 0 : 1;
  } finally {
    await Promise.allSettled([backend.close(), exchange.close()]);
  }
}

const file = process.argv[2];
if (file === undefined) {
  process.stderr.write('usage: reconcile-unit UNIT.json\n');
  process.exitCode = 2;
} else {
  process.exitCode = await main(file);
}
