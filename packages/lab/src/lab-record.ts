/**
 * Where a lab lives on disk and what `lab.json` remembers, so that later
 * `wg-gateway-lab status|exec|down` invocations find a lab `up` made.
 * @module
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LabError } from './lab-error.js';
import type { NamespaceRecord } from './lab-namespace.js';
import type { LabSpec, TopologyPlan } from './topology.js';

/** Root of every lab's directory (`WG_GATEWAY_LAB_ROOT`, default `/run/wg-gateway-lab`). */
export function labRoot(): string {
  return process.env.WG_GATEWAY_LAB_ROOT ?? '/run/wg-gateway-lab';
}

/** Default namespace prefix of labs a user brings up (tests use their own). */
export const DEFAULT_PREFIX_BASE = 'wgl-';

/** The persisted description of a running lab. */
export interface LabRecord {
  readonly prefix: string;
  readonly dir: string;
  readonly spec: LabSpec;
  readonly plan: TopologyPlan;
  readonly createdAt: string;
  /** Namespaces by role: `wan`, `<site>-lan`, `<site>-client`, `<unit>`. */
  readonly namespaces: Readonly<Record<string, NamespaceRecord>>;
  /** etcd's pid, when the lab runs one. */
  readonly etcdPid?: number;
  /** WAN addresses moved by {@link Lab.moveWanAddress}, by unit. */
  readonly movedWan?: Readonly<Record<string, string>>;
}

/** The directory of lab `prefix`. */
export function labDir(prefix: string): string {
  return join(labRoot(), prefix);
}

/** Save `lab.json` atomically. */
export async function saveRecord(record: LabRecord): Promise<void> {
  await mkdir(record.dir, { recursive: true, mode: 0o755 });
  const file = join(record.dir, 'lab.json');
  await writeFile(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o644 });
  await rename(`${file}.tmp`, file);
}

/** Load the lab `prefix`; throws {@link LabError} when there is none. */
export async function loadRecord(prefix: string): Promise<LabRecord> {
  try {
    return JSON.parse(await readFile(join(labDir(prefix), 'lab.json'), 'utf8')) as LabRecord;
  } catch (e) {
    throw new LabError(
      `no lab "${prefix}" under ${labRoot()}`,
      'run `wg-gateway-lab up` first, or pass --prefix',
      {
        cause: e,
        part: 'record',
      },
    );
  }
}

/** Prefixes of labs that have a directory (running or left by a crash). */
export async function listLabs(startsWith = ''): Promise<string[]> {
  const names = await readdir(labRoot()).catch(() => [] as string[]);
  return names.filter((n) => n.startsWith(startsWith)).sort();
}
