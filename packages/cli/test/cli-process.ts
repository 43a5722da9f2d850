/**
 * Runs the built CLI (`packages/cli/dist/bin.js`) as a child process, the way
 * an operator does, and collects its exit code and output.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built executable. */
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

/** What a finished CLI run gave. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runCli}. */
export interface RunOptions {
  /** Argv prefix, e.g. a namespace's `enter`. */
  readonly prefix?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

/** Fail early with a clear message when the CLI is not built. */
export function assertBuilt(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} missing: build first with npx tsc -b packages/cli`);
}

/** Start the CLI with `args`; the caller waits for it. */
export function startCli(args: readonly string[], options: RunOptions = {}): ChildProcess {
  const argv = [...(options.prefix ?? []), process.execPath, BIN, ...args];
  return spawn(argv[0] as string, argv.slice(1), {
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Collect a started CLI's output until it exits (killed after `timeoutMs`). */
export function waitCli(child: ChildProcess, timeoutMs = 60_000): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI did not exit within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Run the CLI to completion. */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  return waitCli(startCli(args, options), options.timeoutMs);
}

const made: string[] = [];

/** A fresh temporary directory, removed by {@link removeTempDirs}. */
export function tempDir(prefix = 'wg-gateway-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Remove every directory {@link tempDir} made (they may hold test private keys). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Write `text` to `dir/name` and return its path. */
export function writeIn(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
