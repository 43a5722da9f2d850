import { GatewayConfigError } from '@wg-gateway/runtime';
import { describe, expect, it } from 'vitest';
import { defaultSpec, expandTopology } from '../src/index.js';
import { checkUnitConfig, unitConfig } from '../src/unit-config.js';

describe('unit config', () => {
  it('is written in the config file format wg-gateway validates, for both exchanges', () => {
    const plan = expandTopology(defaultSpec());
    for (const exchange of [
      { exchange: 'dir:/tmp/lab/exchange' },
      { exchange: 'etcd:http://203.0.113.1:2379', etcdPrefix: '/wg-gateway-lab/x/' },
    ]) {
      for (const site of plan.sites)
        for (const unit of site.units) {
          const config = unitConfig(plan, site, unit, '/tmp/lab', exchange);
          expect(() => checkUnitConfig(config, `/tmp/lab/${unit.name}.json`)).not.toThrow();
        }
    }
  });

  it('refuses a field the runtime schema does not know, naming it', () => {
    const plan = expandTopology(defaultSpec());
    const site = plan.sites[0];
    const unit = site?.units[0];
    if (!site || !unit) throw new Error('default topology has a unit');
    const config = unitConfig(plan, site, unit, '/tmp/lab', { exchange: 'dir:/tmp/x' });
    const bad = { ...config, runtime: { ...config.runtime, 'interval-secs': 10 } };
    expect(() => checkUnitConfig(bad, '/tmp/lab/u.json')).toThrow(GatewayConfigError);
    expect(() => checkUnitConfig(bad, '/tmp/lab/u.json')).toThrow(/runtime: .*interval-secs/);
  });
});
