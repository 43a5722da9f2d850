import { describe, expect, it } from 'vitest';
import type { BirdModel } from '../src/desired.js';
import { GENERATED_HEADER, RenderError, renderBirdConfig } from '../src/render/index.js';
import { birdTwoLinks, birdZeroInterfaces } from './render-fixtures.js';

/** The top-level block that starts with `head` (up to its closing `}` in column 0). */
function block(text: string, head: string): string {
  const start = text.indexOf(`${head} {`);
  if (start < 0) throw new Error(`no block ${head}`);
  const end = text.indexOf('\n}\n', start);
  return text.slice(start, end + 2);
}

const ospf4 = (t: string) => block(t, 'protocol ospf v3 wg_gateway_ospf4');
const ospf6 = (t: string) => block(t, 'protocol ospf v3 wg_gateway_ospf6');

describe('renderBirdConfig', () => {
  const text = renderBirdConfig(birdTwoLinks);

  it('starts with the generated-file comment and sets the router id', () => {
    expect(text.split('\n')[0]).toBe(GENERATED_HEADER);
    expect(text).toContain('\nrouter id 192.0.2.1;\n');
    expect(text).toContain('protocol device wg_gateway_device {');
  });

  it('exports OSPF routes to the kernel with merged multipath and learns nothing', () => {
    for (const f of [4, 6]) {
      const k = block(text, `protocol kernel wg_gateway_kernel${f}`);
      expect(k).toContain(`ipv${f} {`);
      expect(k).toContain('import none;');
      expect(k).toContain('export where source ~ [ RTS_OSPF, RTS_OSPF_IA, RTS_OSPF_EXT1, RTS_OSPF_EXT2 ];');
      expect(k).toContain('learn no;');
      expect(k).toContain('merge paths yes limit 64;');
    }
  });

  it('runs OSPFv3 with instance id 64 for IPv4 and 0 for IPv6 (RFC 5838)', () => {
    expect(ospf4(text)).toMatch(/ipv4 \{[^}]*\};\n {2}instance id 64;/);
    expect(ospf6(text)).toMatch(/ipv6 \{[^}]*\};\n {2}instance id 0;/);
    expect(ospf4(text)).toContain('ecmp yes limit 64;');
    expect(ospf4(text)).toContain('area 0 {');
    expect(ospf6(text)).toContain('area 0 {');
  });

  it('puts every link interface, exact name, ptp with cost and timers, in both instances', () => {
    for (const o of [ospf4(text), ospf6(text)]) {
      for (const name of birdTwoLinks.interfaces) {
        expect(o).toContain(
          `interface "${name}" {\n      type ptp;\n      cost 10;\n      hello 5;\n      dead 30;\n      bfd yes;\n      retransmit 2;\n    };`,
        );
      }
      expect(o.match(/interface "/g)).toHaveLength(2);
    }
  });

  it('adds a BFD protocol with the interval and multiplier for each link', () => {
    const b = block(text, 'protocol bfd wg_gateway_bfd');
    for (const name of birdTwoLinks.interfaces) {
      expect(b).toContain(`interface "${name}" {\n    interval 100 ms;\n    multiplier 5;\n  };`);
    }
  });

  it('has no BFD at all when the model has none', () => {
    const { bfd: _, ...noBfd } = birdTwoLinks;
    const t = renderBirdConfig(noBfd);
    expect(t).not.toMatch(/bfd/i);
    expect(ospf4(t)).toContain('dead 30;\n      retransmit 2;\n    };');
  });

  it('advertises own prefixes as stubnets in their family and the link subnet as hidden', () => {
    expect(ospf4(text)).toContain('stubnet 192.0.2.0/24;');
    expect(ospf4(text)).toContain('stubnet 169.254.0.0/24 {\n      hidden;\n    };');
    expect(ospf4(text)).not.toContain('2001:db8:1::/48');
    expect(ospf6(text)).toContain('stubnet 2001:db8:1::/48;');
    expect(ospf6(text)).not.toMatch(/stubnet \d+\.\d+/);
  });

  it('imports only the allowed prefixes and their more specifics, never default or link-local', () => {
    const f4 = block(text, 'filter wg_gateway_import4');
    expect(f4).toContain('if net ~ [ 169.254.0.0/16+ ] then reject;');
    // Each link accepts only what the unit at its other end publishes.
    expect(f4).toContain('if (ifname = "wg50001") && net ~ [ 198.51.100.0/24+ ] then accept;');
    expect(f4).toContain('if (ifname = "wg50003") && net ~ [ 203.0.113.0/24+ ] then accept;');
    expect(f4).toMatch(/accept;\n {2}reject;\n\}/);
    const f6 = block(text, 'filter wg_gateway_import6');
    expect(f6).toContain('if net ~ [ fe80::/10+ ] then reject;');
    expect(f6).toContain('if (ifname = "wg50001") && net ~ [ 2001:db8:2::/48+ ] then accept;');
    expect(f6).not.toContain('wg50003');
    expect(ospf4(text)).toContain('import filter wg_gateway_import4;');
    expect(ospf6(text)).toContain('import filter wg_gateway_import6;');
    // The filters sit before the protocols that use them.
    expect(text.indexOf('filter wg_gateway_import4')).toBeLessThan(text.indexOf('wg_gateway_ospf4 {'));
  });

  it('imports nothing and lists no interface when the unit has no links', () => {
    const t = renderBirdConfig(birdZeroInterfaces);
    expect(t).not.toContain('filter wg_gateway_import');
    expect(t).not.toContain('interface "');
    expect(ospf4(t)).toContain('import none;');
    expect(ospf6(t)).toContain('import none;');
    expect(ospf4(t)).toContain('stubnet 192.0.2.0/24;');
  });

  it('filters per family independently', () => {
    const t = renderBirdConfig({
      ...birdTwoLinks,
      linkImports: birdTwoLinks.linkImports.map((l) => ({ ...l, ipv6: [] })),
    });
    expect(t).toContain('filter wg_gateway_import4');
    expect(t).not.toContain('filter wg_gateway_import6');
    expect(ospf6(t)).toContain('import none;');
  });

  it('writes prefixes in canonical form', () => {
    const t = renderBirdConfig({
      ...birdTwoLinks,
      linkImports: [{ interfaces: ['wg50001'], ipv4: [], ipv6: ['2001:DB8:2:0::/48'] }],
    });
    expect(t).toContain('[ 2001:db8:2::/48+ ]');
  });

  const bad: [string, Partial<BirdModel>, RegExp][] = [
    ['an interface name with a quote', { interfaces: ['wg1"; }'] }, /interfaces\[0\]/],
    [
      'an IPv6 prefix in an IPv4 import list',
      { linkImports: [{ interfaces: ['wg50001'], ipv4: ['2001:db8::/32'], ipv6: [] }] },
      /linkImports\[0\]\.ipv4\[0\].*IPv4/,
    ],
    [
      'a link import naming a bad interface',
      { linkImports: [{ interfaces: ['wg1" || 1'], ipv4: ['198.51.100.0/24'], ipv6: [] }] },
      /linkImports\[0\]\.interfaces\[0\]/,
    ],
    ['an IPv4 stub in the IPv6 stubs', { ipv6Stubs: ['10.0.0.0/8'] }, /ipv6Stubs\[0\]/],
    ['a router id that is not IPv4', { routerId: '2001:db8::1' }, /routerId/],
    ['a dead interval not above hello', { deadSeconds: 5 }, /deadSeconds/],
    [
      "a link's dead interval not above its hello",
      { interfaceTimers: { wg50003: { helloSeconds: 4, deadSeconds: 4 } } },
      /interfaceTimers\.wg50003\.deadSeconds/,
    ],
    ['a fractional ECMP limit', { ecmpLimit: 1.5 }, /ecmpLimit/],
    ['a zero BFD multiplier', { bfd: { intervalMs: 100, multiplier: 0 } }, /bfd\.multiplier/],
  ];
  for (const [what, patch, message] of bad) {
    it(`refuses ${what}`, () => {
      const attempt = () => renderBirdConfig({ ...birdTwoLinks, ...patch });
      expect(attempt).toThrow(RenderError);
      expect(attempt).toThrow(message);
      expect(attempt).toThrow(/^\[core\] \[render\] bird\.conf: /);
    });
  }
});
