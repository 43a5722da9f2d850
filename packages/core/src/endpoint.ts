/**
 * `host:port` endpoints, IPv6 in brackets as WireGuard writes them.
 * @module
 */

/** Join an address and port: `192.0.2.1:51820`, `[2001:db8::1]:51820`. */
export function formatEndpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Split an endpoint into address and port; undefined when malformed. */
export function parseEndpoint(endpoint: string): { address: string; port: number } | undefined {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(endpoint) ?? /^([^:]+):(\d+)$/.exec(endpoint);
  if (!m) return undefined;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? { address: m[1] as string, port } : undefined;
}
