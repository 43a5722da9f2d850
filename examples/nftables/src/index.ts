/**
 * An example third daemon for wg-gateway: an nftables rule set that opens
 * exactly the tunnels' UDP ports.
 * @packageDocumentation
 */
export * from './nftables-configurator.js';
export * from './nftables-daemon.js';
export * from './nftables-ruleset.js';
