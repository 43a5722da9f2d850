/**
 * `@wg-gateway/lab`: a multi-site wg-gateway lab in network namespaces with
 * real wireguard-go, BIRD and Keepalived, for end-to-end tests, benchmarks
 * and `wg-gateway lab` (which runs this package's `wg-gateway-lab` bin).
 * @packageDocumentation
 */
export * from './failover.js';
export * from './lab.js';
export * from './lab-checks.js';
export * from './lab-error.js';
export * from './lab-measure.js';
export * from './lab-names.js';
export * from './lab-namespace.js';
export * from './lab-record.js';
export * from './lab-status.js';
export * from './lab-traffic.js';
export * from './presets.js';
export * from './timeline.js';
export * from './topology.js';
export * from './unit-config.js';
export * from './wait.js';
