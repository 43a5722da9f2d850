/**
 * Checks before a gateway touches the system: root, and every program it
 * will run, each named with the Debian package that provides it. What the
 * backend needs comes from the {@link BackendRegistry} (its capabilities and
 * programs), never from its name.
 * @module
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { WgGatewayError } from '@wg-gateway/core';
import {
  type BackendRegistry,
  defaultBackendRegistry,
  type RequiredProgram,
  touchesHost,
} from './backend-registry.js';
import type { GatewayConfig } from './config-document.js';

/** What a command does to the system, which decides what it needs. */
export type PreflightScope = 'observe' | 'apply';

/** The host lacks root or a program a command needs. */
export class PreflightError extends WgGatewayError {
  /** What is missing, one entry each. */
  readonly missing: readonly string[];

  constructor(message: string, missing: readonly string[], hint: string) {
    super('PREFLIGHT_FAILED', `[runtime] ${message}`, { hint });
    this.missing = missing;
  }
}

/** Find `program` on `$PATH` (or check it directly when it is a path). */
export function findProgram(program: string, path = process.env.PATH ?? ''): string | undefined {
  const candidates = isAbsolute(program)
    ? [program]
    : path
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, program));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The programs `scope` needs under `config`. */
export function requiredPrograms(
  config: GatewayConfig,
  scope: PreflightScope,
  registry: BackendRegistry = defaultBackendRegistry,
): RequiredProgram[] {
  const { runtime: rt, group } = config;
  const programs: RequiredProgram[] = [...registry.get(rt.backend).capabilities(rt).programs];
  if (scope === 'apply') {
    programs.push({ program: 'sysctl', debianPackage: 'procps', why: 'IP forwarding, multipath hashing' });
    if (rt.host.mssClamping === 'on') {
      programs.push({
        program: 'nft',
        debianPackage: 'nftables',
        why: 'TCP MSS clamping (runtime.host.mss-clamping)',
      });
    }
    if (rt.bird.mode === 'process') {
      programs.push({ program: 'bird', debianPackage: 'bird2', why: 'OSPF routing' });
      programs.push({ program: 'birdc', debianPackage: 'bird2', why: 'reloading BIRD' });
    }
    if (group.vips.length > 0 && rt.keepalived.mode === 'process') {
      programs.push({ program: 'keepalived', debianPackage: 'keepalived', why: 'the VIPs (vips)' });
    }
    if (rt.bird.mode === 'systemd' || (group.vips.length > 0 && rt.keepalived.mode === 'systemd')) {
      programs.push({ program: 'systemctl', debianPackage: 'systemd', why: 'daemons in systemd mode' });
    }
  }
  return programs;
}

/** Whether this process runs as root. */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * Fail unless running as root with every needed program on `$PATH`. A
 * backend that touches no host (capabilities neither kernel nor userspace,
 * like the dry run) needs neither.
 * @throws {PreflightError} naming what is missing and how to install it.
 */
export function preflight(
  config: GatewayConfig,
  scope: PreflightScope,
  command: string,
  registry: BackendRegistry = defaultBackendRegistry,
): void {
  const rt = config.runtime;
  if (!touchesHost(registry.get(rt.backend).capabilities(rt))) return;
  if (!isRoot()) {
    throw new PreflightError(
      `${command} needs root (it manages network interfaces and daemons); running as uid ${process.getuid?.()}`,
      ['root'],
      `run it as root (sudo wg-gateway ${command} ...)${command === 'plan' ? ', or use plan --backend dry-run' : ''}`,
    );
  }
  const missing = requiredPrograms(config, scope, registry).filter(
    (t) => findProgram(t.program) === undefined,
  );
  if (missing.length === 0) return;
  const seen = new Set<string>();
  const names = missing.filter((t) => !seen.has(t.program) && seen.add(t.program));
  const packages = [...new Set(names.map((t) => t.debianPackage))];
  throw new PreflightError(
    `${command}: missing program${names.length > 1 ? 's' : ''} on PATH: ${names
      .map((t) => `${t.program} (${t.why}; Debian package ${t.debianPackage})`)
      .join(', ')}`,
    names.map((t) => t.program),
    `install with: apt-get install ${packages.join(' ')}`,
  );
}
