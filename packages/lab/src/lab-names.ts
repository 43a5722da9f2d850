/**
 * Ingress addresses by name in the lab: every unit publishes
 * `<unit>.lab.example` (RFC 2606's reserved `.example`), and every unit's
 * namespace sees the lab's own hosts file as `/etc/hosts` (a bind mount in
 * its private mount namespace), so the system resolver (`dns.lookup`,
 * getaddrinfo) answers from it. glibc reads the file on each lookup, and the
 * file is rewritten in place (same inode, which the bind mount shows), so a
 * moved unit's new address is seen at once.
 * @module
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Lab } from './lab.js';
import type { LabNamespace } from './lab-namespace.js';
import { saveRecord } from './lab-record.js';
import { findUnit, type TopologyPlan } from './topology.js';

/** The host name a unit publishes when the lab runs with `ingressNames`. */
export function ingressNameOf(unit: string): string {
  return `${unit}.lab.example`;
}

/** The lab's hosts file: every unit's name → its WAN address (`moved` overrides). */
export function hostsFileText(plan: TopologyPlan, moved: Readonly<Record<string, string>> = {}): string {
  const lines = ['127.0.0.1 localhost', '::1 localhost ip6-localhost ip6-loopback'];
  for (const site of plan.sites)
    for (const u of site.units) lines.push(`${moved[u.name] ?? u.wanAddress} ${ingressNameOf(u.name)}`);
  return `${lines.join('\n')}\n`;
}

/** Write the hosts file in place (truncate, same inode): bind mounts of it see the change. */
export async function writeHostsFile(file: string, text: string): Promise<void> {
  await writeFile(file, text, { mode: 0o644, flag: 'w' });
}

/** Show `file` as `/etc/hosts` inside `ns`. Equivalent to: `nsenter -t PID -n -m mount --bind FILE /etc/hosts`. */
export async function mountHostsFile(ns: LabNamespace, file: string): Promise<void> {
  await ns.exec(['mount', '--bind', file, '/etc/hosts']);
}

/**
 * Move a unit's WAN address (same /24) and point its name at the new one:
 * what a unit whose underlay address changes looks like to its peers. Its
 * processes keep running. Equivalent to: `ip addr del OLD/24 dev wan0` +
 * `ip addr add NEW/24 dev wan0` in the unit's namespace, then the hosts
 * file rewritten.
 */
export async function moveWanAddress(lab: Lab, unit: string, address: string): Promise<void> {
  const { unit: u } = findUnit(lab.plan, unit);
  const old = lab.record.movedWan?.[unit] ?? u.wanAddress;
  const ns = lab.ns(unit);
  await ns.exec(['ip', 'addr', 'del', `${old}/24`, 'dev', 'wan0']);
  await ns.exec(['ip', 'addr', 'add', `${address}/24`, 'dev', 'wan0']);
  const movedWan = { ...(lab.record.movedWan ?? {}), [unit]: address };
  lab.record = { ...lab.record, movedWan };
  await saveRecord(lab.record);
  if (lab.plan.ingressNames)
    await writeHostsFile(join(lab.record.dir, 'hosts'), hostsFileText(lab.plan, movedWan));
}
