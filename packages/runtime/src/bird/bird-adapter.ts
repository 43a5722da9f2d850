/**
 * BIRD as a {@link DaemonConfigurator}: check a rendered config with
 * `bird -p`, install it atomically, reload it with `birdc configure`, start
 * BIRD when it is not running.
 * @module
 */
import type { DaemonApplyResult, DaemonConfigurator } from '@wg-gateway/core';
import { type CommandRunner, commandRunner, formatArgv, outputOf } from '../system/command.js';
import { DaemonError } from '../system/daemon-error.js';
import { installFile, readTextIfExists, removeIfExists, writeTempBeside } from '../system/files.js';
import { isProcessAlive, readPidFile, signalProcess, waitUntil } from '../system/process.js';
import { BirdControl } from './bird-control.js';

/** How BIRD is run: as our own process (lab, CI) or as the host's systemd unit. */
export type DaemonMode = 'process' | 'systemd';

/** Options of {@link BirdAdapter}. */
export interface BirdAdapterOptions {
  readonly mode: DaemonMode;
  /** The installed config file (`/etc/bird/bird.conf` under systemd). */
  readonly configPath: string;
  /** Control socket (default `/run/bird/bird.ctl`, BIRD's own default). */
  readonly socketPath?: string;
  /** Pid file; process mode only (default: `configPath` + `.pid`). */
  readonly pidPath?: string;
  /** Argv prefix for every command, e.g. testkit's `netns.enter`. */
  readonly commandPrefix?: readonly string[];
  /** systemd unit (default `bird`). */
  readonly unit?: string;
  /** Program names (defaults `bird`, `birdc`, `systemctl`). */
  readonly birdCommand?: string;
  readonly birdcCommand?: string;
  readonly systemctlCommand?: string;
  /** Bound on waiting for a started BIRD's socket, and on stopping (default 10 s). */
  readonly startTimeoutMs?: number;
  /** Replace the command runner (tests). */
  readonly run?: CommandRunner;
}

/** Replies of `birdc configure` that mean the new config was taken. */
const RECONFIGURED =
  /^(Reconfigured|Reconfiguration in progress|Reconfiguration already in progress, queueing new config)$/m;

/** Check, install, reload and start BIRD. */
export class BirdAdapter implements DaemonConfigurator {
  readonly name = 'bird';
  readonly #o: BirdAdapterOptions;
  readonly #run: CommandRunner;
  readonly socketPath: string;
  readonly pidPath: string;

  constructor(options: BirdAdapterOptions) {
    this.#o = options;
    this.#run = options.run ?? commandRunner(options.commandPrefix ? { prefix: options.commandPrefix } : {});
    this.socketPath = options.socketPath ?? '/run/bird/bird.ctl';
    this.pidPath = options.pidPath ?? `${options.configPath}.pid`;
  }

