/**
 * `wg-gateway lab up|status|exec|down`: hands its arguments to the lab's own
 * command (`wg-gateway-lab`, package `@wg-gateway/lab`). The CLI does not
 * import the lab (nothing imports it); it runs the lab's binary.
 * @module
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { EXIT, examples } from '../command-kit.js';
import { CliError } from '../errors.js';

const LAB_BIN = 'wg-gateway-lab';

/**
 * How to run the lab's command: `wg-gateway-lab` on PATH, else the lab
 * package's bin script next to this install (a workspace checkout's
 * packages/lab, or node_modules/@wg-gateway/lab), run with this node.
 */
export function findLabCommand(path = process.env.PATH ?? ''): string[] | undefined {
  const onPath = path
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, LAB_BIN))
    .find((file) => usable(file, constants.X_OK));
  if (onPath) return [onPath];
  const here = fileURLToPath(new URL('.', import.meta.url));
  const script = [
    // workspace checkout: packages/cli/dist/commands → packages/lab
    join(here, '../../../lab/dist/bin.js'),
    // installed: node_modules/@wg-gateway/cli/dist/commands → node_modules/@wg-gateway/lab
    join(here, '../../../../@wg-gateway/lab/dist/bin.js'),
  ].find((file) => usable(file, constants.R_OK));
  return script ? [process.execPath, script] : undefined;
}

function usable(file: string, mode: number): boolean {
  try {
    accessSync(file, mode);
    return true;
  } catch {
    return false;
  }
}

/** Register `lab`. */
export function registerLab(program: Command, exit: { code: number }): void {
  const cmd = program
    .command('lab')
    .description('a multi-site lab in network namespaces with real daemons (runs wg-gateway-lab)')
    .argument('[args...]', 'up | status | exec | down, and their options (see wg-gateway lab help)')
    .allowUnknownOption()
    .helpOption(false)
    .addHelpText(
      'after',
      examples(
        'sudo wg-gateway lab up',
        'sudo wg-gateway lab up --sites 2 --units 2 --backend netlink',
        'sudo wg-gateway lab status --json',
        'sudo wg-gateway lab exec a-cl -- ping -c 3 198.51.100.10',
        'sudo wg-gateway lab down --all',
      ),
    )
    .action(async (args: string[]) => {
      // Our help (with examples) for `lab --help`; `lab up --help` goes to the lab.
      if (args.length === 0 || args[0] === '--help' || args[0] === '-h') {
        cmd.outputHelp();
        exit.code = EXIT.ok;
        return;
      }
      const command = findLabCommand();
      if (!command) {
        throw new CliError('LAB_MISSING', 'the lab is not installed (no wg-gateway-lab found)', {
          hint: 'install @wg-gateway/lab next to @wg-gateway/cli, or run scripts/install.sh in a checkout',
        });
      }
      const [file, ...prefix] = command;
      const child = spawn(file as string, [...prefix, ...args], { stdio: 'inherit' });
      exit.code = await new Promise<number>((resolve) => {
        child.on('error', () => resolve(EXIT.error));
        child.on('exit', (code, signal) => resolve(code ?? (signal ? EXIT.error : EXIT.ok)));
      });
    });
}
