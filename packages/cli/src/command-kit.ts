/**
 * What every command shares: its global options, the exit code it returns,
 * and how it is registered with commander.
 * @module
 */
import type { Command } from 'commander';
import type { GlobalOptions } from './global-options.js';

/** Exit codes of every command (documented in `--help` and docs/cli.md). */
export const EXIT = {
  /** Success; for `plan`: nothing to change. */
  ok: 0,
  /** An error: invalid config, missing tool or root, a failed reconcile. */
  error: 1,
  /** `plan` only: there are changes to apply. */
  changes: 2,
  /** Bad command-line usage. */
  usage: 64,
} as const;

/** The exit-code section of `wg-gateway --help`. */
export const EXIT_CODES_HELP = `
Exit codes:
  0   success (plan: nothing to change)
  1   error: invalid config, not root or a tool missing, a failed apply
  2   plan: there are changes to apply
  64  bad command-line usage`;

/** A command's body: resolves to its exit code. */
export type CommandBody<O> = (globals: GlobalOptions, options: O, args: readonly string[]) => Promise<number>;

/**
 * Attach `body` to `command`, recording its exit code in `exit.code`. The
 * options passed are the command's own; globals come from the root program.
 */
export function bindAction<O>(command: Command, exit: { code: number }, body: CommandBody<O>): Command {
  return command.action(async (...params: unknown[]) => {
    const cmd = params[params.length - 1] as Command;
    const globals = cmd.optsWithGlobals() as unknown as GlobalOptions;
    exit.code = await body(globals, cmd.opts() as O, cmd.args);
  });
}

/** Help text with examples, appended after a command's options. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}`;
}

/** Write text to stdout. */
export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Write a note to stderr (never mixed into stdout, so `--json` stays one document). */
export function note(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}
