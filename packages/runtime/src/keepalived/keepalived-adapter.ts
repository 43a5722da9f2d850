/**
 * Keepalived on the {@link ConfiguredDaemon} skeleton: checked with
 * `keepalived -t`, reloaded with SIGHUP (or systemctl), started with the
 * VRRP subsystem only, stopped when there are no VIPs (full mode).
 * @module
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type DaemonSpec, keepalivedDaemon } from '@wg-gateway/core';
import { ConfiguredDaemon, type ConfiguredDaemonOptions } from '../daemon-adapter/configured-daemon.js';
import { type CommandResult, formatArgv, outputOf } from '../system/command.js';
import { DaemonError } from '../system/daemon-error.js';
import { removeIfExists } from '../system/files.js';
import { isProcessAlive, readPidFile, signalProcess, waitUntil } from '../system/process.js';
import { VRRP_NOTIFY_SCRIPT } from '../system/scripts.js';
import { TRACK_DIR_NAME } from './track-files.js';
import { keepalivedTmpDir, readVrrpStates, type VrrpState, vrrpNotifyBlock } from './vrrp-state.js';

/**
 * `keepalived -t` messages that do not make a config unusable: a sync group
 * of one instance (one VIP) works, Keepalived only doubts it was meant.
 */
export const BENIGN_KEEPALIVED_WARNINGS: readonly RegExp[] = [
  /^Sync group \S+ has only 1 virtual router\(s\) - this probably isn't what you want$/,
];

/** Options of {@link KeepalivedAdapter}. */
export interface KeepalivedAdapterOptions extends ConfiguredDaemonOptions {
  /**
   * The file we write: the whole config (`/etc/keepalived/keepalived.conf`
   * under systemd) or, in include mode, our fragment.
   */
  readonly configPath: string;
  /**
   * Our directory: pid files (process mode), the VRRP notify FIFO and the
   * state files. Created 0750 when missing.
   */
  readonly runDir: string;
  readonly keepalivedCommand?: string;
  /** Extra arguments when starting in process mode (e.g. `-D` for detailed logs). */
  readonly extraArgs?: readonly string[];
  /** Bound on waiting for start and stop (default 10 s). */
  readonly timeoutMs?: number;
  /** Add the VRRP state reporting block (default true). */
  readonly reportVrrpStates?: boolean;
  /** `keepalived -t` output lines that still count as a pass (default {@link BENIGN_KEEPALIVED_WARNINGS}). */
  readonly benignWarnings?: readonly RegExp[];
}

/** Check, install, reload, start and stop Keepalived. */
export class KeepalivedAdapter extends ConfiguredDaemon {
  readonly name = 'keepalived';
  protected readonly checkerName = 'keepalived -t';
  readonly #o: KeepalivedAdapterOptions;

  constructor(options: KeepalivedAdapterOptions) {
    super(options);
    this.#o = options;
  }

  /** This adapter as an entry of the gateway's daemon list. */
  daemonSpec(): DaemonSpec {
    return keepalivedDaemon(this);
  }

