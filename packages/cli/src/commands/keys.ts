/**
 * `wg-gateway keys rotate`: ask for a zero-downtime rotation of every key of
 * one peering (or all). Parsing and printing only: the request is runtime's
 * `rotateKeys()`, the rotation itself core's `rotation.ts`, run by the daemon.
 * @module
 */
import type { Command } from 'commander';
import { bindAction, EXIT, examples, out } from '../command-kit.js';
import { openGateway } from '../global-options.js';
import { printJson } from '../output/json.js';

/** Register `keys` and its subcommands. */
export function registerKeys(program: Command, exit: { code: number }): void {
  const keys = program.command('keys').description('WireGuard keys of this unit');
  const rotate = keys
    .command('rotate')
    .description(
      "replace every key of a peering (default: all peerings) without dropping traffic: one key at a time, each old key's links drained out of OSPF before it is retired",
    )
    .option('--peering <id>', 'rotate only this peering')
    .addHelpText(
      'after',
      `
The request is written to the state file; the running daemon (wg-gateway run)
carries it out from its next reconcile (SIGHUP, e.g. systemctl reload
wg-gateway, starts it at once). Progress: wg-gateway status. See docs/key-rotation.md.
${examples('sudo wg-gateway keys rotate', 'sudo wg-gateway keys rotate --peering a-b --json')}`,
    );
  bindAction<{ peering?: string }>(rotate, exit, async (globals, options) => {
    const wiring = await openGateway(globals, 'keys rotate', 'observe', {
      allowDryRun: true,
      forceBackend: 'dry-run',
    });
    try {
      const { rotateKeys } = await import('@wg-gateway/runtime');
      const records = await rotateKeys(
        wiring,
        options.peering === undefined ? {} : { peering: options.peering },
      );
      if (globals.json) printJson(records);
      else {
        for (const [id, r] of Object.entries(records))
          out(
            `peering ${id}: rotation of ${r.keys} key(s) requested at ${new Date(r.requestedAt).toISOString()}\n`,
          );
        out(
          'The running daemon carries it out from its next reconcile; follow it with `wg-gateway status`.\n',
        );
      }
      return EXIT.ok;
    } finally {
      await wiring.close();
    }
  });
}
