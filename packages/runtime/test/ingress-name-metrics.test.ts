import type { GatewayReport } from '@wg-gateway/core';
import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from '../src/metrics/gateway-metrics.js';

const report = (over: Partial<GatewayReport> = {}): GatewayReport => ({
  ok: true,
  changes: [],
  daemons: {},
  problems: [],
  timings: [],
  links: { 'half-open': 0, open: 2, 'half-closed': 0, closed: 0 },
  startedAt: 100_000,
  durationMs: 0,
  ...over,
});

async function lines(m: GatewayMetrics): Promise<string[]> {
  return (await m.registry.metrics()).split('\n').filter((l) => l.startsWith('wg_gateway_ingress_name'));
}

describe('ingress name metrics', () => {
  it('show the address in use per remote unit and the age of the last good answer', async () => {
    const m = new GatewayMetrics();
    m.recordReport(
      report({
        names: [
          {
            name: 'b0.example.net',
            address: '198.51.100.7',
            resolvedAt: 40_000,
            attemptedAt: 40_000,
            users: [{ peering: 'a-b', unit: 'b/0' }],
          },
          {
            name: 'b1.example.net',
            error: 'ENOTFOUND',
            attemptedAt: 90_000,
            users: [{ peering: 'a-b', unit: 'b/1' }],
          },
        ],
      }),
    );
    expect(await lines(m)).toEqual([
      'wg_gateway_ingress_name_info{peering="a-b",unit="b/0",name="b0.example.net",address="198.51.100.7"} 1',
      'wg_gateway_ingress_name_info{peering="a-b",unit="b/1",name="b1.example.net",address=""} 1',
      'wg_gateway_ingress_name_resolved_age_seconds{peering="a-b",unit="b/0"} 60',
    ]);
    // A reconcile that did not get as far as names keeps them; one with none clears them.
    m.recordReport(report({ ok: false, failedStage: 'read-exchange' }));
    expect(await lines(m)).toHaveLength(3);
    m.recordReport(report({ names: [] }));
    expect(await lines(m)).toEqual([]);
  });
});
