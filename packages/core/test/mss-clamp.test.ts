import { describe, expect, it } from 'vitest';
import { clampedMss, mssClampDaemon, renderMssClampRuleset } from '../src/mss-clamp.js';

describe('MSS clamping rule set', () => {
  it('clamps SYNs out of every tunnel to the route MTU and into each tunnel to its MTU per family', () => {
    const text = renderMssClampRuleset([
      { name: 'wg50003', mtu: 1280 },
      { name: 'wg50001', mtu: 1280 },
      { name: 'wg50005', mtu: 1420 },
    ]);
    expect(text).toContain(
      'oifname { "wg50001", "wg50003", "wg50005" } tcp flags syn / syn,rst counter tcp option maxseg size set rt mtu',
    );
    expect(text).toContain(
      'iifname { "wg50001", "wg50003" } meta nfproto ipv4 tcp flags syn / syn,rst counter tcp option maxseg size set 1240',
    );
    expect(text).toContain(
      'iifname { "wg50001", "wg50003" } meta nfproto ipv6 tcp flags syn / syn,rst counter tcp option maxseg size set 1220',
    );
    expect(text).toContain(
      'iifname { "wg50005" } meta nfproto ipv4 tcp flags syn / syn,rst counter tcp option maxseg size set 1380',
    );
    // The file replaces only its own table.
    expect(text.split('\n').slice(1, 3)).toEqual([
      'table inet wg_gateway_mss',
      'delete table inet wg_gateway_mss',
    ]);
  });

  it('keeps an empty chain without tunnels, and refuses what nft would misread', () => {
    expect(renderMssClampRuleset([])).not.toContain('maxseg');
    expect(() => renderMssClampRuleset([{ name: 'wg1"; flush ruleset', mtu: 1280 }])).toThrow(
      /interface name/,
    );
    expect(() => renderMssClampRuleset([], { table: 'x y' })).toThrow(/table name/);
    expect(clampedMss(1280)).toEqual({ ipv4: 1240, ipv6: 1220 });
  });

  it('is a daemon entry configured before the WireGuard apply; disabled renders nothing', () => {
    const configurator = {
      name: 'fake',
      apply: async () => ({ changed: false }),
      installed: async () => undefined,
    };
    const desired = { interfaces: [{ name: 'wg50001', mtu: 1280 }] } as never;
    const on = mssClampDaemon(configurator);
    expect(on).toMatchObject({ stage: 'mss-clamp', order: 'before-apply' });
    expect(on.render(desired)).toContain('"wg50001"');
    expect(mssClampDaemon(configurator, { enabled: false }).render(desired)).toBeUndefined();
  });
});
