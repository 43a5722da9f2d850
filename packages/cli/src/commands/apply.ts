/**
 * `wg-gateway apply`: one reconcile, and a summary of what changed.
 * @module
 */
import type { Command } from 'commander';
import { bindAction, EXIT, examples, out } from '../command-kit.js';
import { openGateway } from '../global-options.js';
import { reportJson, reportText } from '../output/changes.js';
import { printJson } from '../output/json.js';

/** Register `apply`. */
export function registerApply(program: Command, exit: { code: number }): void {
  const cmd = program
    .command('apply')
    .description('reconcile once: keys, links, peer data, WireGuard interfaces, BIRD and Keepalived')
    .addHelpText(
      'after',
      `
Exit codes: 0 applied, 1 a stage failed (the report names it) or an error.
${examples('sudo wg-gateway apply', 'sudo wg-gateway --exchange dir:/srv/wg-exchange apply --json')}`,
    );
  bindAction(cmd, exit, async (globals) => {
    const wiring = await openGateway(globals, 'apply', 'apply');
    try {
      const report = await wiring.gateway.reconcile();
      if (globals.json) printJson(reportJson(report));
      else out(reportText(report));
      return report.ok ? EXIT.ok : EXIT.error;
    } finally {
      await wiring.close();
    }
  });
}
