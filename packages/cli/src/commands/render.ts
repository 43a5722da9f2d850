/**
 * `wg-gateway render bird|keepalived|wireguard`: print what would be written.
 * @module
 */

import { renderWgQuickConfig } from '@wg-gateway/core';
import { Argument, type Command } from 'commander';
import { bindAction, EXIT, examples, note, out } from '../command-kit.js';
import { openGateway } from '../global-options.js';
import { printJson } from '../output/json.js';

/** What `render` can print. */
export type RenderTarget = 'bird' | 'keepalived' | 'wireguard';

/** Placeholder for a private key that is not shown. */
export const HIDDEN = '(hidden)';

/** Replace the value of every `PrivateKey =` line. */
export function hidePrivateKeys(text: string): string {
  return text.replace(/^(\s*PrivateKey\s*=\s*).*$/gm, `$1${HIDDEN}`);
}

/** Register `render`. */
export function registerRender(program: Command, exit: { code: number }): void {
  const cmd = program
    .command('render')
    .description('print the config files apply would write (reads state and peer data; changes nothing)')
    .addArgument(new Argument('<what>', 'which config').choices(['bird', 'keepalived', 'wireguard']))
    .option('--show-secrets', 'print WireGuard private keys (otherwise shown as (hidden))', false)
    .addHelpText(
      'after',
      `
Uses no host facts unless --backend wgquick|netlink is given (then it needs root).
${examples('wg-gateway render bird > /tmp/bird.conf && bird -p -c /tmp/bird.conf', 'wg-gateway render wireguard', 'sudo wg-gateway render wireguard --show-secrets   # private keys!')}`,
    );
  bindAction<{ showSecrets: boolean }>(cmd, exit, async (globals, options, args) => {
    const what = args[0] as RenderTarget;
    const real = globals.backend !== undefined && globals.backend !== 'dry-run';
    const wiring = await openGateway(globals, 'render', 'observe', {
      allowDryRun: true,
      ...(real ? {} : { forceBackend: 'dry-run' }),
    });
    const settings = wiring.config;
    try {
      const plan = await wiring.gateway.plan();
      if (what === 'bird') {
        if (globals.json) printJson({ file: settings.group.paths.birdConfig, text: plan.daemons.bird?.next });
        else process.stdout.write(plan.daemons.bird?.next ?? '');
        return EXIT.ok;
      }
      if (what === 'keepalived') {
        const text = plan.daemons.keepalived?.next;
        if (globals.json)
          printJson({
            file: settings.group.paths.keepalivedConfig,
            enabled: text !== undefined,
            text: text ?? null,
          });
        else if (text === undefined) note('no VIPs configured: Keepalived is not used (nothing to render)');
        else process.stdout.write(text);
        return EXIT.ok;
      }
      const files = plan.desired.interfaces.map((i) => {
        const text = renderWgQuickConfig(i);
        return {
          file: `${settings.group.paths.wireguardDir}/${i.name}.conf`,
          text: options.showSecrets ? text : hidePrivateKeys(text),
        };
      });
      if (options.showSecrets)
        note('WARNING: this output contains WireGuard private keys; do not share or log it');
      else if (files.length > 0)
        note(`PrivateKey values shown as ${HIDDEN}; pass --show-secrets to include them`);
      if (files.length === 0) note('no WireGuard interfaces (no open links yet)');
      if (globals.json) printJson({ files });
      else if (files.length > 0) out(files.map((f) => `# ${f.file}\n${f.text}`).join('\n'));
      return EXIT.ok;
    } finally {
      await wiring.close();
    }
  });
}
