/**
 * `@wg-gateway/core`: the pure engine of wg-gateway.
 * @packageDocumentation
 */
export * from './backend.js';
export * from './bird-fragment.js';
export * from './changes.js';
export * from './clock.js';
export * from './config.js';
export * from './daemon-list-error.js';
export * from './daemon-spec.js';
export * from './derive-desired.js';
export * from './desired.js';
export * from './dry-run-backend.js';
export * from './endpoint.js';
export * from './errors.js';
export * from './facts.js';
export * from './gateway.js';
export * from './gateway-ports.js';
export * from './gateway-report.js';
export * from './keys.js';
export * from './mss-clamp.js';
export * from './mtu.js';
export * from './observed.js';
export * from './ownership.js';
export * from './peer-data.js';
export * from './plan.js';
export * from './ports.js';
export * from './prefix.js';
export * from './problems.js';
export * from './reconcile.js';
export * from './render/index.js';
export * from './state.js';
