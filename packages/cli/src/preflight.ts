/**
 * Checks before a command touches the system: root, and every program it
 * will run, each named with the Debian package that provides it.
 * @module
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { PreflightError } from './errors.js';
import type { Settings } from './wiring.js';

/** A program a command needs and the Debian package that installs it. */
export interface Tool {
  readonly program: string;
  readonly debianPackage: string;
  /** Why it is needed, for the message. */
  readonly why: string;
}

/** What a command does to the system, which decides what it needs. */
export type PreflightScope = 'observe' | 'apply';

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

/** The programs `scope` needs under `settings`. */
export function requiredTools(settings: Settings, scope: PreflightScope): Tool[] {
  const { runtime: rt, group } = settings;
  const tools: Tool[] = [
    { program: 'ip', debianPackage: 'iproute2', why: 'links and routes' },
    { program: 'wg', debianPackage: 'wireguard-tools', why: 'WireGuard interfaces' },
  ];
  if (settings.backend === 'wgquick') {
    tools.push({ program: 'wg-quick', debianPackage: 'wireguard-tools', why: 'the wgquick backend' });
  }
  if (rt.userspace !== undefined) {
    const pkg = rt.userspace.endsWith('wireguard-go') ? 'wireguard-go' : rt.userspace;
    tools.push({ program: rt.userspace, debianPackage: pkg, why: 'runtime.userspace' });
  }
  if (scope === 'apply') {
    tools.push({ program: 'sysctl', debianPackage: 'procps', why: 'IP forwarding' });
    if (rt.bird.mode === 'process') {
      tools.push({ program: 'bird', debianPackage: 'bird2', why: 'OSPF routing' });
      tools.push({ program: 'birdc', debianPackage: 'bird2', why: 'reloading BIRD' });
    }
    if (group.vips.length > 0 && rt.keepalived.mode === 'process') {
      tools.push({ program: 'keepalived', debianPackage: 'keepalived', why: 'the VIPs (vips)' });
    }
    if (rt.bird.mode === 'systemd' || (group.vips.length > 0 && rt.keepalived.mode === 'systemd')) {
      tools.push({ program: 'systemctl', debianPackage: 'systemd', why: 'daemons in systemd mode' });
    }
  }
  return tools;
}

/** Whether this process runs as root. */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * Fail unless running as root with every needed program on `$PATH`.
 * @throws {PreflightError} naming what is missing and how to install it.
 */
export function preflight(settings: Settings, scope: PreflightScope, command: string): void {
  if (settings.backend === 'dry-run') return;
  if (!isRoot()) {
    throw new PreflightError(
      `${command} needs root (it manages network interfaces and daemons); running as uid ${process.getuid?.()}`,
      ['root'],
      `run it as root (sudo wg-gateway ${command} ...)${command === 'plan' ? ', or use plan --backend dry-run' : ''}`,
    );
  }
  const missing = requiredTools(settings, scope).filter((t) => findProgram(t.program) === undefined);
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
