/**
 * VRRP state reporting for Keepalived 2.2.x: the adapter adds a
 * `global_defs` block that sends VRRP notify events to a FIFO read by the
 * shipped `vrrp-notify.sh`, which keeps one state file per instance and
 * group in a directory of our own (Keepalived's SIGUSR1/JSON dumps go to one
 * fixed path in /tmp shared by every instance on the host).
 * @module
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DaemonError } from '../system/daemon-error.js';

/** The VRRP state of one instance or sync group. */
export interface VrrpState {
  /** `INSTANCE` or `GROUP`. */
  readonly kind: 'INSTANCE' | 'GROUP';
  readonly name: string;
  /** `MASTER`, `BACKUP`, `FAULT`, `STOP`, ... as Keepalived reports it. */
  readonly state: string;
  /** Current priority (instances only). */
  readonly priority?: number;
}

/** The FIFO path inside `stateDir`. */
export function vrrpFifoPath(stateDir: string): string {
  return join(stateDir, 'vrrp-notify.fifo');
}

/**
 * The `global_defs` block appended to a rendered config. Keepalived accepts
 * several `global_defs` blocks; `fifo_write_vrrp_states_on_reload` refreshes
 * every state after a SIGHUP.
 */
export function vrrpNotifyBlock(stateDir: string, script: string): string {
  for (const p of [stateDir, script]) {
    if (/[\s"'\\]/.test(p)) {
      throw new DaemonError(
        'KEEPALIVED_BAD_PATH',
        'keepalived',
        `path ${JSON.stringify(p)} has blanks or quotes`,
        {
          hint: 'use a state directory and package path without spaces or quotes',
        },
      );
    }
  }
  return [
    '',
    '# Added by @wg-gateway/runtime: VRRP states to per-instance files.',
    'global_defs {',
    // Keepalived refuses to run scripts without these (as the rendered config does).
    '  enable_script_security',
    '  script_user root',
    `  vrrp_notify_fifo ${vrrpFifoPath(stateDir)}`,
    `  vrrp_notify_fifo_script "${script} ${stateDir}"`,
    '  fifo_write_vrrp_states_on_reload',
    '}',
    '',
  ].join('\n');
}

/** Read the state files `vrrp-notify.sh` keeps in `stateDir`; sorted by kind and name. */
export async function readVrrpStates(stateDir: string): Promise<VrrpState[]> {
  let names: string[];
  try {
    names = await readdir(stateDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: VrrpState[] = [];
  for (const file of names) {
    const m = /^(INSTANCE|GROUP)-(.+)\.state$/.exec(file);
    if (!m) continue;
    const text = await readFile(join(stateDir, file), 'utf8').catch(() => '');
    const [state = '', prio] = text.trim().split(/\s+/);
    if (state === '') continue;
    const priority = prio === undefined ? Number.NaN : Number(prio);
    out.push({
      kind: m[1] as 'INSTANCE' | 'GROUP',
      name: m[2] ?? '',
      state,
      ...(Number.isFinite(priority) ? { priority } : {}),
    });
  }
  return out.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}
