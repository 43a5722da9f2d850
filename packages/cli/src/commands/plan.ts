/**
 * `wg-gateway plan`: what `apply` would change, without changing anything.
 * @module
 */

import type { GatewayPlan } from '@wg-gateway/core';
import type { GatewayConfig } from '@wg-gateway/runtime';
import type { Command } from 'commander';
import { bindAction, EXIT, examples, out } from '../command-kit.js';
import { openGateway } from '../global-options.js';
import { changeJson, changeLine, DAEMON_TITLES, NOT_WANTED, problemLine } from '../output/changes.js';
import { unifiedDiff } from '../output/diff.js';
import { printJson } from '../output/json.js';

/** Where a daemon's config goes, for diff headers. */
function daemonFile(name: string, settings: GatewayConfig): string {
  const { paths } = settings.group;
  return name === 'bird' ? paths.birdConfig : name === 'keepalived' ? paths.keepalivedConfig : name;
}

/** A plan as JSON: no private key anywhere. One entry per daemon, keyed by its stage name. */
export function planJson(plan: GatewayPlan, settings: GatewayConfig): Record<string, unknown> {
  const daemons: Record<string, { enabled: boolean; changed: boolean; diff: string }> = {};
  for (const [name, d] of Object.entries(plan.daemons)) {
    const file = daemonFile(name, settings);
    daemons[name] = {
      enabled: d.next !== undefined,
      changed: d.installed !== d.next,
      diff: unifiedDiff(d.installed, d.next, { before: file, after: `${file} (new)` }),
    };
  }
  return {
    empty: plan.empty,
    backend: settings.runtime.backend,
    wireguard: plan.changes.map(changeJson),
    ...daemons,
    publish: plan.publish,
    problems: plan.problems,
  };
}

/** A plan as text: WireGuard changes, then each daemon's diff, then problems and a summary. */
export function planText(plan: GatewayPlan, settings: GatewayConfig): string {
  const j = planJson(plan, settings) as Record<string, { diff: string; enabled: boolean }>;
  const names = Object.keys(plan.daemons);
  const title = (n: string) => DAEMON_TITLES[n] ?? n;
  const parts: string[] = [];
  parts.push(`WireGuard (${settings.runtime.backend} backend):`);
  parts.push(
    plan.changes.length === 0 ? '  no changes' : plan.changes.map((c) => `  ${changeLine(c)}`).join('\n'),
  );
  for (const n of names) {
    const d = j[n] as { diff: string; enabled: boolean };
    parts.push(`${title(n)} (${daemonFile(n, settings)}):`);
    parts.push(
      d.diff === '' ? (d.enabled ? '  no changes' : `  not used${NOT_WANTED[n] ?? ''}`) : d.diff.trimEnd(),
    );
  }
  if (plan.problems.length > 0) {
    parts.push('Problems:');
    parts.push(plan.problems.map((p) => `  ${problemLine(p)}`).join('\n'));
  }
  const count = (a: string) => plan.changes.filter((c) => c.action === a).length;
  const daemonSummary = names.map((n) => `; ${title(n)} ${j[n]?.diff ? 'changes' : 'unchanged'}`).join('');
  parts.push(
    plan.empty
      ? 'Plan: nothing to change.'
      : `Plan: ${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete${daemonSummary}.`,
  );
  return `${parts.join('\n')}\n`;
}

/** Register `plan`. */
export function registerPlan(program: Command, exit: { code: number }): void {
  const cmd = program
    .command('plan')
    .description(
      'show what apply would change (WireGuard interfaces, BIRD and Keepalived configs); changes nothing',
    )
    .addHelpText(
      'after',
      `
Exit codes: 0 nothing to change, 2 changes to apply, 1 error.
With --backend dry-run nothing on the host is observed (no root needed): every
interface the state wants shows as to be created.
${examples('sudo wg-gateway plan', 'wg-gateway plan --backend dry-run --json | jq .wireguard')}`,
    );
  bindAction(cmd, exit, async (globals) => {
    const wiring = await openGateway(globals, 'plan', 'observe', { allowDryRun: true });
    const settings = wiring.config;
    try {
      const plan = await wiring.gateway.plan();
      if (globals.json) printJson(planJson(plan, settings));
      else out(planText(plan, settings));
      return plan.empty ? EXIT.ok : EXIT.changes;
    } finally {
      await wiring.close();
    }
  });
}
