/**
 * `@wg-gateway/backend-netlink`: a WireGuard backend over rtnetlink, the
 * kernel's `wireguard` generic-netlink family and the userspace UAPI.
 * @packageDocumentation
 */
export * from './netlink-backend.js';
export * from './netlink-error.js';
export * from './rtnl-client.js';
export * from './uapi-client.js';
export * from './userspace-daemon.js';
export * from './wg-genl-client.js';
export * from './wg-genl-codec.js';
export * from './wg-genl-constants.js';
