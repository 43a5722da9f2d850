/**
 * Keepalived as a {@link DaemonConfigurator}: check a rendered config with
 * `keepalived -t`, install it atomically, reload with SIGHUP (or systemctl),
 * start it when needed and stop it when there are no VIPs.
 * @module
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DaemonApplyResult, DaemonConfigurator } from '@wg-gateway/core';
import type { DaemonMode } from '../bird/bird-adapter.js';
import { type CommandRunner, commandRunner, formatArgv, outputOf } from '../system/command.js';
import { DaemonError } from '../system/daemon-error.js';
import { installFile, readTextIfExists, removeIfExists, writeTempBeside } from '../system/files.js';
import { isProcessAlive, readPidFile, signalProcess, waitUntil } from '../system/process.js';
import { VRRP_NOTIFY_SCRIPT } from '../system/scripts.js';
import { readVrrpStates, type VrrpState, vrrpNotifyBlock } from './vrrp-state.js';

/**
 * `keepalived -t` messages that do not make a config unusable: a sync group
 * of one instance (one VIP) works, Keepalived only doubts it was meant.
 */
export const BENIGN_KEEPALIVED_WARNINGS: readonly RegExp[] = [
  /^Sync group \S+ has only 1 virtual router\(s\) - this probably isn't what you want$/,
];

/** Options of {@link KeepalivedAdapter}. */
export interface KeepalivedAdapterOptions {
  readonly mode: DaemonMode;
  /** The installed config file (`/etc/keepalived/keepalived.conf` under systemd). */
  readonly configPath: string;
  /**
   * Our directory: pid files (process mode), the VRRP notify FIFO and the
   * state files. Created 0750 when missing.
   */
  readonly runDir: string;
  /** Argv prefix for every command, e.g. testkit's `netns.enter`. */
  readonly commandPrefix?: readonly string[];
  /** systemd unit (default `keepalived`). */
  readonly unit?: string;
  readonly keepalivedCommand?: string;
  readonly systemctlCommand?: string;
  /** Extra arguments when starting in process mode (e.g. `-D` for detailed logs). */
  readonly extraArgs?: readonly string[];
  /** Bound on waiting for start and stop (default 10 s). */
  readonly timeoutMs?: number;
  /** Add the VRRP state reporting block (default true). */
  readonly reportVrrpStates?: boolean;
  /** `keepalived -t` output lines that still count as a pass (default {@link BENIGN_KEEPALIVED_WARNINGS}). */
  readonly benignWarnings?: readonly RegExp[];
  readonly run?: CommandRunner;
}

/** Check, install, reload, start and stop Keepalived. */
export class KeepalivedAdapter implements DaemonConfigurator {
  readonly name = 'keepalived';
  readonly #o: KeepalivedAdapterOptions;
  readonly #run: CommandRunner;

  constructor(options: KeepalivedAdapterOptions) {
    this.#o = options;
    this.#run = options.run ?? commandRunner(options.commandPrefix ? { prefix: options.commandPrefix } : {});
  }

