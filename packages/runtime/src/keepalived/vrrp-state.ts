/**
 * VRRP state reporting for Keepalived 2.2.x. The source of truth is
 * Keepalived's own JSON dump (`keepalived --signum=JSON`, written to
 * `$TMPDIR/keepalived.json`): asked for on every read, it holds every
 * configured instance's current state and effective priority, so nothing
 * depends on transitions that can be missed. In process mode the adapter
 * starts Keepalived with `TMPDIR` set to a directory of our own, so two
 * Keepalived processes on one host never overwrite each other's dumps.
 *
 * The notify FIFO (a `global_defs` block the adapter adds, read by the
 * shipped `vrrp-notify.sh`, one state file per instance and group) stays
 * as a fallback when no dump can be had (no pid known, dump not written
 * in time).
 * @module
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DaemonError } from '../system/daemon-error.js';
import { isProcessAlive, readPidFile, waitUntil } from '../system/process.js';

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

/** Where the adapter points Keepalived's `TMPDIR` in process mode (its dumps land there). */
export function keepalivedTmpDir(runDir: string): string {
  return join(runDir, 'tmp');
}

/** Options of {@link readVrrpStates}. */
export interface ReadVrrpStatesOptions {
  /** Keepalived's parent pid (default: from `RUN_DIR/keepalived.pid`). */
  readonly pid?: number;
  /** The JSON dump file (default: `RUN_DIR/tmp/keepalived.json`). */
  readonly jsonPath?: string;
  /** Bound on waiting for the dump (default 3 s). */
  readonly timeoutMs?: number;
  readonly keepalivedCommand?: string;
}

// Keepalived's state numbers (vrrp.h).
const STATE_NAMES: Readonly<Record<number, string>> = {
  0: 'INIT',
  1: 'BACKUP',
  2: 'MASTER',
  3: 'FAULT',
  97: 'DELETED',
  98: 'STOP',
};

let jsonSignal: Promise<number> | undefined;

/** The JSON dump signal number (`keepalived --signum=JSON`; a real-time signal). */
function jsonSignalOf(command: string): Promise<number> {
  jsonSignal ??= promisify(execFile)(command, ['--signum=JSON']).then((r) => {
    const n = Number(r.stdout.trim());
    if (!Number.isInteger(n) || n <= 0) throw new Error(`keepalived --signum=JSON printed ${r.stdout}`);
    return n;
  });
  jsonSignal.catch(() => {
    jsonSignal = undefined;
  });
  return jsonSignal;
}

async function mtimeOf(path: string): Promise<number | undefined> {
  return stat(path).then(
    (s) => s.mtimeMs,
    () => undefined,
  );
}

/** Instances of one JSON dump, or undefined when the text is not (yet) a whole dump. */
export function parseKeepalivedJson(text: string): VrrpState[] | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(data)) return undefined;
  const out: VrrpState[] = [];
  for (const entry of data) {
    const d = (entry as { data?: Record<string, unknown> })?.data;
    if (!d || typeof d.iname !== 'string' || typeof d.state !== 'number') continue;
    const priority = d.effective_priority;
    out.push({
      kind: 'INSTANCE',
      name: d.iname,
      state: STATE_NAMES[d.state] ?? `UNKNOWN(${d.state})`,
      ...(typeof priority === 'number' ? { priority } : {}),
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Ask the running Keepalived for a JSON dump and read it: undefined when it
 * is not running or wrote nothing parseable in time. Equivalent to:
 * `kill -$(keepalived --signum=JSON) PID; cat $TMPDIR/keepalived.json`.
 */
export async function dumpVrrpStates(
  pid: number,
  jsonPath: string,
  options: { timeoutMs?: number; keepalivedCommand?: string } = {},
): Promise<VrrpState[] | undefined> {
  if (!(await isProcessAlive(pid, 'keepalived'))) return undefined;
  const signal = await jsonSignalOf(options.keepalivedCommand ?? 'keepalived');
  const before = await mtimeOf(jsonPath);
  try {
    process.kill(pid, signal);
  } catch {
    return undefined;
  }
  let states: VrrpState[] | undefined;
  // The parent passes the signal to its VRRP child, which rewrites the file.
  await waitUntil(
    async () => {
      const m = await mtimeOf(jsonPath);
      if (m === undefined || (before !== undefined && m <= before)) return false;
      states = parseKeepalivedJson(await readFile(jsonPath, 'utf8').catch(() => ''));
      return states !== undefined;
    },
    { timeoutMs: options.timeoutMs ?? 3000, intervalMs: 20 },
  );
  return states;
}

/**
 * VRRP states of the Keepalived whose run directory is `runDir`: from its
 * JSON dump when it runs; [] when it does not; the notify state files
 * when no dump came in time. Sorted by kind and name.
 */
export async function readVrrpStates(
  runDir: string,
  options: ReadVrrpStatesOptions = {},
): Promise<VrrpState[]> {
  const pid = options.pid ?? (await readPidFile(join(runDir, 'keepalived.pid')));
  if (pid === undefined || !(await isProcessAlive(pid, 'keepalived'))) return [];
  const dumped = await dumpVrrpStates(
    pid,
    options.jsonPath ?? join(keepalivedTmpDir(runDir), 'keepalived.json'),
    {
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.keepalivedCommand === undefined ? {} : { keepalivedCommand: options.keepalivedCommand }),
    },
  ).catch(() => undefined);
  return dumped ?? readNotifyStates(runDir);
}

/** Read the state files `vrrp-notify.sh` keeps in `stateDir`; sorted by kind and name. */
export async function readNotifyStates(stateDir: string): Promise<VrrpState[]> {
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
