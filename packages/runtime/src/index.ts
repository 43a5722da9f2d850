/**
 * `@wg-gateway/runtime`.
 * @packageDocumentation
 */
export {};
