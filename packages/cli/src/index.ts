/**
 * `@wg-gateway/cli`: the `wg-gateway` command-line tool. Nothing imports it:
 * the gateway, its config schema and its daemon loop live in
 * `@wg-gateway/runtime` (`createGateway`, `GatewayDaemon`). These exports
 * are for the CLI's own tests.
 * @packageDocumentation
 */
export * from './command-kit.js';
export * from './errors.js';
export * from './global-options.js';
export * from './output/diff.js';
export * from './program.js';
export * from './sample-config.js';
