/**
 * Errors of the wg-quick backend: the command and its stderr, never a key.
 * @module
 */
import { WgGatewayError } from '@wg-gateway/core';
import { CommandFailure } from './command-runner.js';

// A WireGuard key as wg prints it: 32 bytes of base64.
const KEY_SHAPE = /[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=/g;

/**
 * Remove secrets from text meant for a message: every given private key, and
 * anything key-shaped that is not in `keep` (public keys worth showing).
 */
export function scrub(text: string, secrets: readonly string[], keep: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('(private key)');
  const allowed = new Set(keep);
  return out.replace(KEY_SHAPE, (m) => (allowed.has(m) ? m : '(key)'));
}

/** A system command of the backend failed. */
export class WgQuickError extends WgGatewayError {
  /** The command that failed (its arguments never hold a key). */
  readonly command: string;
  /** Its stderr, scrubbed. */
  readonly stderr: string;

  constructor(
    code: string,
    message: string,
    options: { command?: string; stderr?: string; hint?: string; cause?: unknown } = {},
  ) {
    super(code, `[backend-wgquick] [wgquick] ${message}`, {
      hint: options.hint ?? 'check the command and its stderr above; run it by hand to see more',
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.command = options.command ?? '';
    this.stderr = options.stderr ?? '';
  }
}

/**
 * Turn anything a command threw into a {@link WgQuickError} whose message
 * holds the command and its scrubbed stderr. The cause is a fresh error with
 * the same scrubbed text, never the raw one (its message may quote a key).
 */
export function commandError(e: unknown, secrets: readonly string[], hint?: string): WgQuickError {
  if (e instanceof WgQuickError) return e;
  if (e instanceof CommandFailure) {
    const command = e.argv.join(' ');
    // wireguard-go's box-drawn banner says nothing about the failure.
    const lines = e.stderr.split('\n').filter((l) => !/^[\u2500-\u257f]/.test(l));
    const stderr = scrub(lines.join('\n').trim(), secrets);
    const text = `command failed (exit ${e.exitCode ?? '?'}): ${command}${stderr ? `: ${stderr}` : ''}`;
    return new WgQuickError('BACKEND_COMMAND_FAILED', text, {
      command,
      stderr,
      cause: new Error(text),
      ...(hint === undefined ? {} : { hint }),
    });
  }
  const text = scrub(e instanceof Error ? e.message : String(e), secrets);
  return new WgQuickError('BACKEND_FAILED', text, { cause: new Error(text), ...(hint ? { hint } : {}) });
}
