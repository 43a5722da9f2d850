/**
 * The nftables rule set as a daemon: runtime's {@link NftTableDaemon} (the
 * table daemon the gateway's own MSS clamping uses, on the
 * `ConfiguredDaemon` skeleton) for this example's table. Checked with
 * `nft -c -f`, loaded with `nft -f`, "running" while its table exists,
 * "stopped" by deleting the table; the skeleton brings the atomic install,
 * the restore of the previous file on a failed load and the retry on the
 * next reconcile.
 * @module
 */
import { NftTableDaemon, type NftTableDaemonOptions } from '@wg-gateway/runtime';
import { NFTABLES_TABLE } from './nftables-ruleset.js';

/** Options of {@link NftablesConfigurator}. */
export interface NftablesConfiguratorOptions extends Omit<NftTableDaemonOptions, 'name' | 'table'> {
  /** The table the rule set defines (default `wg_gateway`). */
  readonly table?: string;
}

/** Loads the rendered rule set into the kernel with `nft` (errors `NFTABLES_...`). */
export class NftablesConfigurator extends NftTableDaemon {
  constructor(options: NftablesConfiguratorOptions) {
    super({ ...options, name: 'nftables', table: options.table ?? NFTABLES_TABLE });
  }
}
