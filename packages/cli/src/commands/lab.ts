/**
 * `wg-gateway lab up|status|exec|down`: hands its arguments, untouched, to
 * the lab's own command (`wg-gateway-lab`, package `@wg-gateway/lab`).
 *
 * The lab depends on the CLI (it starts `wg-gateway run` in every unit and
 * declares `@wg-gateway/cli` in its package.json); the CLI does not depend on
 * the lab, which would make a cycle. It finds the lab's bin at run time: on
 * PATH, through module resolution from its own install, or in a checkout.
 * @module
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
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
    resolvedLabBin(),
    // workspace checkout: packages/cli/dist/commands → packages/lab
    join(here, '../../../lab/dist/bin.js'),
    // installed: node_modules/@wg-gateway/cli/dist/commands → node_modules/@wg-gateway/lab
    join(here, '../../../../@wg-gateway/lab/dist/bin.js'),
  ].find((file): file is string => file !== undefined && usable(file, constants.R_OK));
  return script ? [process.execPath, script] : undefined;
}

/** The lab's bin script as resolved from this package (an install that has both). */
function resolvedLabBin(): string | undefined {
  try {
    const pkgFile = fileURLToPath(import.meta.resolve('@wg-gateway/lab/package.json'));
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { bin?: Record<string, string> };
    const bin = pkg.bin?.[LAB_BIN];
    return bin === undefined ? undefined : join(dirname(pkgFile), bin);
  } catch {
    return undefined;
  }
}

/**
 * Run the lab with `args` exactly as given (its own options such as
 * `--backend` or `exec NS -- cmd --config X` are never parsed here).
 * Resolves to its exit code.
 */
export async function runLab(args: readonly string[]): Promise<number> {
  const command = findLabCommand();
  if (!command) {
    throw new CliError('LAB_MISSING', 'the lab is not installed (no wg-gateway-lab found)', {
      hint: 'install @wg-gateway/lab next to @wg-gateway/cli, or run scripts/install.sh in a checkout',
    });
  }
  const [file, ...prefix] = command;
  const child = spawn(file as string, [...prefix, ...args], { stdio: 'inherit' });
  return new Promise<number>((resolve) => {
    child.on('error', () => resolve(EXIT.error));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? EXIT.error : EXIT.ok)));
  });
}

/** Options of the root program that take a value (for {@link labArguments}). */
const VALUE_OPTIONS = new Set(['-c', '--config', '--backend', '--exchange', '--state', '--log-level']);

/**
 * When `argv` (as `process.argv`) runs `lab` with arguments, those
 * arguments untouched; else undefined. Global options may come before `lab`.
 */
export function labArguments(argv: readonly string[]): string[] | undefined {
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i] as string;
    if (VALUE_OPTIONS.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    if (a !== 'lab') return undefined;
    const rest = argv.slice(i + 1);
    // `lab`, `lab --help`: our help, with examples, through commander.
    return rest.length === 0 || rest[0] === '--help' || rest[0] === '-h' ? undefined : rest;
  }
  return undefined;
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
      exit.code = await runLab(args);
    });
}
