/**
 * Refreshing a gateway's metrics before each scrape: tunnels (state +
 * observe), BIRD (control socket) and VRRP (Keepalived's state files).
 * @module
 */
import type { LinkRecord } from '@wg-gateway/core';
import { BirdControl } from '../bird/bird-control.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { ComposedGateway } from './create-gateway.js';

/**
 * Update `metrics` from the system. A source that cannot be read is skipped
 * and its error passed to `onError`; the others still update.
 */
export async function refreshMetrics(
  metrics: GatewayMetrics,
  gw: ComposedGateway,
  onError: (e: unknown, source: string) => void,
): Promise<void> {
  let links: readonly LinkRecord[] | undefined;
  try {
    const [state, observed] = await Promise.all([gw.state.load(), gw.backend.observe()]);
    links = state?.links ?? [];
    metrics.setTunnels(links, observed, Date.now());
    metrics.keys.setKeys(state, Date.now());
  } catch (e) {
    onError(e, 'tunnels');
  }
  try {
    const control = await BirdControl.connect(gw.config.runtime.bird.socket, { timeoutMs: 2000 });
    try {
      const protocols = await control.protocolsAll();
      const neighbors = await control.ospfNeighbors();
      const routes = await control.routeCount();
      metrics.setBirdStatus({ protocols, neighbors, routes });
      if (links) metrics.setLinkRouting(links, neighbors);
    } finally {
      control.close();
    }
  } catch (e) {
    onError(e, 'bird');
  }
  if (gw.keepalived && gw.config.group.vips.length > 0) {
    try {
      metrics.setVrrpStates(await gw.keepalived.vrrpStates());
    } catch (e) {
      onError(e, 'vrrp');
    }
  }
}
