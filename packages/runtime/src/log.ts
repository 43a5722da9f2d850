/**
 * Structured JSON logs (pino) with private keys removed: by path for the
 * usual shapes, and by a deep scrub of every logged object for any field
 * whose name says it holds a private key.
 * @module
 */
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

/** What replaces a private key in a log line. */
export const REDACTED = '[redacted]';

/** Field names (any case, `_`/`-` ignored) that hold a private key. */
const PRIVATE_FIELD = /^privatekeys?$/i;

/** pino redaction paths for the shapes the gateway logs. */
export const REDACT_PATHS: readonly string[] = [
  'privateKey',
  'PrivateKey',
  'private_key',
  '*.privateKey',
  '*.PrivateKey',
  '*.private_key',
  '*[*].privateKey',
  'keys[*].privateKey',
  'state.keys[*].privateKey',
];

function scrub(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (value === null || typeof value !== 'object' || depth > 12) return value;
  if (seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1, seen));
  if (value instanceof Error) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = PRIVATE_FIELD.test(k.replaceAll(/[-_]/g, '')) ? REDACTED : scrub(v, depth + 1, seen);
  }
  return out;
}

/** A destination that removes private-key fields from each JSON line before passing it on. */
function scrubbingDestination(inner: DestinationStream): DestinationStream {
  return {
    write(line: string) {
      if (!/private_?-?key/i.test(line)) {
        inner.write(line);
        return;
      }
      try {
        inner.write(`${JSON.stringify(scrub(JSON.parse(line), 0, new WeakSet()))}\n`);
      } catch {
        // Not JSON (cannot happen with pino's serializer): drop the line rather than risk a key.
        inner.write(
          `${JSON.stringify({ msg: 'log line dropped: unparsable and mentions a private key' })}\n`,
        );
      }
    },
  };
}

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** pino level (default `info`, or `$WG_GATEWAY_LOG_LEVEL`). */
  readonly level?: string;
  /** `name` field of every line (default `wg-gateway`). */
  readonly name?: string;
  /** Where lines go (default stdout). */
  readonly destination?: DestinationStream;
  /** Fields on every line, e.g. `{ group, unit }`. */
  readonly base?: Record<string, unknown>;
}

/**
 * A pino logger writing one JSON object per line, never a private key:
 * fields named like `privateKey` are replaced by {@link REDACTED} at any depth.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const config: LoggerOptions = {
    name: options.name ?? 'wg-gateway',
    level: options.level ?? process.env.WG_GATEWAY_LOG_LEVEL ?? 'info',
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    formatters: { log: (obj) => scrub(obj, 0, new WeakSet()) as Record<string, unknown> },
    ...(options.base ? { base: options.base } : {}),
  };
  // Child bindings bypass the log formatter: scrub every finished line as well.
  return pino(config, scrubbingDestination(options.destination ?? pino.destination(1)));
}

export type { Logger };
