/**
 * How the backend runs `wg`, `wg-quick` and `ip`: behind a small interface so
 * commands can be counted and tests can inject faults.
 * @module
 */
import { execFile } from 'node:child_process';

/** What a command printed. */
export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of one command. */
export interface CommandOptions {
  /** Extra environment variables (merged over the process environment). */
  readonly env?: Readonly<Record<string, string>>;
}

/** A command that exited non-zero, timed out or could not start. */
export class CommandFailure extends Error {
  readonly argv: readonly string[];
  readonly stderr: string;
  readonly exitCode: number | string | undefined;
  constructor(
    argv: readonly string[],
    stderr: string,
    exitCode: number | string | undefined,
    cause: unknown,
  ) {
    super(`${argv.join(' ')} failed (${exitCode ?? 'no exit code'})`, { cause });
    this.argv = argv;
    this.stderr = stderr;
    this.exitCode = exitCode;
  }
}

/** Runs one command; rejects with {@link CommandFailure}. */
export interface CommandRunner {
  run(argv: readonly string[], options?: CommandOptions): Promise<CommandOutput>;
}

/**
 * The default runner: `execFile` without a shell, stdin closed (never a
 * socket: `wg` reading `/dev/stdin` fails on one), a timeout, a large buffer.
 */
export class ExecFileRunner implements CommandRunner {
  readonly #timeoutMs: number;

  /** @param timeoutMs kill a command that runs longer than this. */
  constructor(timeoutMs = 30_000) {
    this.#timeoutMs = timeoutMs;
  }

  run(argv: readonly string[], options: CommandOptions = {}): Promise<CommandOutput> {
    const [file, ...args] = argv;
    if (file === undefined) return Promise.reject(new TypeError('empty command'));
    return new Promise((resolve, reject) => {
      const child = execFile(
        file,
        args,
        {
          timeout: this.#timeoutMs,
          maxBuffer: 64 * 1024 * 1024,
          ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
        },
        (error, stdout, stderr) => {
          if (error) {
            const code = (error as { code?: number | string }).code;
            reject(new CommandFailure(argv, String(stderr), code, error));
          } else resolve({ stdout: String(stdout), stderr: String(stderr) });
        },
      );
      child.stdin?.end();
    });
  }
}

/** Wraps a runner and counts the commands it starts (for reports and benchmarks). */
export class CountingRunner implements CommandRunner {
  /** Commands started so far. */
  count = 0;
  readonly #inner: CommandRunner;
  constructor(inner: CommandRunner) {
    this.#inner = inner;
  }
  run(argv: readonly string[], options?: CommandOptions): Promise<CommandOutput> {
    this.count += 1;
    return this.#inner.run(argv, options);
  }
}
