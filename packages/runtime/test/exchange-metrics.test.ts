import type { GatewayReport } from '@wg-gateway/core';
import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from '../src/metrics/gateway-metrics.js';

const report = (over: Partial<GatewayReport> = {}): GatewayReport => ({
  ok: true,
  changes: [],
  daemons: { bird: { changed: false, enabled: true }, keepalived: { changed: false, enabled: false } },
  problems: [],
  timings: [],
  links: { 'half-open': 0, open: 2, 'half-closed': 0, closed: 0 },
  startedAt: 0,
  durationMs: 1,
  ...over,
});

async function lines(m: GatewayMetrics): Promise<string[]> {
  return (await m.registry.metrics())
    .split('\n')
    .filter((l) => l.startsWith('wg_gateway_exchange_up') || l.startsWith('wg_gateway_remote_'));
}

describe('exchange health metrics', () => {
  it('show the exchange up or down, and per remote unit its data age and whether it is held', async () => {
    const m = new GatewayMetrics();
    m.recordReport(
      report({
        exchange: {
          reachable: true,
          held: 1,
          units: [
            { peering: 'a-b', unit: 'b/0', state: 'fresh', ageSeconds: 0 },
            {
              peering: 'a-b',
              unit: 'b/1',
              state: 'held',
              reason: 'missing',
              ageSeconds: 95,
              missingSince: 5,
            },
            { peering: 'a-b', unit: 'b/2', state: 'withdrawn', ageSeconds: 7 },
            { unit: 'a/1', state: 'fresh', ageSeconds: 0 },
          ],
        },
      }),
    );
    expect(await lines(m)).toEqual([
      'wg_gateway_exchange_up 1',
      'wg_gateway_remote_data_age_seconds{peering="a-b",unit="b/0"} 0',
      'wg_gateway_remote_data_age_seconds{peering="a-b",unit="b/1"} 95',
      'wg_gateway_remote_data_age_seconds{peering="",unit="a/1"} 0',
      'wg_gateway_remote_data_held{peering="a-b",unit="b/0"} 0',
      'wg_gateway_remote_data_held{peering="a-b",unit="b/1"} 1',
      'wg_gateway_remote_data_held{peering="",unit="a/1"} 0',
    ]);
    m.recordReport(
      report({
        exchange: {
          reachable: false,
          error: 'etcd down',
          held: 1,
          units: [{ peering: 'a-b', unit: 'b/0', state: 'held', reason: 'unreachable', ageSeconds: 30 }],
        },
      }),
    );
    expect(await lines(m)).toEqual([
      'wg_gateway_exchange_up 0',
      'wg_gateway_remote_data_age_seconds{peering="a-b",unit="b/0"} 30',
      'wg_gateway_remote_data_held{peering="a-b",unit="b/0"} 1',
    ]);
  });
});
