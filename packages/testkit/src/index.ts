/**
 * `@wg-gateway/testkit`: test support (private package): network namespaces
 * and the shared WireGuard backend conformance suite.
 * @packageDocumentation
 */

export * from './backend-conformance.js';
export * from './backend-wire.js';
export * from './conformance-fixtures.js';
export * from './etcd.js';
export * from './netns.js';
export * from './reference-style-backend.js';
export * from './remote-backend.js';
