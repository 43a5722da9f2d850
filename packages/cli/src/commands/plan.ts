/**
 * `wg-gateway plan`: what `apply` would change, without changing anything.
 * @module
 */

import type { GatewayPlan } from '@wg-gateway/core';
import type { GatewayConfig } from '@wg-gateway/runtime';
import type { Command } from 'commander';
import { bindAction, EXIT, examples, out } from '../command-kit.js';
import { openGateway } from '../global-options.js';
import { changeJson, changeLine, problemLine } from '../output/changes.js';
import { unifiedDiff } from '../output/diff.js';
import { printJson } from '../output/json.js';

/** A plan as JSON: no private key anywhere. */
export function planJson(plan: GatewayPlan, settings: GatewayConfig): Record<string, unknown> {
  const { paths } = settings.group;
  return {
    empty: plan.empty,
    backend: settings.runtime.backend,
    wireguard: plan.changes.map(changeJson),
    bird: {
      changed: plan.bird.installed !== plan.bird.next,
      diff: unifiedDiff(plan.bird.installed, plan.bird.next, {
        before: paths.birdConfig,
        after: `${paths.birdConfig} (new)`,
      }),
    },
    keepalived: {
      enabled: plan.keepalived.next !== undefined,
      changed: plan.keepalived.installed !== plan.keepalived.next,
      diff: unifiedDiff(plan.keepalived.installed, plan.keepalived.next, {
        before: paths.keepalivedConfig,
        after: `${paths.keepalivedConfig} (new)`,
      }),
    },
    publish: plan.publish,
    problems: plan.problems,
  };
}

/** A plan as text: WireGuard changes, then the BIRD and Keepalived diffs, then problems and a summary. */
export function planText(plan: GatewayPlan, settings: GatewayConfig): string {
  const j = planJson(plan, settings) as {
    bird: { diff: string };
    keepalived: { diff: string; enabled: boolean };
  };
  const parts: string[] = [];
  parts.push(`WireGuard (${settings.runtime.backend} backend):`);
  parts.push(
    plan.changes.length === 0 ? '  no changes' : plan.changes.map((c) => `  ${changeLine(c)}`).join('\n'),
  );
  parts.push(`BIRD (${settings.group.paths.birdConfig}):`);
  parts.push(j.bird.diff === '' ? '  no changes' : j.bird.diff.trimEnd());
  parts.push(`Keepalived (${settings.group.paths.keepalivedConfig}):`);
  parts.push(
    j.keepalived.diff === ''
      ? j.keepalived.enabled
        ? '  no changes'
        : '  not used (no VIPs)'
      : j.keepalived.diff.trimEnd(),
  );
  if (plan.problems.length > 0) {
    parts.push('Problems:');
    parts.push(plan.problems.map((p) => `  ${problemLine(p)}`).join('\n'));
  }
  const count = (a: string) => plan.changes.filter((c) => c.action === a).length;
  parts.push(
    plan.empty
      ? 'Plan: nothing to change.'
      : `Plan: ${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete; BIRD ${j.bird.diff ? 'changes' : 'unchanged'}; Keepalived ${j.keepalived.diff ? 'changes' : 'unchanged'}.`,
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
