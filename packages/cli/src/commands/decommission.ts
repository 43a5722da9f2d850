/**
 * `wg-gateway decommission`: take this unit out for good. Withdraws its data
 * from the exchange (the other sites close its links at once instead of
 * holding them for `remote-grace-seconds`) and deletes its WireGuard
 * interfaces. The state file, BIRD and Keepalived are left to the operator
 * (docs/decommissioning.md).
 * @module
 */
import type { Exchange, UnitAddress, WireGuardBackend } from '@wg-gateway/core';
import type { Command } from 'commander';
import { bindAction, EXIT, examples, out } from '../command-kit.js';
import { CliError } from '../errors.js';
import { openGateway } from '../global-options.js';
import { printJson } from '../output/json.js';

/** What `decommission` did (or, without `--yes`, would do). */
export interface DecommissionReport {
  readonly group: string;
  readonly unit: string;
  /** False without `--yes`: nothing was changed. */
  readonly done: boolean;
  /** The gateway's interfaces deleted (or to delete). */
  readonly interfaces: readonly string[];
  /** Interfaces whose deletion failed, with the error. */
  readonly failed: readonly { readonly name: string; readonly code: string; readonly message: string }[];
}

/**
 * Withdraw `self` from `exchange`, then delete every interface `backend`
 * owns. With `yes` false, only say what would be done. Throws when the
 * exchange cannot withdraw (nothing is deleted then).
 */
export async function decommission(
  parts: {
    readonly exchange: Exchange;
    readonly backend: Pick<WireGuardBackend, 'observe' | 'apply'>;
    readonly self: UnitAddress;
  },
  yes: boolean,
): Promise<DecommissionReport> {
  const { exchange, backend, self } = parts;
  const interfaces = (await backend.observe()).map((o) => o.name).sort();
  const base = { group: self.group, unit: self.unit, interfaces };
  if (!yes) return { ...base, done: false, failed: [] };
  if (!exchange.withdraw) {
    throw new CliError(
      'DECOMMISSION_UNSUPPORTED',
      'this exchange cannot withdraw a unit; nothing was changed',
      {
        hint: 'withdraw by hand as docs/decommissioning.md shows, then delete the interfaces',
      },
    );
  }
  // Withdraw first: deleting the tunnels of a unit the others still expect would only raise alarms there.
  await exchange.withdraw(self);
  const report = await backend.apply(interfaces.map((name) => ({ action: 'delete' as const, name })));
  const failed = report.results
    .filter((r) => !r.ok)
    .map((r) => ({ name: r.name, code: r.error?.code ?? 'APPLY_FAILED', message: r.error?.message ?? '' }));
  return { ...base, done: true, failed };
}

function text(r: DecommissionReport): string {
  const list = r.interfaces.length === 0 ? '(none)' : r.interfaces.join(' ');
  if (!r.done)
    return `Would withdraw unit ${r.unit} (group ${r.group}) from the exchange and delete its interfaces: ${list}\nNothing changed; add --yes to do it.\n`;
  const lines = [
    `Withdrew unit ${r.unit} (group ${r.group}) from the exchange.`,
    `Deleted interfaces: ${list}`,
  ];
  for (const f of r.failed) lines.push(`  FAILED ${f.name}: ${f.code} ${f.message}`);
  lines.push(
    'Next: stop BIRD and Keepalived (or remove their gateway config) and shred the state file; see docs/decommissioning.md.',
  );
  return `${lines.join('\n')}\n`;
}

/** Register `decommission`. */
export function registerDecommission(program: Command, exit: { code: number }): void {
  const cmd = program
    .command('decommission')
    .description(
      'take this unit out for good: withdraw its data from the exchange (the other sites close its links at once) and delete its WireGuard interfaces',
    )
    .option('--yes', 'do it (without it, only say what would be done)', false)
    .addHelpText(
      'after',
      `
Stop the service first (systemctl disable --now wg-gateway): a running
"wg-gateway run" would publish the unit again. The state file, BIRD and
Keepalived are left alone (docs/decommissioning.md).
Exit codes: 0 done (or dry), 1 an interface could not be deleted or an error.
${examples('sudo wg-gateway decommission', 'sudo wg-gateway decommission --yes')}`,
    );
  bindAction<{ yes: boolean }>(cmd, exit, async (globals, options) => {
    const wiring = await openGateway(globals, 'decommission', 'apply');
    try {
      const { group, unit } = wiring.config.group;
      const unlock = await wiring.state.lock();
      let report: DecommissionReport;
      try {
        report = await decommission(
          { exchange: wiring.exchange, backend: wiring.backend, self: { group, unit } },
          options.yes,
        );
      } finally {
        await unlock();
      }
      if (globals.json) printJson(report);
      else out(text(report));
      return report.failed.length === 0 ? EXIT.ok : EXIT.error;
    } finally {
      await wiring.close();
    }
  });
}
