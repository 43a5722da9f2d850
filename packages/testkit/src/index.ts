/**
 * `@wg-gateway/testkit`: test support (private package): network namespaces
 * and the shared WireGuard backend conformance suite.
 * @packageDocumentation
 */
export * from './netns.js';
