/**
 * Running external commands (bird, birdc, keepalived, sysctl, systemctl),
 * optionally through an argv prefix such as `nsenter -t PID -n -m --` so the
 * lab and the tests can run daemons inside a network namespace.
 * @module
 */
import { execFile } from 'node:child_process';

/** What a finished command left behind. */
export interface CommandResult {
  /** Exit code; 127 when the program could not be started, -1 when it was killed (timeout). */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** How to run commands. */
export interface CommandOptions {
  /** Argv prepended to every command, e.g. testkit's `netns.enter`. */
  readonly prefix?: readonly string[];
  /** Kill the command after this many ms (default 30 s). */
  readonly timeoutMs?: number;
}

/** Runs one command and resolves with its result; never rejects on a non-zero exit. */
export type CommandRunner = (
  argv: readonly string[],
  options?: { readonly input?: string },
) => Promise<CommandResult>;

/**
 * A {@link CommandRunner} that spawns `[...prefix, ...argv]` with no shell,
 * so arguments are never interpreted.
 */
export function commandRunner(options: CommandOptions = {}): CommandRunner {
  const prefix = options.prefix ?? [];
  const timeout = options.timeoutMs ?? 30_000;
  return (argv, runOptions = {}) =>
    new Promise((resolve) => {
      const [file, ...args] = [...prefix, ...argv];
      if (file === undefined) {
        resolve({ code: 127, stdout: '', stderr: 'empty command' });
        return;
      }
      const child = execFile(
        file,
        args,
        { timeout, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
        (error, stdout, stderr) => {
          if (!error) {
            resolve({ code: 0, stdout, stderr });
            return;
          }
          const e = error as NodeJS.ErrnoException & { code?: unknown; killed?: boolean };
          const code = typeof e.code === 'number' ? e.code : e.killed ? -1 : 127;
          resolve({ code, stdout: stdout ?? '', stderr: stderr || e.message });
        },
      );
      if (runOptions.input !== undefined) child.stdin?.end(runOptions.input);
    });
}

/** `a b 'c d'`: an argv for messages (not for a shell). */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(' ');
}

/** The combined output of a result, trimmed, for error messages. */
export function outputOf(result: CommandResult): string {
  return [result.stderr.trim(), result.stdout.trim()].filter(Boolean).join('\n');
}
