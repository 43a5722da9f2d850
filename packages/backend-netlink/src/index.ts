/**
 * `@wg-gateway/backend-netlink`: a WireGuard backend over rtnetlink, the
 * kernel's `wireguard` generic-netlink family and the userspace UAPI.
 *
 * The public API is the backend, its factory and options, and its error;
 * the netlink clients, codec and constants stay internal.
 * @packageDocumentation
 */
export {
  createNetlinkBackend,
  NetlinkBackend,
  type NetlinkBackendOptions,
  type NetlinkMode,
} from './netlink-backend.js';
export { NetlinkBackendError } from './netlink-error.js';