  /** Pid file of the parent process (process mode). */
  get pidPath(): string {
    return join(this.#o.runDir, 'keepalived.pid');
  }

  /** The config file text installed for rendered `text` (with the state reporting block). */
  compose(text: string): string {
    if (this.#o.reportVrrpStates === false) return text;
    return `${text.endsWith('\n') ? text : `${text}\n`}${vrrpNotifyBlock(this.#o.runDir, VRRP_NOTIFY_SCRIPT)}`;
  }

  /**
   * The rendered text Keepalived runs (the file without the block
   * {@link compose} adds); undefined when Keepalived is not running, which
   * is what "no VIPs" leaves behind.
   */
  async installed(): Promise<string | undefined> {
    if (!(await this.isRunning())) return undefined;
    const text = await readTextIfExists(this.#o.configPath);
    if (text === undefined || this.#o.reportVrrpStates === false) return text;
    const block = vrrpNotifyBlock(this.#o.runDir, VRRP_NOTIFY_SCRIPT);
    return text.endsWith(block) ? text.slice(0, -block.length) : text;
  }

  /**
   * Install `text` and make Keepalived run it; `undefined` (no VIPs) stops
   * it. A config `keepalived -t` refuses throws `KEEPALIVED_CONFIG_INVALID`
   * and the running Keepalived keeps its config.
   */
  async apply(text: string | undefined): Promise<DaemonApplyResult> {
    if (text === undefined) return { changed: await this.stop() };
    await mkdir(this.#o.runDir, { recursive: true, mode: 0o750 });
    const wanted = this.compose(text);
    const installed = await readTextIfExists(this.#o.configPath);
    const running = await this.isRunning();
    if (installed === wanted && running) return { changed: false };
    if (installed !== wanted) {
      const temp = await writeTempBeside(this.#o.configPath, wanted);
      try {
        await this.check(temp);
        await installFile(temp, this.#o.configPath);
      } finally {
        await removeIfExists(temp);
      }
    }
    // States of instances the new config drops must not linger; the FIFO
    // script rewrites every current state after the reload or start.
    await this.#removeRunFiles(/\.state$/);
    if (running) await this.reload();
    else await this.start();
    return { changed: true };
  }

  /**
   * Check a config file. Equivalent to: `keepalived -t -f FILE`. Keepalived
   * 2.2.7 fails the check on warnings too; output made only of
   * {@link BENIGN_KEEPALIVED_WARNINGS} lines passes.
   */
  async check(file: string): Promise<void> {
    const r = await this.#run([this.#o.keepalivedCommand ?? 'keepalived', '-t', '-f', file]);
    const lines = outputOf(r)
      .split('\n')
      .filter((l) => l.trim() !== '');
    const benign = this.#o.benignWarnings ?? BENIGN_KEEPALIVED_WARNINGS;
    const onlyBenign = lines.length > 0 && lines.every((l) => benign.some((re) => re.test(l.trim())));
    if (r.code !== 0 && !onlyBenign) {
      throw new DaemonError(
        'KEEPALIVED_CONFIG_INVALID',
        'keepalived',
        'rendered config refused by keepalived -t',
        {
          output: outputOf(r).replaceAll(file, this.#o.configPath),
          hint: 'the running Keepalived keeps its previous config; fix the input that produced this config',
        },
      );
    }
  }

  /** Whether Keepalived runs (its parent pid file names a live process, or the unit is active). */
  async isRunning(): Promise<boolean> {
    if (this.#o.mode === 'systemd') return (await this.#systemctl('is-active', '--quiet')).code === 0;
    const pid = await readPidFile(this.pidPath);
    return pid !== undefined && (await isProcessAlive(pid, 'keepalived'));
  }

  /** Reload the installed config. Equivalent to: `kill -HUP PID` or `systemctl reload keepalived`. */
  async reload(): Promise<void> {
    if (this.#o.mode === 'systemd') return this.#systemctlOrThrow('reload');
    const pid = await readPidFile(this.pidPath);
    if (pid === undefined || !signalProcess(pid, 'SIGHUP')) {
      throw new DaemonError(
        'KEEPALIVED_RELOAD_FAILED',
        'keepalived',
        `cannot signal pid from ${this.pidPath}`,
        {
          hint: 'Keepalived stopped meanwhile; the next reconcile starts it',
        },
      );
    }
  }

  /**
   * Start Keepalived with the VRRP subsystem only and pid files of our own,
   * so it never collides with another Keepalived on the host.
   * Equivalent to: `keepalived --vrrp -f FILE -p PID -r VRRP_PID -c CHECKERS_PID -b BFD_PID`.
   */
  async start(): Promise<void> {
    if (this.#o.mode === 'systemd') return this.#systemctlOrThrow('start');
    const dir = this.#o.runDir;
    const argv = [
      this.#o.keepalivedCommand ?? 'keepalived',
      '--vrrp',
      '-f',
      this.#o.configPath,
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
    const r = await this.#run(argv);
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
    if (running && this.#o.mode === 'systemd') await this.#systemctlOrThrow('stop');
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

  /** VRRP state of every instance and sync group, from the notify state files. */
  async vrrpStates(): Promise<VrrpState[]> {
    return readVrrpStates(this.#o.runDir);
  }

  async #removeRunFiles(pattern = /^keepalived(-\w+)?\.pid$|\.state$|^vrrp-notify\.fifo$/): Promise<void> {
    const names = await readdir(this.#o.runDir).catch(() => [] as string[]);
    for (const n of names) {
      if (pattern.test(n)) await removeIfExists(join(this.#o.runDir, n));
    }
  }

  #systemctl(...args: string[]) {
    return this.#run([this.#o.systemctlCommand ?? 'systemctl', ...args, this.#o.unit ?? 'keepalived']);
  }

  async #systemctlOrThrow(verb: string): Promise<void> {
    const r = await this.#systemctl(verb);
    if (r.code !== 0) {
      throw new DaemonError('KEEPALIVED_SYSTEMD_FAILED', 'keepalived', `systemctl ${verb} failed`, {
        output: outputOf(r),
        hint: 'see journalctl -u keepalived',
      });
    }
  }
}
