/**
 * The whole config file: core's group config plus the `runtime:` section,
 * validated together. Every error names the file, the field path, the bad
 * value and what is allowed; YAML syntax errors give line and column.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  ConfigError,
  formatIssues,
  type GroupConfig,
  parseGroupConfig,
  shorten,
  type ValidationIssue,
  WgGatewayError,
} from '@wg-gateway/core';
import { parseDocument } from 'yaml';
import { type BackendRegistry, defaultBackendRegistry } from './backend-registry.js';
import { parseExchangeSpec, parseRuntimeSection, type RuntimeSettings } from './runtime-section.js';

/** Default config file location. */
export const DEFAULT_CONFIG_PATH = '/etc/wg-gateway/config.yaml';

/** A validated config file: what {@link composeGateway} builds a gateway from. */
export interface GatewayConfig {
  /** Absolute path of the file read; undefined for a document given in memory. */
  readonly file: string | undefined;
  readonly group: GroupConfig;
  /** The `runtime:` section with defaults filled in; `backend` is the one to build. */
  readonly runtime: RuntimeSettings;
  /**
   * Whether the document sets `paths.route-check-script`; when it does not,
   * the script shipped in `@wg-gateway/runtime` is used.
   */
  readonly routeCheckScriptSet: boolean;
}

/** The config document is invalid or unreadable; nothing was applied. */
export class GatewayConfigError extends WgGatewayError {
  /** The config file, or `(document)` for one given in memory. */
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

/** Options of {@link parseGatewayConfig}. */
export interface ParseConfigOptions {
  /** File the document came from (for messages and relative paths). */
  readonly file?: string;
  /** Base of relative paths (default: the file's directory, else the working directory). */
  readonly base?: string;
  /** Backends `runtime.backend` may name (default: {@link defaultBackendRegistry}). */
  readonly registry?: BackendRegistry;
}

/**
 * Validate a config document (the parsed YAML/JSON: a plain object). The
 * `runtime:` section and the group config are checked together and every
 * issue of both is reported at once.
 * @throws {GatewayConfigError} naming each bad field, its value and what is allowed.
 */
export function parseGatewayConfig(document: unknown, options: ParseConfigOptions = {}): GatewayConfig {
  const file = options.file === undefined ? undefined : resolve(options.file);
  const label = file ?? '(document)';
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new GatewayConfigError(label, [
      { path: '(root)', value: shorten(document), message: 'must be a mapping of keys (unit, group, ...)' },
    ]);
  }
  const { runtime: runtimeRaw, ...groupRaw } = document as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  const base = options.base ?? (file === undefined ? process.cwd() : dirname(file));
  const runtime = parseRuntimeSection(runtimeRaw, base);
  if (Array.isArray(runtime))
    for (const i of runtime)
      issues.push({ path: i.path, value: i.value === undefined ? '' : shorten(i.value), message: i.message });
  // The backend name is checked even when other runtime fields are bad.
  const backend = Array.isArray(runtime)
    ? (runtimeRaw as { backend?: unknown } | undefined)?.backend
    : runtime.backend;
  const registry = options.registry ?? defaultBackendRegistry;
  if (
    typeof backend === 'string' &&
    !registry.has(backend) &&
    !issues.some((i) => i.path === 'runtime.backend')
  )
    issues.push({
      path: 'runtime.backend',
      value: shorten(backend),
      message: `unknown backend; known: ${registry.names().join(', ')}`,
    });
  let group: GroupConfig | undefined;
  try {
    group = parseGroupConfig(groupRaw, label);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    issues.push(...e.issues);
  }
  if (issues.length > 0 || group === undefined || Array.isArray(runtime))
    throw new GatewayConfigError(label, issues);
  const paths = groupRaw.paths as Record<string, unknown> | undefined;
  return { file, group, runtime, routeCheckScriptSet: paths?.['route-check-script'] !== undefined };
}

/** Parse YAML (JSON is YAML too) into a plain value; syntax errors carry line and column. */
export function parseConfigText(file: string, text: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const issues: ValidationIssue[] = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      const first = e.message.split('\n')[0] ?? e.message;
      return {
        path: pos ? `line ${pos.line}, column ${pos.col}` : 'syntax',
        value: '',
        message: `YAML syntax error: ${first.replace(/ at line \d+, column \d+:?$/, '')}`,
      };
    });
    throw new GatewayConfigError(file, issues);
  }
  return doc.toJS();
}

/** The config file cannot be read. */
export class ConfigUnreadableError extends WgGatewayError {
  constructor(file: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException).code;
    super('CONFIG_UNREADABLE', `[runtime] cannot read config file ${file}: ${code ?? String(cause)}`, {
      cause,
      hint:
        code === 'ENOENT'
          ? 'create one with `wg-gateway init --config FILE`, or pass --config FILE'
          : code === 'EACCES'
            ? 'the file is not readable by this user: run as root (sudo) or fix its permissions'
            : 'check the file and its permissions',
    });
  }
}

/**
 * Read and validate the config file at `path` (YAML or JSON).
 * @throws {GatewayConfigError} when it is invalid; {@link ConfigUnreadableError} when it cannot be read.
 */
export async function loadGatewayConfig(
  path: string,
  options: Omit<ParseConfigOptions, 'file'> = {},
): Promise<GatewayConfig> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigUnreadableError(file, e);
  }
  return parseGatewayConfig(parseConfigText(file, text), { ...options, file });
}

/** What a command line (or an embedder) may override in a validated config. */
export interface ConfigOverrides {
  /** Backend name (beats `runtime.backend`); must be registered. */
  readonly backend?: string;
  /** `dir:PATH` or `etcd:URL[,URL]` (beats `runtime.exchange`). */
  readonly exchange?: string;
  /** State file (beats `paths.state`). */
  readonly state?: string;
}

/**
 * `config` with `overrides` applied.
 * @throws {GatewayConfigError} naming the override that is invalid.
 */
export function withOverrides(
  config: GatewayConfig,
  overrides: ConfigOverrides,
  registry: BackendRegistry = defaultBackendRegistry,
): GatewayConfig {
  const issues: ValidationIssue[] = [];
  let runtime = config.runtime;
  if (overrides.exchange !== undefined) {
    const spec = parseExchangeSpec(overrides.exchange);
    if (typeof spec === 'string') issues.push({ path: 'exchange', value: overrides.exchange, message: spec });
    else runtime = { ...runtime, exchange: spec };
  }
  if (overrides.backend !== undefined) {
    if (!registry.has(overrides.backend))
      issues.push({
        path: 'backend',
        value: overrides.backend,
        message: `unknown backend; known: ${registry.names().join(', ')}`,
      });
    else runtime = { ...runtime, backend: overrides.backend };
  }
  if (issues.length > 0) throw new GatewayConfigError('(overrides)', issues);
  const group =
    overrides.state === undefined
      ? config.group
      : { ...config.group, paths: { ...config.group.paths, state: overrides.state } };
  return { ...config, group, runtime };
}
