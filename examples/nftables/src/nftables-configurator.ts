/**
 * The nftables rule set as a daemon on runtime's `ConfiguredDaemon`
 * skeleton: checked with `nft -c -f`, "reloaded" and "started" with
 * `nft -f`, "running" while its table exists, "stopped" by deleting the
 * table. The skeleton brings the rest: atomic install, restore of the
 * previous file on a failed load, retry on the next reconcile.
 * @module
 */
import {
  type CommandResult,
  ConfiguredDaemon,
  type ConfiguredDaemonOptions,
  DaemonError,
  outputOf,
} from '@wg-gateway/runtime';
import { NFTABLES_TABLE } from './nftables-ruleset.js';

/** Options of {@link NftablesConfigurator}. */
export interface NftablesConfiguratorOptions extends Omit<ConfiguredDaemonOptions, 'mode' | 'include'> {
  /** The table the rule set defines (default `wg_gateway`). */
  readonly table?: string;
  /** The `nft` program (default `nft`). */
  readonly nftCommand?: string;
}

/** Loads the rendered rule set into the kernel with `nft`. */
export class NftablesConfigurator extends ConfiguredDaemon {
  readonly name = 'nftables';
  protected readonly checkerName = 'nft -c';
  readonly #nft: string;
  readonly #table: string;

  constructor(options: NftablesConfiguratorOptions) {
    // "process" mode: the supervisor loads the rule set again when its table disappears (`nft flush ruleset`).
    super({ ...options, mode: 'process' });
    this.#nft = options.nftCommand ?? 'nft';
    this.#table = options.table ?? NFTABLES_TABLE;
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
      throw new DaemonError('NFTABLES_LOAD_FAILED', 'nftables', `nft -f ${this.options.configPath} failed`, {
        output: outputOf(r),
        hint: 'the previous rule set stays loaded',
      });
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
      throw new DaemonError('NFTABLES_DELETE_FAILED', 'nftables', `cannot delete table inet ${this.#table}`, {
        output: outputOf(r),
      });
    }
    return true;
  }
}
