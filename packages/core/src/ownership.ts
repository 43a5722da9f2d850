/**
 * How backends mark the interfaces this gateway created, so that a user's
 * own WireGuard interfaces are never observed, changed or deleted.
 * @module
 */

/**
 * Interface alias (IFLA_IFALIAS) set on every interface the gateway creates.
 * Equivalent to: `ip link set dev wg50001 alias wg-gateway`.
 */
export const MANAGED_ALIAS = 'wg-gateway';

/** Interface names the gateway uses: `wg<port>`. */
export const MANAGED_NAME = /^wg\d{1,5}$/;

/** True when an interface with this name and alias belongs to the gateway. */
export function isManaged(name: string, alias: string | undefined): boolean {
  return MANAGED_NAME.test(name) && alias === MANAGED_ALIAS;
}
