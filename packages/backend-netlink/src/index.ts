/**
 * `@wg-gateway/backend-netlink`.
 * @packageDocumentation
 */
export {};
