/**
 * `@wg-gateway/cli`: the `wg-gateway` command-line tool. The program and its
 * config-file loader are exported for embedding and tests.
 * @packageDocumentation
 */
export * from './command-kit.js';
export * from './config-file.js';
export * from './errors.js';
export * from './global-options.js';
export * from './output/diff.js';
export * from './preflight.js';
export * from './program.js';
export * from './runtime-section.js';
export * from './sample-config.js';
export * from './wiring.js';
