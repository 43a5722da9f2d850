import { describe, expect, it } from 'vitest';
import { defaultSpec, expandTopology, hostsFileText, ingressNameOf } from '../src/index.js';
import { checkUnitConfig, unitConfig } from '../src/unit-config.js';

describe('lab ingress names', () => {
  it('units publish <unit>.lab.example when asked, IPs otherwise; the configs validate', () => {
    for (const ingressNames of [false, true]) {
      const plan = expandTopology({ ...defaultSpec(2, 1), ingressNames });
      for (const site of plan.sites)
        for (const unit of site.units) {
          const config = unitConfig(plan, site, unit, '/tmp/lab', { exchange: 'dir:/tmp/lab/exchange' });
          expect(config['ingress-address']).toBe(ingressNames ? ingressNameOf(unit.name) : unit.wanAddress);
          expect(() => checkUnitConfig(config, `/tmp/lab/${unit.name}.json`)).not.toThrow();
        }
    }
    expect('ingressNames' in expandTopology(defaultSpec(2, 1))).toBe(false);
  });

  it('the hosts file maps every unit name to its WAN address, a moved one to where it moved', () => {
    const plan = expandTopology({ ...defaultSpec(2, 1), ingressNames: true });
    const [a, b] = plan.sites.map((s) => s.units[0]);
    const text = hostsFileText(plan, { 'b-1': '203.0.113.200' });
    expect(text).toContain(`${a?.wanAddress} a-1.lab.example\n`);
    expect(text).toContain(`203.0.113.200 b-1.lab.example\n`);
    expect(text).not.toContain(`${b?.wanAddress} `);
    expect(text).toMatch(/^127\.0\.0\.1 localhost\n/);
  });
});
