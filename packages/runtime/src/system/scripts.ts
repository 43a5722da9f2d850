/**
 * Paths of the POSIX sh scripts shipped in the package (`scripts/`), for
 * configs that run them (Keepalived track and notify scripts).
 * @module
 */
import { fileURLToPath } from 'node:url';

/**
 * `check-route.sh PREFIX`: succeeds when BIRD installed a kernel route
 * covering PREFIX. Equivalent to: `ip route show proto bird match PREFIX`.
 */
export const CHECK_ROUTE_SCRIPT: string = fileURLToPath(
  new URL('../../scripts/check-route.sh', import.meta.url),
);

/** `vrrp-notify.sh STATE_DIR FIFO`: turns Keepalived's VRRP notify FIFO into state files. */
export const VRRP_NOTIFY_SCRIPT: string = fileURLToPath(
  new URL('../../scripts/vrrp-notify.sh', import.meta.url),
);
