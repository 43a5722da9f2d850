/**
 * `wg-gateway peerings`: each peering, its remote units and their problems.
 * @module
 */

import { type Problem, splitList } from '@wg-gateway/core';
import type { Command } from 'commander';
import { bindAction, EXIT, examples, out } from '../command-kit.js';
import { openGateway } from '../global-options.js';
import { problemLine } from '../output/changes.js';
import { printJson } from '../output/json.js';
import { formatTable } from '../output/table.js';

/** A remote unit as `peerings` shows it (public data only). */
export interface RemoteUnitRow {
  readonly unit: string;
  readonly ingressAddress: string | null;
  readonly prefixes: readonly string[];
  readonly publicKeys: number;
  readonly links: number;
  readonly problems: readonly Problem[];
}

/** One peering with its remote units. */
export interface PeeringRow {
  readonly id: string;
  readonly role: string;
  readonly remoteUnits: readonly RemoteUnitRow[];
  readonly problems: readonly Problem[];
}

/** Register `peerings`. */
export function registerPeerings(program: Command, exit: { code: number }): void {
  const cmd = program
    .command('peerings')
    .description('list peerings, the remote units seen in the exchange, and their problems (changes nothing)')
    .addHelpText('after', examples('wg-gateway peerings', 'wg-gateway peerings --json | jq ".[].problems"'));
  bindAction(cmd, exit, async (globals) => {
    const real = globals.backend !== undefined && globals.backend !== 'dry-run';
    const wiring = await openGateway(globals, 'peerings', 'observe', {
      allowDryRun: true,
      ...(real ? {} : { forceBackend: 'dry-run' }),
    });
    const settings = wiring.config;
    try {
      const { group } = settings;
      const snapshot = await wiring.exchange.read(
        { group: group.group, unit: group.unit },
        group.peerings.map((p) => p.id),
      );
      const state = await wiring.state.load();
      const plan = await wiring.gateway.plan();
      const rows: PeeringRow[] = group.peerings.map((p) => {
        const units = snapshot.peerings[p.id] ?? {};
        return {
          id: p.id,
          role: p.role,
          remoteUnits: Object.keys(units)
            .sort()
            .map((unit) => {
              const wire = units[unit] ?? {};
              return {
                unit,
                ingressAddress: wire['ingress-address'] ?? null,
                prefixes: splitList(wire['advertise-prefixes'] ?? ''),
                publicKeys: splitList(wire['public-keys'] ?? '').length,
                links: (state?.links ?? []).filter(
                  (l) => l.peering === p.id && l.peerUnit === unit && l.status !== 'closed',
                ).length,
                problems: plan.problems.filter((x) => x.peering === p.id && x.unit === unit),
              };
            }),
          problems: plan.problems.filter((x) => x.peering === p.id && x.unit === undefined),
        };
      });
      if (globals.json) {
        printJson(rows);
        return EXIT.ok;
      }
      for (const r of rows) {
        out(`Peering ${r.id} (${r.role}):`);
        out(
          formatTable(
            ['REMOTE UNIT', 'INGRESS', 'PREFIXES', 'KEYS', 'LINKS', 'PROBLEMS'],
            r.remoteUnits.map((u) => [
              u.unit,
              u.ingressAddress ?? '-',
              u.prefixes.join(' '),
              String(u.publicKeys),
              String(u.links),
              String(u.problems.length),
            ]),
          ),
        );
        for (const p of [...r.problems, ...r.remoteUnits.flatMap((u) => u.problems)])
          out(`  ${problemLine(p)}`);
      }
      if (rows.length === 0) out('no peerings configured');
      return EXIT.ok;
    } finally {
      await wiring.close();
    }
  });
}
