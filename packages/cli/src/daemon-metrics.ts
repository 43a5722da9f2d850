/**
 * Refreshing the daemon's metrics before each scrape: tunnels (state +
 * observe), BIRD (control socket) and VRRP (Keepalived's state files).
 * @module
 */
import { BirdControl, type GatewayMetrics } from '@wg-gateway/runtime';
import type { Wiring } from './wiring.js';

/**
 * Update `metrics` from the system. A source that cannot be read is skipped
 * and its error passed to `onError`; the others still update.
 */
export async function refreshMetrics(
  metrics: GatewayMetrics,
  wiring: Wiring,
  onError: (e: unknown, source: string) => void,
): Promise<void> {
  try {
    const [state, observed] = await Promise.all([wiring.state.load(), wiring.backend.observe()]);
    metrics.setTunnels(state?.links ?? [], observed, Date.now());
  } catch (e) {
    onError(e, 'tunnels');
  }
  try {
    const control = await BirdControl.connect(wiring.settings.runtime.bird.socket, { timeoutMs: 2000 });
    try {
      const protocols = await control.protocolsAll();
      const neighbors = await control.ospfNeighbors();
      const routes = await control.routeCount();
      metrics.setBirdStatus({ protocols, neighbors, routes });
    } finally {
      control.close();
    }
  } catch (e) {
    onError(e, 'bird');
  }
  if (wiring.keepalived && wiring.settings.group.vips.length > 0) {
    try {
      metrics.setVrrpStates(await wiring.keepalived.vrrpStates());
    } catch (e) {
      onError(e, 'vrrp');
    }
  }
}
