/**
 * Global command-line options and how they override the config file. The
 * gateway itself is built by `@wg-gateway/runtime` (`createGateway`'s parts);
 * this file only maps flags onto it.
 * @module
 */
import type { ComposedGateway, GatewayConfig, PreflightScope } from '@wg-gateway/runtime';
import { CliError } from './errors.js';

/** Backend choices on the command line; `dry-run` touches nothing (plan, render, peerings). */
export type BackendChoice = 'wgquick' | 'netlink' | 'dry-run';

/** Options every command accepts (commander's `optsWithGlobals()`). */
export interface GlobalOptions {
  readonly config: string;
  readonly backend?: BackendChoice;
  readonly exchange?: string;
  readonly state?: string;
  readonly logLevel: string;
  readonly json: boolean;
}

/** Options of {@link loadSettings}. */
export interface LoadOptions {
  /** Accept `--backend dry-run` (plan, render, peerings). */
  readonly allowDryRun?: boolean;
  /** Wins over `--backend` and `runtime.backend`. */
  readonly forceBackend?: BackendChoice;
}

// Runtime is imported on first use: it pulls in pino, prom-client and yaml,
// which `version`, `init` and `--help` never need.
const runtime = () => import('@wg-gateway/runtime');

/**
 * Load the config file and apply the command-line overrides (`--backend`
 * beats `runtime.backend`, `--exchange` beats `runtime.exchange`, `--state`
 * beats `paths.state`). `forceBackend` wins over both (render, peerings);
 * `--backend dry-run` is refused unless `allowDryRun`.
 */
export async function loadSettings(
  globals: GlobalOptions,
  options: LoadOptions = {},
): Promise<GatewayConfig> {
  const rt = await runtime();
  const loaded = await rt.loadGatewayConfig(globals.config);
  if (globals.backend === 'dry-run' && !options.allowDryRun) {
    throw new CliError('USAGE', '--backend dry-run is only for plan, render and peerings', {
      hint: 'use --backend wgquick or netlink',
      exitCode: 64,
    });
  }
  if (globals.exchange !== undefined) {
    const spec = rt.parseExchangeSpec(globals.exchange);
    if (typeof spec === 'string') {
      throw new CliError('USAGE', `--exchange ${JSON.stringify(globals.exchange)}: ${spec}`, {
        hint: 'e.g. --exchange dir:/var/lib/wg-gateway/exchange or --exchange etcd:https://10.0.0.5:2379',
        exitCode: 64,
      });
    }
  }
  const backend = options.forceBackend ?? globals.backend;
  return rt.withOverrides(loaded, {
    ...(backend === undefined ? {} : { backend }),
    ...(globals.exchange === undefined ? {} : { exchange: globals.exchange }),
    ...(globals.state === undefined ? {} : { state: globals.state }),
  });
}

/** Check root and programs for `command` (runtime's preflight, driven by the backend's capabilities). */
export async function checkHost(
  config: GatewayConfig,
  scope: PreflightScope,
  command: string,
): Promise<void> {
  (await runtime()).preflight(config, scope, command);
}

/** Load the settings, run preflight and wire the gateway: what every command that reads the host starts with. */
export async function openGateway(
  globals: GlobalOptions,
  command: string,
  scope: PreflightScope,
  options: LoadOptions = {},
): Promise<ComposedGateway> {
  const config = await loadSettings(globals, options);
  await checkHost(config, scope, command);
  return (await runtime()).composeGateway(config);
}
