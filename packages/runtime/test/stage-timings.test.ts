import type { GatewayReport } from '@wg-gateway/core';
import { describe, expect, it } from 'vitest';
import { stageTimings } from '../src/daemon/gateway-daemon.js';

describe('stage timings in the reconcile log', () => {
  it('lists every stage once in order, summing a stage that ran twice', () => {
    const report = {
      timings: [
        { stage: 'lock', ms: 1 },
        { stage: 'observe', ms: 12 },
        { stage: 'bird', ms: 3 },
        { stage: 'apply', ms: 40 },
        { stage: 'bird', ms: 5 },
      ],
    } as unknown as GatewayReport;
    const t = stageTimings(report);
    expect(t).toEqual({ lock: 1, observe: 12, bird: 8, apply: 40 });
    expect(Object.keys(t)).toEqual(['lock', 'observe', 'bird', 'apply']);
  });
});
