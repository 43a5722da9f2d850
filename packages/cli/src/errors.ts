/**
 * Errors the CLI raises itself. Each says `[cli]`, what was wrong and what to do.
 * @module
 */
import { formatIssues, type ValidationIssue, WgGatewayError } from '@wg-gateway/core';

/** A failure of the command line tool, with an exit code. */
export class CliError extends WgGatewayError {
  /** Process exit code (1 unless said otherwise). */
  readonly exitCode: number;

  constructor(
    code: string,
    message: string,
    options: { hint?: string; cause?: unknown; exitCode?: number } = {},
  ) {
    super(code, `[cli] ${message}`, options);
    this.exitCode = options.exitCode ?? 1;
  }
}

/**
 * The config file is unreadable or invalid. Every issue names the field path,
 * the bad value and what is allowed; the message names the file.
 */
export class ConfigFileError extends CliError {
  /** The config file. */
  readonly file: string;
  readonly issues: readonly ValidationIssue[];

  constructor(file: string, issues: readonly ValidationIssue[], options: { cause?: unknown } = {}) {
    const lines = formatIssues(issues)
      .split('\n')
      .map((l) => `  ${file}: ${l}`)
      .join('\n');
    super('CONFIG_INVALID', `invalid config file ${file}:\n${lines}`, {
      hint: 'fix the fields named above (see `wg-gateway init` for a commented sample); nothing was changed',
      ...options,
    });
    this.file = file;
    this.issues = issues;
  }
}

/** The host lacks root or a tool a command needs. */
export class PreflightError extends CliError {
  /** What is missing, one entry each. */
  readonly missing: readonly string[];

  constructor(message: string, missing: readonly string[], hint: string) {
    super('PREFLIGHT_FAILED', message, { hint });
    this.missing = missing;
  }
}
