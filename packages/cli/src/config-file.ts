/**
 * Reading the config file: YAML or JSON, core's group config plus the CLI's
 * own `runtime:` section. Every error names the file, the field path, the
 * bad value and what is allowed; YAML syntax errors give line and column.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  ConfigError,
  type GroupConfig,
  parseGroupConfig,
  shorten,
  type ValidationIssue,
} from '@wg-gateway/core';
import { parseDocument } from 'yaml';
import { CliError, ConfigFileError } from './errors.js';
import { parseRuntimeSection, type RuntimeSettings } from './runtime-section.js';

/** Default config file location. */
export const DEFAULT_CONFIG_PATH = '/etc/wg-gateway/config.yaml';

/** A validated config file. */
export interface LoadedConfig {
  /** Absolute path of the file read. */
  readonly file: string;
  readonly group: GroupConfig;
  readonly runtime: RuntimeSettings;
  /**
   * Whether the file sets `paths.route-check-script`; when it does not, the
   * script shipped in `@wg-gateway/runtime` is used (see wiring).
   */
  readonly routeCheckScriptSet: boolean;
}

/** Parse YAML (JSON is YAML too) into a plain value; syntax errors carry line and column. */
function parseText(file: string, text: string): unknown {
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
    throw new ConfigFileError(file, issues);
  }
  return doc.toJS();
}

/**
 * Validate a config file's text. The `runtime:` section is checked here and
 * removed; the rest goes to `parseGroupConfig`. Issues of both are reported
 * together.
 * @throws {ConfigFileError} naming the file, each field, its value and what is allowed.
 */
export function parseConfigText(file: string, text: string): LoadedConfig {
  const raw = parseText(file, text);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigFileError(file, [
      { path: '(root)', value: shorten(raw), message: 'must be a mapping of keys (unit, group, ...)' },
    ]);
  }
  const { runtime: runtimeRaw, ...groupRaw } = raw as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  const runtime = parseRuntimeSection(runtimeRaw, dirname(file));
  if (Array.isArray(runtime)) {
    for (const i of runtime)
      issues.push({ path: i.path, value: i.value === undefined ? '' : shorten(i.value), message: i.message });
  }
  let group: GroupConfig | undefined;
  try {
    group = parseGroupConfig(groupRaw, file);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    issues.push(...e.issues);
  }
  if (issues.length > 0 || group === undefined || Array.isArray(runtime))
    throw new ConfigFileError(file, issues);
  const paths = groupRaw.paths as Record<string, unknown> | undefined;
  return { file, group, runtime, routeCheckScriptSet: paths?.['route-check-script'] !== undefined };
}

/**
 * Read and validate the config file at `path`.
 * @throws {ConfigFileError} when it is invalid; {@link CliError} `CONFIG_UNREADABLE` when it cannot be read.
 */
export async function loadConfigFile(path: string): Promise<LoadedConfig> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError('CONFIG_UNREADABLE', `cannot read config file ${file}: ${code ?? String(e)}`, {
      cause: e,
      hint:
        code === 'ENOENT'
          ? 'create one with `wg-gateway init --config FILE`, or pass --config FILE'
          : 'check the file permissions',
    });
  }
  return parseConfigText(file, text);
}
