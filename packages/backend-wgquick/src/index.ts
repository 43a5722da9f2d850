/**
 * `@wg-gateway/backend-wgquick`: a WireGuard backend through `wg-quick`,
 * `wg syncconf`, `wg show all dump` and `ip -j`.
 * @packageDocumentation
 */
export * from './command-runner.js';
export * from './conf-file.js';
export * from './errors.js';
export * from './host-facts.js';
export * from './link-update.js';
export * from './observe-parsers.js';
export * from './wg-quick-backend.js';
