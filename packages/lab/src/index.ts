/**
 * `@wg-gateway/lab`.
 * @packageDocumentation
 */
export {};
