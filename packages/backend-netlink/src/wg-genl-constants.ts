/**
 * Constants of the kernel's `wireguard` generic-netlink family, from
 * include/uapi/linux/wireguard.h.
 * @module
 */

/** Generic-netlink family name and version. */
export const WG_GENL_NAME = 'wireguard';
export const WG_GENL_VERSION = 1;
/** Commands: GET_DEVICE is 0, SET_DEVICE is 1. */
export const WG_CMD_GET_DEVICE = 0;
export const WG_CMD_SET_DEVICE = 1;

/** `enum wgdevice_attribute`. */
export const WGDEVICE_A = {
  IFINDEX: 1,
  IFNAME: 2,
  PRIVATE_KEY: 3,
  PUBLIC_KEY: 4,
  FLAGS: 5,
  LISTEN_PORT: 6,
  FWMARK: 7,
  PEERS: 8,
} as const;
/** `enum wgdevice_flag`. */
export const WGDEVICE_F_REPLACE_PEERS = 1;

/** `enum wgpeer_attribute`. */
export const WGPEER_A = {
  PUBLIC_KEY: 1,
  PRESHARED_KEY: 2,
  FLAGS: 3,
  ENDPOINT: 4,
  PERSISTENT_KEEPALIVE_INTERVAL: 5,
  LAST_HANDSHAKE_TIME: 6,
  RX_BYTES: 7,
  TX_BYTES: 8,
  ALLOWEDIPS: 9,
  PROTOCOL_VERSION: 10,
} as const;
/** `enum wgpeer_flag`. */
export const WGPEER_F = { REMOVE_ME: 1, REPLACE_ALLOWEDIPS: 2, UPDATE_ONLY: 4 } as const;

/** `enum wgallowedip_attribute`. */
export const WGALLOWEDIP_A = { FAMILY: 1, IPADDR: 2, CIDR_MASK: 3 } as const;
