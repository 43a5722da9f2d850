/**
 * `@wg-gateway/runtime`.
 * @packageDocumentation
 */

export * from './bird/bird-adapter.js';
export * from './bird/bird-control.js';
export * from './bird/bird-reply.js';
export * from './bird/bird-status.js';
export * from './bird/early-routes.js';
export * from './bird/fast-reroute.js';
export * from './bird/link-routing.js';
export * from './compose/backend-registry.js';
export * from './compose/config-document.js';
export * from './compose/create-gateway.js';
export * from './compose/daemons.js';
export * from './compose/exchange-factory.js';
export * from './compose/metrics-refresh.js';
export * from './compose/preflight.js';
export * from './compose/runtime-section.js';
export * from './daemon/gateway-daemon.js';
export * from './daemon/gateway-runner.js';
export * from './daemon-adapter/configured-daemon.js';
export * from './daemon-adapter/daemon-supervisor.js';
export * from './daemon-adapter/restart-backoff.js';
export * from './exchange/directory-exchange.js';
export * from './exchange/exchange-error.js';
export * from './keepalived/keepalived-adapter.js';
export * from './keepalived/track-files.js';
export * from './keepalived/vrrp-state.js';
export * from './log.js';
export * from './metrics/gateway-metrics.js';
export * from './metrics/key-metrics.js';
export * from './metrics/metrics-server.js';
export * from './nftables/nft-table-daemon.js';
export * from './resolver/dns-resolver.js';
export * from './rotation/rotate-keys.js';
export * from './rotation/routing-observer.js';
export * from './state/file-state-store.js';
export * from './state/state-errors.js';
export * from './system/command.js';
export * from './system/daemon-error.js';
export * from './system/host-setup.js';
export * from './system/ip-forwarding.js';
export * from './system/multipath-hash.js';
export * from './system/nexthop-prune.js';
export * from './system/process.js';
export * from './system/scripts.js';