  /** Pid file of the parent process (process mode). */
  get pidPath(): string {
    return join(this.#o.runDir, 'keepalived.pid');
  }

  /** The config file text installed for rendered `text` (with the state reporting block). */
  override compose(text: string): string {
    if (this.#o.reportVrrpStates === false) return text;
    return `${text.endsWith('\n') ? text : `${text}\n`}${vrrpNotifyBlock(this.#o.runDir, VRRP_NOTIFY_SCRIPT)}`;
  }

  protected override decompose(fileText: string): string {
    if (this.#o.reportVrrpStates === false) return fileText;
    const block = vrrpNotifyBlock(this.#o.runDir, VRRP_NOTIFY_SCRIPT);
    return fileText.endsWith(block) ? fileText.slice(0, -block.length) : fileText;
  }

  /**
   * The rendered text Keepalived runs (the file without the block
   * {@link compose} adds); in full mode undefined when Keepalived is not
   * running, which is what "no VIPs" leaves behind.
   */
  override async installed(): Promise<string | undefined> {
    if (!this.#o.include && !(await this.isRunning())) return undefined;
    return super.installed();
  }

  /**
   * States of instances the new config drops must not linger; the FIFO
   * script rewrites every current state after the reload or start.
   */
  protected override async beforeActivate(): Promise<void> {
    await mkdir(this.#o.runDir, { recursive: true, mode: 0o750 });
    // Keepalived watches a track file's directory; it must exist first.
    await mkdir(join(this.#o.runDir, TRACK_DIR_NAME), { recursive: true, mode: 0o755 });
    await this.#removeRunFiles(/\.state$/);
  }

  /** Check a candidate file (the notify block names the run directory, so make it first). */
  override async check(candidate: string): Promise<void> {
    await mkdir(this.#o.runDir, { recursive: true, mode: 0o750 });
    return super.check(candidate);
  }

  /** Equivalent to: `keepalived -t -f FILE`. */
  protected runChecker(file: string): Promise<CommandResult> {
    return this.run([this.#o.keepalivedCommand ?? 'keepalived', '-t', '-f', file]);
  }

  /**
   * Keepalived 2.2.7 fails the check on warnings too; output made only of
   * {@link BENIGN_KEEPALIVED_WARNINGS} lines passes.
   */
  protected override checkPassed(r: CommandResult): boolean {
    if (r.code === 0) return true;
    const lines = outputOf(r)
      .split('\n')
      .filter((l) => l.trim() !== '');
    const benign = this.#o.benignWarnings ?? BENIGN_KEEPALIVED_WARNINGS;
    return lines.length > 0 && lines.every((l) => benign.some((re) => re.test(l.trim())));
  }

  /** Whether Keepalived runs (its parent pid file names a live process, or the unit is active). */
  async isRunning(): Promise<boolean> {
    if (this.#o.mode === 'systemd') return (await this.systemctl('is-active', '--quiet')).code === 0;
    const pid = await readPidFile(this.pidPath);
    return pid !== undefined && (await isProcessAlive(pid, 'keepalived'));
  }

  /** Reload the installed config. Equivalent to: `kill -HUP PID` or `systemctl reload keepalived`. */
  async reload(): Promise<void> {
    if (this.#o.mode === 'systemd') return this.systemctlOrThrow('reload');
    const pid = await readPidFile(this.pidPath);
    if (pid === undefined || !signalProcess(pid, 'SIGHUP')) {
      throw new DaemonError(
        'KEEPALIVED_RELOAD_FAILED',
        'keepalived',
        `cannot signal pid from ${this.pidPath}`,
        { hint: 'Keepalived stopped meanwhile; the next reconcile starts it' },
      );
    }
  }

  /**
   * Start Keepalived with the VRRP subsystem only, pid files and a `TMPDIR`
   * of our own, so it never collides with another Keepalived on the host.
   * Equivalent to: `env TMPDIR=RUN/tmp keepalived --vrrp -f FILE -p PID -r VRRP_PID -c CHECKERS_PID -b BFD_PID`.
   */
  async start(): Promise<void> {
    if (this.#o.mode === 'systemd') return this.systemctlOrThrow('start');
    const dir = this.#o.runDir;
    await mkdir(dir, { recursive: true, mode: 0o750 });
    await mkdir(keepalivedTmpDir(dir), { recursive: true, mode: 0o700 });
    await this.#clearOrphans();
    const argv = [
      // Its SIGUSR1/JSON dumps land in $TMPDIR: ours, not the host's /tmp.
      'env',
      `TMPDIR=${keepalivedTmpDir(dir)}`,
      this.#o.keepalivedCommand ?? 'keepalived',
      '--vrrp',
      '-f',
      this.startConfigPath,
      '-p',
      this.pidPath,
      '-r',
      join(dir, 'keepalived-vrrp.pid'),
      '-c',
      join(dir, 'keepalived-checkers.pid'),
      '-b',
      join(dir, 'keepalived-bfd.pid'),
      ...(this.#o.extraArgs ?? []),
    ];
    const r = await this.run(argv);
    const timeoutMs = this.#o.timeoutMs ?? 10_000;
    // Wait for the VRRP child too: by then the parent handles SIGHUP, so an
    // immediate reload cannot kill it.
    const vrrpPid = join(dir, 'keepalived-vrrp.pid');
    const childUp = async () => {
      const pid = await readPidFile(vrrpPid);
      return pid !== undefined && (await isProcessAlive(pid, 'keepalived'));
    };
    const up =
      r.code === 0 &&
      (await waitUntil(async () => (await this.isRunning()) && (await childUp()), {
        timeoutMs,
        intervalMs: 50,
      }));
    if (!up) {
      throw new DaemonError('KEEPALIVED_START_FAILED', 'keepalived', `${formatArgv(argv)} did not start`, {
        output: outputOf(r),
        hint: 'see the Keepalived log (syslog, or start with extraArgs ["-l", "-n"] to debug)',
      });
    }
  }

  /**
   * Stop Keepalived and remove its pid and state files; resolves to whether
   * it was running. Equivalent to: `kill PID` or `systemctl stop keepalived`.
   */
  async stop(): Promise<boolean> {
    const running = await this.isRunning();
    if (running && this.#o.mode === 'systemd') await this.systemctlOrThrow('stop');
    if (running && this.#o.mode === 'process') {
      const pid = await readPidFile(this.pidPath);
      if (pid !== undefined) signalProcess(pid, 'SIGTERM');
      const timeoutMs = this.#o.timeoutMs ?? 10_000;
      const gone = await waitUntil(async () => !(await this.isRunning()), { timeoutMs, intervalMs: 50 });
      if (!gone) {
        throw new DaemonError(
          'KEEPALIVED_STOP_FAILED',
          'keepalived',
          `pid ${pid} still running after ${timeoutMs} ms`,
        );
      }
    }
    await this.#removeRunFiles();
    return running;
  }

  /**
   * A parent killed with SIGKILL leaves its VRRP child running (holding the
   * VIPs) and its pid files behind, and a new Keepalived refuses to start
   * beside them: end the orphans and remove the stale pid files.
   */
  async #clearOrphans(): Promise<void> {
    const children = ['keepalived-vrrp.pid', 'keepalived-checkers.pid', 'keepalived-bfd.pid'].map((n) =>
      join(this.#o.runDir, n),
    );
    const alive: number[] = [];
    for (const f of children) {
      const pid = await readPidFile(f);
      if (pid !== undefined && (await isProcessAlive(pid, 'keepalived'))) alive.push(pid);
    }
    for (const pid of alive) signalProcess(pid, 'SIGTERM');
    const timeoutMs = this.#o.timeoutMs ?? 10_000;
    const gone = async () => {
      for (const pid of alive) if (await isProcessAlive(pid, 'keepalived')) return false;
      return true;
    };
    if (!(await waitUntil(gone, { timeoutMs, intervalMs: 50 }))) {
      for (const pid of alive) signalProcess(pid, 'SIGKILL');
    }
    await this.#removeRunFiles(/^keepalived(-\w+)?\.pid$/);
  }

  /**
   * Current VRRP state and effective priority of every configured instance,
   * from Keepalived's own JSON dump ({@link readVrrpStates}); under systemd
   * the unit's main pid and `/tmp/keepalived.json`.
   */
  async vrrpStates(): Promise<VrrpState[]> {
    const command =
      this.#o.keepalivedCommand === undefined ? {} : { keepalivedCommand: this.#o.keepalivedCommand };
    if (this.#o.mode !== 'systemd') return readVrrpStates(this.#o.runDir, command);
    const pid = Number(outputOf(await this.systemctl('show', '--property=MainPID', '--value')).trim());
    if (!Number.isInteger(pid) || pid <= 0) return [];
    return readVrrpStates(this.#o.runDir, { ...command, pid, jsonPath: '/tmp/keepalived.json' });
  }

  async #removeRunFiles(pattern = /^keepalived(-\w+)?\.pid$|\.state$|^vrrp-notify\.fifo$/): Promise<void> {
    const names = await readdir(this.#o.runDir).catch(() => [] as string[]);
    for (const n of names) {
      if (pattern.test(n)) await removeIfExists(join(this.#o.runDir, n));
    }
  }
}
