/**
 * etcd for labs that use the etcd exchange: one member in the WAN namespace,
 * listening on the WAN bridge address every unit reaches.
 * @module
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LabError } from './lab-error.js';
import type { LabNamespace } from './lab-namespace.js';
import { waitFor } from './wait.js';

/**
 * Start etcd in `ns` and wait (bounded, 30 s) until `/health` answers.
 * Equivalent to: `etcd --data-dir DIR --listen-client-urls http://ADDR:2379 ...`.
 * Resolves to its pid.
 */
export async function startEtcd(ns: LabNamespace, dataDir: string, address: string): Promise<number> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const url = `http://${address}:2379`;
  const child = ns.spawnDetached(
    [
      'etcd',
      '--name',
      'lab',
      '--data-dir',
      join(dataDir, 'data'),
      '--listen-client-urls',
      url,
      '--advertise-client-urls',
      url,
      '--listen-peer-urls',
      'http://127.0.0.1:2380',
      '--initial-advertise-peer-urls',
      'http://127.0.0.1:2380',
      '--initial-cluster',
      'lab=http://127.0.0.1:2380',
    ],
    join(dataDir, 'etcd.log'),
  );
  const pid = child.pid;
  if (pid === undefined)
    throw new LabError('could not start etcd', 'install etcd (Debian: etcd-server)', { part: 'etcd' });
  const probe = `fetch('${url}/health').then(r=>r.json()).then(j=>process.exit(j.health==='true'?0:1),()=>process.exit(1))`;
  const healthy = await waitFor(async () => (await ns.tryExec([process.execPath, '-e', probe], 5000)).ok, {
    timeoutMs: 30_000,
    intervalMs: 300,
  });
  if (!healthy)
    throw new LabError(`etcd not healthy at ${url} after 30 s`, `see ${join(dataDir, 'etcd.log')}`, {
      part: 'etcd',
    });
  return pid;
}
