/**
 * `@wg-gateway/backend-wgquick`.
 * @packageDocumentation
 */
export {};
