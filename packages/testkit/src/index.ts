/**
 * `@wg-gateway/testkit`: test support (private package).
 * @packageDocumentation
 */
export {};
