/**
 * The commander program: global options, every command, errors and exit codes.
 * @module
 */

import { WgGatewayError } from '@wg-gateway/core';
import { Command, CommanderError, Option } from 'commander';
import { EXIT, EXIT_CODES_HELP, examples, note } from './command-kit.js';
import { registerApply } from './commands/apply.js';
import { registerDecommission } from './commands/decommission.js';
import { registerInit } from './commands/init.js';
import { registerKeys } from './commands/keys.js';
import { labArguments, registerLab, runLab } from './commands/lab.js';
import { registerPeerings } from './commands/peerings.js';
import { registerPlan } from './commands/plan.js';
import { registerRender } from './commands/render.js';
import { registerRun } from './commands/run.js';
import { registerStatus } from './commands/status.js';
import { cliVersion, registerVersion } from './commands/version.js';
import { CliError } from './errors.js';
import { errorJson, printJson } from './output/json.js';

/** Build the program; the exit code of the command that ran lands in `exit.code`. */
export function buildProgram(exit: { code: number }): Command {
  const program = new Command('wg-gateway')
    .description(
      'Highly available WireGuard site-to-site gateways: WireGuard tunnels, BIRD OSPFv3, Keepalived VRRP',
    )
    .version(cliVersion(), '-V, --version', 'print the version')
    .option('-c, --config <file>', 'config file, YAML or JSON', '/etc/wg-gateway/config.yaml')
    .addOption(
      new Option(
        '--backend <name>',
        'WireGuard backend (overrides runtime.backend); dry-run: plan/render/peerings only',
      ).choices(['wgquick', 'netlink', 'dry-run']),
    )
    .option(
      '--exchange <spec>',
      'peer-data exchange, dir:PATH or etcd:URL[,URL] (overrides runtime.exchange)',
    )
    .option('--state <file>', 'state file (overrides paths.state)')
    .addOption(
      new Option('--log-level <level>', 'log level of run')
        .choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal'])
        .default('info'),
    )
    .option('--json', 'print one JSON document on stdout (and nothing else there)', false)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      `${EXIT_CODES_HELP}
${examples(
  'wg-gateway init --config ./gw.yaml',
  'wg-gateway --config ./gw.yaml plan --backend dry-run',
  'sudo wg-gateway apply',
  'sudo wg-gateway status --json',
)}`,
    );
  for (const register of [
    registerInit,
    registerPlan,
    registerApply,
    registerRun,
    registerStatus,
    registerRender,
    registerPeerings,
    registerKeys,
    registerLab,
    registerDecommission,
    registerVersion,
  ]) {
    register(program, exit);
  }
  // Subcommands inherit exit override and error display.
  for (const c of program.commands) c.exitOverride().showHelpAfterError('(add --help for usage)');
  return program;
}

/** Print an error the way `--json` asks: one JSON document on stdout, else text on stderr. */
function report(error: unknown, json: boolean): void {
  if (json) {
    printJson(errorJson(error));
    return;
  }
  if (error instanceof WgGatewayError) {
    note(`error: ${error.message}`);
    if (error.hint) note(`hint: ${error.hint}`);
    return;
  }
  note(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}

/** Run the CLI with `argv` (as `process.argv`); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const exit = { code: EXIT.ok };
  const json = argv.includes('--json');
  const program = buildProgram(exit);
  if (json) {
    // Under --json, commander's own messages go nowhere; the error is printed
    // as one JSON document below.
    program.configureOutput({ writeErr: () => {} });
    for (const c of program.commands) c.configureOutput({ writeErr: () => {} });
  }
  try {
    // The lab's arguments are the lab's: commander must not parse its
    // `--backend` or an `exec ... -- cmd --config X`.
    const lab = labArguments(argv);
    if (lab) return await runLab(lab);
    await program.parseAsync([...argv]);
    return exit.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with exit code 0.
      if (e.exitCode === 0) return EXIT.ok;
      if (json)
        printJson({
          ok: false,
          error: {
            code: 'USAGE',
            message: e.message.replace(/^error: /, ''),
            commander: e.code,
            hint: 'add --help for usage',
          },
        });
      return EXIT.usage;
    }
    report(e, json);
    return e instanceof CliError ? e.exitCode : EXIT.error;
  }
}
