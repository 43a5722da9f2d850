import { describe, expect, it } from 'vitest';
import { birdIncludeFragment } from '../src/bird-fragment.js';
import { birdDaemon } from '../src/daemon-spec.js';
import type { DesiredSystem } from '../src/desired.js';
import { renderBirdConfig } from '../src/render/bird.js';

const model: DesiredSystem['bird'] = {
  routerId: '192.0.2.1',
  interfaces: ['wg50001', 'wg50003'],
  ipv4Stubs: ['192.0.2.0/24'],
  ipv6Stubs: ['2001:db8::/32'],
  ipv4HiddenStubs: ['169.254.0.0/24'],
  helloSeconds: 5,
  deadSeconds: 30,
  bfd: { intervalMs: 100, multiplier: 5 },
  importIpv4: ['198.51.100.0/24'],
  importIpv6: ['3fff::/20'],
  linkImports: [{ interfaces: ['wg50001', 'wg50003'], ipv4: ['198.51.100.0/24'], ipv6: ['3fff::/20'] }],
  ecmpLimit: 64,
};

describe('BIRD include-mode fragment', () => {
  const full = renderBirdConfig(model);
  const fragment = birdIncludeFragment(full);

  it('leaves the router id, protocol device and kernel protocols to the main config', () => {
    expect(full).toMatch(/^router id /m);
    expect(full).toMatch(/^protocol device /m);
    expect(full).toMatch(/^protocol kernel /m);
    expect(fragment).not.toMatch(/^router id /m);
    expect(fragment).not.toMatch(/^protocol (device|kernel) /m);
    expect(fragment).not.toMatch(/merge paths/);
  });

  it('keeps the filters, BFD and both OSPF protocols unchanged', () => {
    for (const block of [
      'protocol bfd wg_gateway_bfd {',
      'filter wg_gateway_import4 {',
      'filter wg_gateway_import6 {',
    ]) {
      expect(fragment).toContain(block);
    }
    const ospf = (t: string) => t.slice(t.indexOf('protocol ospf v3 wg_gateway_ospf4'));
    expect(ospf(fragment)).toBe(ospf(full));
    expect(fragment).toMatch(/^# Include-mode fragment:/m);
    expect(fragment).not.toMatch(/\n\n\n/);
  });

  it('is what birdDaemon renders with include: true', () => {
    const desired = { bird: model } as DesiredSystem;
    const configurator = {
      name: 'bird',
      apply: async () => ({ changed: false }),
      installed: async () => undefined,
    };
    expect(birdDaemon(configurator, { include: true }).render(desired)).toBe(fragment);
    expect(birdDaemon(configurator).render(desired)).toBe(full);
  });
});
