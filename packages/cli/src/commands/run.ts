/**
 * `wg-gateway run`: the daemon. Reconciles on peer-data changes (debounced),
 * on an interval and at start; serves metrics; SIGTERM/SIGINT stop it
 * cleanly, SIGHUP re-reads the config file.
 * @module
 */

import type { Command } from 'commander';
import { bindAction, EXIT, examples } from '../command-kit.js';
import { checkHost, type GlobalOptions, loadSettings } from '../global-options.js';
import { printJson } from '../output/json.js';

/** Run until SIGTERM/SIGINT; resolves to the exit code. The loop is runtime's `GatewayDaemon`. */
export async function runDaemon(globals: GlobalOptions): Promise<number> {
  const load = async () => {
    const config = await loadSettings(globals);
    await checkHost(config, 'apply', 'run');
    return config;
  };
  const config = await load();
  const { createLogger, GatewayDaemon } = await import('@wg-gateway/runtime');
  const logger = createLogger({
    level: globals.logLevel,
    destination: process.stderr,
    base: { group: config.group.group, unit: config.group.unit },
  });
  // SIGHUP re-reads the file with the same command-line overrides and checks.
  const daemon = new GatewayDaemon({ config, load, logger });
  const { reconciles } = await daemon.run();
  if (globals.json) printJson({ ok: true, reconciles });
  return EXIT.ok;
}

/** Register `run`. */
export function registerRun(program: Command, exit: { code: number }): void {
  const cmd = program
    .command('run')
    .description('run continuously: reconcile on peer-data changes and on an interval, serve metrics')
    .addHelpText(
      'after',
      `
Signals: SIGTERM/SIGINT finish the reconcile in flight and exit 0; SIGHUP re-reads
the config file and applies it when valid (an invalid one is logged and ignored).
Logs are JSON lines on stderr; metrics on runtime.metrics (default 127.0.0.1:9586).
${examples('sudo wg-gateway run', 'sudo wg-gateway --log-level debug run', 'sudo systemctl reload wg-gateway   # SIGHUP: re-read the config')}`,
    );
  bindAction(cmd, exit, (globals) => runDaemon(globals));
}
