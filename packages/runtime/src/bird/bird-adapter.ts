/**
 * BIRD on the {@link ConfiguredDaemon} skeleton: checked with `bird -p`,
 * reloaded with `birdc configure`, started as our own process or as the
 * host's systemd unit.
 * @module
 */
import { birdDaemon, type DaemonSpec, type LinkNexthop, linkNexthops } from '@wg-gateway/core';
import {
  ConfiguredDaemon,
  type ConfiguredDaemonOptions,
  type DaemonMode,
} from '../daemon-adapter/configured-daemon.js';
import type { CommandResult } from '../system/command.js';
import { formatArgv, outputOf } from '../system/command.js';
import { DaemonError } from '../system/daemon-error.js';
import { removeIfExists } from '../system/files.js';
import { isProcessAlive, readPidFile, signalProcess, waitUntil } from '../system/process.js';
import { BirdControl } from './bird-control.js';

export type { DaemonMode };

/** Options of {@link BirdAdapter}. */
export interface BirdAdapterOptions extends ConfiguredDaemonOptions {
  /**
   * The file we write: the whole config (`/etc/bird/bird.conf` under
   * systemd) or, in include mode, our fragment (e.g. `/etc/bird/wg-gateway.conf`).
   */
  readonly configPath: string;
  /** Control socket (default `/run/bird/bird.ctl`, BIRD's own default). */
  readonly socketPath?: string;
  /** Pid file; process mode only (default: the started config's path + `.pid`). */
  readonly pidPath?: string;
  /** Program names (defaults `bird`, `birdc`). */
  readonly birdCommand?: string;
  readonly birdcCommand?: string;
  /** Bound on waiting for a started BIRD's socket, and on stopping (default 10 s). */
  readonly startTimeoutMs?: number;
}

/** Replies of `birdc configure` that mean the new config was taken. */
const RECONFIGURED =
  /^(Reconfigured|Reconfiguration in progress|Reconfiguration already in progress, queueing new config)$/m;

/** Check, install, reload and start BIRD. */
export class BirdAdapter extends ConfiguredDaemon {
  readonly name = 'bird';
  protected readonly checkerName = 'bird -p';
  readonly #o: BirdAdapterOptions;
  readonly socketPath: string;
  readonly pidPath: string;
  #links: readonly LinkNexthop[] | undefined;

  constructor(options: BirdAdapterOptions) {
    super(options);
    this.#o = options;
    this.socketPath = options.socketPath ?? '/run/bird/bird.ctl';
    this.pidPath = options.pidPath ?? `${this.startConfigPath}.pid`;
  }

  /**
   * This adapter as an entry of the gateway's daemon list; in include mode
   * it renders only the fragment (see core's `birdIncludeFragment`).
   */
  daemonSpec(): DaemonSpec {
    const spec = birdDaemon(this, { include: this.options.include !== undefined });
    return {
      ...spec,
      render: (desired) => {
        this.#links = linkNexthops(desired);
        return spec.render(desired);
      },
    };
  }

  /**
   * The links of the last rendered config as next hops for their remote
   * units' prefixes (what the early routes use; undefined before the first
   * render).
   */
  get links(): readonly LinkNexthop[] | undefined {
    return this.#links;
  }

  /** Equivalent to: `bird -p -c FILE`. */
  protected runChecker(file: string): Promise<CommandResult> {
    return this.run([this.#o.birdCommand ?? 'bird', '-p', '-c', file]);
  }

  /** Whether BIRD runs: its pid file names a live `bird` (process) or the unit is active (systemd). */
  async isRunning(): Promise<boolean> {
    if (this.#o.mode === 'systemd') return (await this.systemctl('is-active', '--quiet')).code === 0;
    const pid = await readPidFile(this.pidPath);
    return pid !== undefined && (await isProcessAlive(pid, 'bird'));
  }

  /**
   * Reload the installed config. Process mode: `birdc -s SOCKET configure`,
   * whose reply must say it reconfigured; systemd: `systemctl reload bird`.
   */
  async reload(): Promise<void> {
    if (this.#o.mode === 'systemd') return this.systemctlOrThrow('reload');
    const argv = [this.#o.birdcCommand ?? 'birdc', '-s', this.socketPath, 'configure'];
    const r = await this.run(argv);
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
   * A pid file left by a BIRD that died (not stopped by us) means the kernel
   * still holds its routes (`persist`): then BIRD starts with `-R` (graceful
   * restart recovery), which keeps them until OSPF has resynchronised instead
   * of flushing them at its first kernel scan.
   */
  async start(): Promise<void> {
    if (this.#o.mode === 'systemd') return this.systemctlOrThrow('start');
    await removeIfExists(this.socketPath);
    const recovering = (await readPidFile(this.pidPath)) !== undefined;
    const argv = [
      this.#o.birdCommand ?? 'bird',
      ...(recovering ? ['-R'] : []),
      '-c',
      this.startConfigPath,
      '-s',
      this.socketPath,
      '-P',
      this.pidPath,
    ];
    const r = await this.run(argv);
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
        { hint: 'see the BIRD log' },
      );
    }
  }

  /** Stop BIRD; resolves to whether it was running. Equivalent to: `kill PID` or `systemctl stop bird`. */
  async stop(): Promise<boolean> {
    if (!(await this.isRunning())) return false;
    if (this.#o.mode === 'systemd') {
      await this.systemctlOrThrow('stop');
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

  async #answers(): Promise<boolean> {
    try {
      const control = await BirdControl.connect(this.socketPath, { timeoutMs: 1000 });
      control.close();
      return true;
    } catch {
      return false;
    }
  }
}
