/**
 * Global command-line options and how they override the config file.
 * @module
 */

import { loadConfigFile } from './config-file.js';
import { CliError } from './errors.js';
import { parseExchangeSpec } from './runtime-section.js';
import type { BackendChoice, Settings } from './wiring.js';

/** Options every command accepts (commander's `optsWithGlobals()`). */
export interface GlobalOptions {
  readonly config: string;
  readonly backend?: BackendChoice;
  readonly exchange?: string;
  readonly state?: string;
  readonly logLevel: string;
  readonly json: boolean;
}

/**
 * Load the config file and apply the command-line overrides (`--backend`
 * beats `runtime.backend`, `--exchange` beats `runtime.exchange`, `--state`
 * beats `paths.state`). `forceBackend` wins over both (render, peerings);
 * `--backend dry-run` is refused unless `allowDryRun`.
 */
export async function loadSettings(
  globals: GlobalOptions,
  options: { allowDryRun?: boolean; forceBackend?: BackendChoice } = {},
): Promise<Settings> {
  const loaded = await loadConfigFile(globals.config);
  if (globals.backend === 'dry-run' && !options.allowDryRun) {
    throw new CliError('USAGE', '--backend dry-run is only for plan, render and peerings', {
      hint: 'use --backend wgquick or netlink',
      exitCode: 64,
    });
  }
  let runtime = loaded.runtime;
  if (globals.exchange !== undefined) {
    const spec = parseExchangeSpec(globals.exchange);
    if (typeof spec === 'string') {
      throw new CliError('USAGE', `--exchange ${JSON.stringify(globals.exchange)}: ${spec}`, {
        hint: 'e.g. --exchange dir:/var/lib/wg-gateway/exchange or --exchange etcd:https://10.0.0.5:2379',
        exitCode: 64,
      });
    }
    runtime = { ...runtime, exchange: spec };
  }
  const group =
    globals.state === undefined
      ? loaded.group
      : { ...loaded.group, paths: { ...loaded.group.paths, state: globals.state } };
  return {
    ...loaded,
    group,
    runtime,
    backend: options.forceBackend ?? globals.backend ?? runtime.backend,
  };
}