  /**
   * Install `text` and make BIRD run it. Unchanged text with BIRD running
   * does nothing. A config that `bird -p` refuses throws
   * {@link DaemonError} `BIRD_CONFIG_INVALID` and changes nothing.
   * `undefined` stops BIRD.
   */
  async apply(text: string | undefined): Promise<DaemonApplyResult> {
    if (text === undefined) return { changed: await this.stop() };
    const installed = await readTextIfExists(this.#o.configPath);
    const running = await this.isRunning();
    if (installed === text && running) return { changed: false };
    if (installed !== text) {
      const temp = await writeTempBeside(this.#o.configPath, text);
      try {
        await this.check(temp);
        await installFile(temp, this.#o.configPath);
      } finally {
        await removeIfExists(temp);
      }
    }
    try {
      if (running) await this.reload();
      else await this.start();
    } catch (e) {
      // Put the previous file back so the next apply retries instead of
      // taking the failed text for the running one.
      if (installed !== text) await this.#restore(installed);
      throw e;
    }
    return { changed: true };
  }

  /** The installed config file's text (undefined: none), for `plan`'s diff. */
  installed(): Promise<string | undefined> {
    return readTextIfExists(this.#o.configPath);
  }

  /** Parse a config file without running it. Equivalent to: `bird -p -c FILE`. */
  async check(file: string): Promise<void> {
    const argv = [this.#o.birdCommand ?? 'bird', '-p', '-c', file];
    const r = await this.#run(argv);
    if (r.code !== 0) {
      throw new DaemonError('BIRD_CONFIG_INVALID', 'bird', 'rendered config refused by bird -p', {
        output: outputOf(r).replaceAll(file, this.#o.configPath),
        hint: 'the running BIRD keeps its previous config; fix the input that produced this config',
      });
    }
  }

  /** Whether BIRD runs: its pid file names a live `bird` (process) or the unit is active (systemd). */
  async isRunning(): Promise<boolean> {
    if (this.#o.mode === 'systemd') {
      return (await this.#systemctl('is-active', '--quiet')).code === 0;
    }
    const pid = await readPidFile(this.pidPath);
    return pid !== undefined && (await isProcessAlive(pid, 'bird'));
  }

  /**
   * Reload the installed config. Process mode: `birdc -s SOCKET configure`,
   * whose reply must say it reconfigured; systemd: `systemctl reload bird`.
   */
  async reload(): Promise<void> {
    if (this.#o.mode === 'systemd') {
      await this.#systemctlOrThrow('reload');
      return;
    }
    const argv = [this.#o.birdcCommand ?? 'birdc', '-s', this.socketPath, 'configure'];
    const r = await this.#run(argv);
    if (r.code !== 0 || !RECONFIGURED.test(r.stdout)) {
      throw new DaemonError('BIRD_RELOAD_FAILED', 'bird', `${formatArgv(argv)} did not reconfigure`, {
        output: outputOf(r),
        hint: 'BIRD keeps running its previous config; see its log',
      });
    }
  }

  /**
   * Start BIRD and wait (bounded) until its control socket answers.
   * Equivalent to: `bird -c FILE -s SOCKET -P PIDFILE` (process) or `systemctl start bird`.
   */
  async start(): Promise<void> {
    if (this.#o.mode === 'systemd') {
      await this.#systemctlOrThrow('start');
      return;
    }
    await removeIfExists(this.socketPath);
    const argv = [
      this.#o.birdCommand ?? 'bird',
      '-c',
      this.#o.configPath,
      '-s',
      this.socketPath,
      '-P',
      this.pidPath,
    ];
    const r = await this.#run(argv);
    if (r.code !== 0) {
      throw new DaemonError('BIRD_START_FAILED', 'bird', `${formatArgv(argv)} failed`, {
        output: outputOf(r),
        hint: 'check the config and that nothing else uses the socket',
      });
    }
    const timeoutMs = this.#o.startTimeoutMs ?? 10_000;
    const up = await waitUntil(() => this.#answers(), { timeoutMs, intervalMs: 50 });
    if (!up) {
      throw new DaemonError(
        'BIRD_START_FAILED',
        'bird',
        `control socket ${this.socketPath} not answering after ${timeoutMs} ms`,
        {
          hint: 'see the BIRD log',
        },
      );
    }
  }

  /** Stop BIRD; resolves to whether it was running. Equivalent to: `kill PID` or `systemctl stop bird`. */
  async stop(): Promise<boolean> {
    if (!(await this.isRunning())) return false;
    if (this.#o.mode === 'systemd') {
      await this.#systemctlOrThrow('stop');
      return true;
    }
    const pid = await readPidFile(this.pidPath);
    if (pid !== undefined) signalProcess(pid, 'SIGTERM');
    const timeoutMs = this.#o.startTimeoutMs ?? 10_000;
    const gone = await waitUntil(async () => !(await this.isRunning()), { timeoutMs, intervalMs: 50 });
    if (!gone)
      throw new DaemonError('BIRD_STOP_FAILED', 'bird', `pid ${pid} still running after ${timeoutMs} ms`);
    await removeIfExists(this.pidPath);
    return true;
  }

  async #restore(previous: string | undefined): Promise<void> {
    if (previous === undefined) {
      await removeIfExists(this.#o.configPath);
      return;
    }
    const temp = await writeTempBeside(this.#o.configPath, previous);
    await installFile(temp, this.#o.configPath).catch(() => removeIfExists(temp));
  }

  async #answers(): Promise<boolean> {
    try {
      const control = await BirdControl.connect(this.socketPath, { timeoutMs: 1000 });
      control.close();
      return true;
    } catch {
      return false;
    }
  }

  #systemctl(...args: string[]) {
    return this.#run([this.#o.systemctlCommand ?? 'systemctl', ...args, this.#o.unit ?? 'bird']);
  }

  async #systemctlOrThrow(verb: string): Promise<void> {
    const r = await this.#systemctl(verb);
    if (r.code !== 0) {
      throw new DaemonError(
        'BIRD_SYSTEMD_FAILED',
        'bird',
        `systemctl ${verb} ${this.#o.unit ?? 'bird'} failed`,
        {
          output: outputOf(r),
          hint: 'see journalctl -u bird',
        },
      );
    }
  }
}
