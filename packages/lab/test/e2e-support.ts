/**
 * Shared support of the end-to-end tests: the backends to run, starting a
 * lab under the test prefix, reading unit files.
 */
import { readFile } from 'node:fs/promises';
import type { LinkRecord, UnitState } from '@wg-gateway/core';
import { uniquePrefix } from '@wg-gateway/testkit/netns';
import { expect } from 'vitest';
import { Lab, type LabBackend, type LabSpec, waitConverged } from '../src/index.js';

/** Backends every case runs with; `WG_GATEWAY_E2E_BACKENDS=netlink` narrows (developer use). */
export const BACKENDS: readonly LabBackend[] = (
  process.env.WG_GATEWAY_E2E_BACKENDS?.split(',') ?? ['wgquick', 'netlink']
).filter((b): b is LabBackend => b === 'wgquick' || b === 'netlink');

/** Namespace prefix base of these tests. */
export const TEST_PREFIX_BASE = 'wl';

const log = (line: string) => process.stdout.write(`${line}\n`);

/** Bring a lab up and wait until it converged; fails the test when it does not. */
export async function startLab(spec: LabSpec): Promise<Lab> {
  const lab = await Lab.up(spec, { prefix: uniquePrefix(TEST_PREFIX_BASE), onProgress: log });
  const r = await waitConverged(lab, { timeoutMs: 120_000, onProgress: log });
  log(
    `lab ${lab.prefix} (${spec.backend}) ${r.converged ? 'converged' : 'DID NOT converge'} in ${(r.ms / 1000).toFixed(1)} s`,
  );
  if (!r.converged) {
    await lab.down();
    expect.fail(
      `lab did not converge in 120 s:\n${JSON.stringify(
        r.status.map((s) => ({
          unit: s.unit,
          ifs: s.interfaces.length,
          want: s.expectedInterfaces,
          missing: s.missing,
          vrrp: s.vrrp.map((v) => v.state),
        })),
        null,
        1,
      )}`,
    );
  }
  return lab;
}

/** A unit's saved state (holds private keys: never print it). */
export async function unitState(lab: Lab, unit: string): Promise<UnitState> {
  return JSON.parse(await readFile(lab.paths(unit).state, 'utf8')) as UnitState;
}

/** Links of a unit that have an interface (open or half-closed). */
export async function liveLinks(lab: Lab, unit: string, peering?: string): Promise<LinkRecord[]> {
  const s = await unitState(lab, unit);
  return s.links.filter(
    (l) =>
      (l.status === 'open' || l.status === 'half-closed') && (peering === undefined || l.peering === peering),
  );
}

/** UDP ports listening in a unit's namespace. Equivalent to: `ss -Hlun`. */
export async function udpPorts(lab: Lab, unit: string): Promise<number[]> {
  const { stdout } = await lab.ns(unit).exec(['ss', '-Hlun']);
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[3] ?? '')
    .map((local) => local.slice(local.lastIndexOf(':') + 1))
    .filter((p) => /^\d+$/.test(p))
    .map(Number);
}

/** Every unit name of a lab. */
export function unitNames(lab: Lab): string[] {
  return lab.plan.sites.flatMap((s) => s.units.map((u) => u.name));
}

export { log };
