/**
 * An nftables table of the gateway's own as a "daemon" on the
 * {@link ConfiguredDaemon} skeleton: checked with `nft -c -f`, loaded with
 * `nft -f` (the file replaces the table in one transaction), "running"
 * while the table exists, "stopped" by deleting it. The skeleton brings the
 * atomic install, the restore of the previous file on a failed load, and
 * the retry on the next reconcile. Used for MSS clamping.
 * @module
 */
import { ConfiguredDaemon, type ConfiguredDaemonOptions } from '../daemon-adapter/configured-daemon.js';
import { type CommandResult, outputOf } from '../system/command.js';
import { DaemonError } from '../system/daemon-error.js';

/** Options of {@link NftTableDaemon}. */
export interface NftTableDaemonOptions extends Omit<ConfiguredDaemonOptions, 'mode' | 'include'> {
  /** Name in messages and error codes (`mss-clamp` → `MSS_CLAMP_...`). */
  readonly name: string;
  /** The table the file defines (family `inet`). */
  readonly table: string;
  /** The `nft` program (default `nft`). */
  readonly nftCommand?: string;
}

/** Loads a rendered nftables table into the kernel with `nft`. */
export class NftTableDaemon extends ConfiguredDaemon {
  readonly name: string;
  protected readonly checkerName = 'nft -c';
  readonly #nft: string;
  readonly #table: string;

  constructor(options: NftTableDaemonOptions) {
    // "process" mode: a supervisor may load the table again when someone flushed it.
    super({ ...options, mode: 'process' });
    this.name = options.name;
    this.#nft = options.nftCommand ?? 'nft';
    this.#table = options.table;
  }

  protected override get codePrefix(): string {
    return this.name.toUpperCase().replaceAll('-', '_');
  }

  /** Equivalent to: `nft -c -f FILE`. */
  protected runChecker(file: string): Promise<CommandResult> {
    return this.run([this.#nft, '-c', '-f', file]);
  }

  /** Whether the table is loaded. Equivalent to: `nft list table inet TABLE`. */
  async isRunning(): Promise<boolean> {
    return (await this.run([this.#nft, 'list', 'table', 'inet', this.#table])).code === 0;
  }

  /** Load the installed file (one transaction). Equivalent to: `nft -f FILE`. */
  async reload(): Promise<void> {
    const r = await this.run([this.#nft, '-f', this.options.configPath]);
    if (r.code !== 0) {
      throw new DaemonError(
        `${this.codePrefix}_LOAD_FAILED`,
        this.name,
        `nft -f ${this.options.configPath} failed`,
        { output: outputOf(r), hint: 'the previous table stays loaded' },
      );
    }
  }

  /** The same as {@link reload}: there is no process to start. */
  start(): Promise<void> {
    return this.reload();
  }

  /** Delete the table. Equivalent to: `nft delete table inet TABLE`. */
  async stop(): Promise<boolean> {
    if (!(await this.isRunning())) return false;
    const r = await this.run([this.#nft, 'delete', 'table', 'inet', this.#table]);
    if (r.code !== 0) {
      throw new DaemonError(
        `${this.codePrefix}_DELETE_FAILED`,
        this.name,
        `cannot delete table inet ${this.#table}`,
        { output: outputOf(r) },
      );
    }
    return true;
  }
}
