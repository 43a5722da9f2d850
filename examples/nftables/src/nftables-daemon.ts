/**
 * The third daemon: one entry of the gateway's daemon list.
 * @module
 */
import type { DaemonConfigurator, DaemonSpec } from '@wg-gateway/core';
import { renderNftablesRuleset } from './nftables-ruleset.js';

/**
 * The nftables rule set as a {@link DaemonSpec} (stage `nftables`): rendered
 * from `desired.udpPorts` inside `portRange`, configured before the
 * WireGuard apply. Add it to the list given to core's `Gateway`.
 */
export function nftablesDaemon(
  configurator: DaemonConfigurator,
  options: { readonly portRange: { readonly min: number; readonly max: number }; readonly table?: string },
): DaemonSpec {
  return {
    stage: 'nftables',
    configurator,
    // Open a new tunnel's port before its interface sends the first handshake.
    order: 'before-apply',
    render: (desired) =>
      renderNftablesRuleset({
        udpPorts: desired.udpPorts,
        portRange: options.portRange,
        ...(options.table === undefined ? {} : { table: options.table }),
      }),
  };
}
