/**
 * `@wg-gateway/cli`.
 * @packageDocumentation
 */
export {};
