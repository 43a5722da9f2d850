/**
 * What a suite that needs root and real programs checks before it runs, and
 * how a caller opts out by name. A suite whose prerequisites are missing
 * FAILS, naming what is missing, unless `WG_GATEWAY_SKIP_SUITES` names it:
 * a CI job without root must not go green having tested nothing.
 * @module
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { type BackendProgram, WgGatewayError } from '@wg-gateway/core';

/** Environment variable holding the comma-separated names of suites to skip. */
export const SKIP_SUITES_ENV = 'WG_GATEWAY_SKIP_SUITES';

/** Whether the caller opted out of the suite `name` (`WG_GATEWAY_SKIP_SUITES=backend-system,...`). */
export function suiteSkipped(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return (env[SKIP_SUITES_ENV] ?? '')
    .split(',')
    .map((s) => s.trim())
    .includes(name);
}

/** Whether `program` is executable on `$PATH` (or at its absolute path). */
export function onPath(program: string, path = process.env.PATH ?? ''): boolean {
  const candidates = isAbsolute(program)
    ? [program]
    : path
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, program));
  return candidates.some((c) => {
    try {
      accessSync(c, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Programs every system suite runs besides the backend's own. */
export const SYSTEM_SUITE_PROGRAMS: readonly BackendProgram[] = [
  {
    program: 'wireguard-go',
    debianPackage: 'wireguard-go',
    why: 'WireGuard interfaces without the kernel module',
  },
  { program: 'wg', debianPackage: 'wireguard-tools', why: 'inspecting interfaces' },
  { program: 'ip', debianPackage: 'iproute2', why: 'namespaces and links' },
  { program: 'nsenter', debianPackage: 'util-linux', why: 'running the backend inside a namespace' },
  { program: 'unshare', debianPackage: 'util-linux', why: 'private mount namespaces' },
  { program: 'ping', debianPackage: 'iputils-ping', why: 'checking tunnels carry traffic' },
];

/** A suite's prerequisites are missing and the caller did not opt out. */
export class SuitePrerequisiteError extends WgGatewayError {
  readonly missing: readonly string[];
  constructor(suite: string, missing: readonly string[], packages: readonly string[]) {
    super('SUITE_PREREQUISITES', `[testkit] [${suite}] cannot run: missing ${missing.join(', ')}`, {
      hint: `${packages.length > 0 ? `apt-get install ${packages.join(' ')}; ` : ''}run as root; or opt out by name: ${SKIP_SUITES_ENV}=${suite}`,
    });
    this.missing = missing;
  }
}

/** What is missing to run `suite`: root and the programs given. */
export function missingPrerequisites(programs: readonly BackendProgram[]): {
  missing: string[];
  packages: string[];
} {
  const missing: string[] = [];
  const packages = new Set<string>();
  if (process.getuid?.() !== 0) missing.push('root');
  for (const p of programs) {
    if (missing.includes(p.program) || onPath(p.program)) continue;
    missing.push(p.program);
    packages.add(p.debianPackage);
  }
  return { missing, packages: [...packages] };
}

/** Throw {@link SuitePrerequisiteError} when something `suite` needs is missing. */
export function assertPrerequisites(suite: string, programs: readonly BackendProgram[]): void {
  const { missing, packages } = missingPrerequisites(programs);
  if (missing.length > 0) throw new SuitePrerequisiteError(suite, missing, packages);
}
