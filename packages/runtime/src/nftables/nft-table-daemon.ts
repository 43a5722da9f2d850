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
  /**
   * Trust a table seen loaded (or loaded here) for this long before asking
   * `nft` again, in ms (default 0: ask every time), unless {@link
   * NftTableDaemon.invalidate} is called sooner. The gateway uses 10 min and
   * invalidates on every `nft monitor tables` event, so a steady reconcile
   * spawns no `nft` and a table someone deleted is loaded again at the next
   * reconcile.
   */
  readonly recheckMs?: number;
}

/** Loads a rendered nftables table into the kernel with `nft`. */
export class NftTableDaemon extends ConfiguredDaemon {
  readonly name: string;
  protected readonly checkerName = 'nft -c';
  readonly #nft: string;
  readonly #table: string;
  readonly #recheckMs: number;
  /** When the table was last known loaded (epoch ms). */
  #seenAt: number | undefined;

  constructor(options: NftTableDaemonOptions) {
    // "process" mode: a supervisor may load the table again when someone flushed it.
    super({ ...options, mode: 'process' });
    this.name = options.name;
    this.#nft = options.nftCommand ?? 'nft';
    this.#table = options.table;
    this.#recheckMs = options.recheckMs ?? 0;
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
    if (this.#seenAt !== undefined && Date.now() - this.#seenAt < this.#recheckMs) return true;
    const loaded = (await this.run([this.#nft, 'list', 'table', 'inet', this.#table])).code === 0;
    this.#seenAt = loaded ? Date.now() : undefined;
    return loaded;
  }

  /** Forget that the table was seen loaded: the next {@link isRunning} asks `nft` (a table changed). */
  invalidate(): void {
    this.#seenAt = undefined;
  }

  /** Load the installed file (one transaction). Equivalent to: `nft -f FILE`. */
  async reload(): Promise<void> {
    this.#seenAt = undefined;
    const r = await this.run([this.#nft, '-f', this.options.configPath]);
    if (r.code !== 0) {
      throw new DaemonError(
        `${this.codePrefix}_LOAD_FAILED`,
        this.name,
        `nft -f ${this.options.configPath} failed`,
        { output: outputOf(r), hint: 'the previous table stays loaded' },
      );
    }
    this.#seenAt = Date.now();
  }

  /** The same as {@link reload}: there is no process to start. */
  start(): Promise<void> {
    return this.reload();
  }

  /** Delete the table. Equivalent to: `nft delete table inet TABLE`. */
  async stop(): Promise<boolean> {
    this.#seenAt = undefined;
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
    this.#seenAt = undefined;
    return true;
  }
}
