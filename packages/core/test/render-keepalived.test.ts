import { describe, expect, it } from 'vitest';
import type { KeepalivedModel, VrrpInstance } from '../src/desired.js';
import { GENERATED_HEADER, RenderError, renderKeepalivedConfig } from '../src/render/index.js';
import { keepalivedOneVip, keepalivedTwoVips } from './render-fixtures.js';

const firstInstance = keepalivedTwoVips.instances[0] as VrrpInstance;

/** The top-level block that starts with `head` (up to its closing `}` in column 0). */
function block(text: string, head: string): string {
  const start = text.indexOf(`${head} {`);
  if (start < 0) throw new Error(`no block ${head}`);
  return text.slice(start, text.indexOf('\n}\n', start) + 2);
}

describe('renderKeepalivedConfig', () => {
  const text = renderKeepalivedConfig(keepalivedTwoVips);

  it('starts with the generated-file comment and enables script security as root', () => {
    expect(text.split('\n')[0]).toBe(GENERATED_HEADER);
    expect(block(text, 'global_defs')).toBe('global_defs {\n  enable_script_security\n  script_user root\n}');
  });

  it('writes one track script per prefix running the check script with the prefix', () => {
    expect(text.match(/^vrrp_script /gm)).toHaveLength(3);
    for (const s of keepalivedTwoVips.scripts) {
      const b = block(text, `vrrp_script ${s.name}`);
      expect(b).toContain(`  script "/usr/local/lib/wg-gateway/route-check ${s.prefix}"\n`);
      expect(b).toContain('  interval 2\n');
      expect(b).toMatch(/ {2}fall [1-9]\n {2}rise [1-9]\n/);
    }
  });

  it('groups every instance in one sync group', () => {
    expect(block(text, 'vrrp_sync_group wg_gateway')).toContain(
      '  group {\n    wg_gateway_vip_0\n    wg_gateway_vip_1\n  }',
    );
  });

  it('writes one BACKUP instance per VIP that tracks every script', () => {
    for (const inst of keepalivedTwoVips.instances) {
      const b = block(text, `vrrp_instance ${inst.name}`);
      expect(b).toContain('  state BACKUP\n');
      expect(b).toContain('  interface lan0\n');
      expect(b).toContain(`  virtual_router_id ${inst.virtualRouterId}\n`);
      expect(b).toContain('  priority 100\n');
      expect(b).toContain('  advert_int 1\n');
      expect(b).toContain(`  virtual_ipaddress {\n    ${inst.vip}\n  }\n`);
      expect(b).toContain(
        '  track_script {\n    wg_gateway_route_0\n    wg_gateway_route_1\n    wg_gateway_route_2\n  }\n',
      );
    }
  });

  it('makes IPv6 instances native IPv6 VRRPv3 and leaves IPv4 ones alone', () => {
    const v4 = block(text, 'vrrp_instance wg_gateway_vip_0');
    const v6 = block(text, 'vrrp_instance wg_gateway_vip_1');
    expect(v6).toContain('  native_ipv6\n  version 3\n');
    expect(v4).not.toContain('native_ipv6');
    expect(v4).not.toContain('version');
  });

  it('writes no sync group for a single instance (keepalived -t refuses a group of one)', () => {
    const t = renderKeepalivedConfig(keepalivedOneVip);
    expect(t).not.toContain('vrrp_sync_group');
    expect(t.match(/^vrrp_instance /gm)).toHaveLength(1);
  });

  it('writes no track_script block when there is nothing to track', () => {
    const t = renderKeepalivedConfig({ ...keepalivedTwoVips, scripts: [] });
    expect(t).not.toContain('track_script');
    expect(t).not.toContain('vrrp_script');
  });

  const bad: [string, Partial<KeepalivedModel>, RegExp][] = [
    ['no instances', { instances: [] }, /at least one VRRP instance/],
    ['a check script path with a space', { checkScript: '/usr/bin/env rm' }, /checkScript/],
    ['a relative check script path', { checkScript: 'route-check' }, /checkScript/],
    [
      'an IPv6 VIP in an IPv4 instance',
      { instances: [{ ...firstInstance, vip: '2001:db8::1/64' }] },
      /instances\[0\]\.vip/,
    ],
    ['a router id above 255', { instances: [{ ...firstInstance, virtualRouterId: 256 }] }, /virtualRouterId/],
    ['a script name with a brace', { scripts: [{ name: 'x}', prefix: '10.0.0.0/8' }] }, /scripts\[0\]\.name/],
    [
      'a script prefix that is not one',
      { scripts: [{ name: 'x', prefix: '10.0.0.0/8; rm' }] },
      /scripts\[0\]/,
    ],
  ];
  for (const [what, patch, message] of bad) {
    it(`refuses ${what}`, () => {
      const attempt = () => renderKeepalivedConfig({ ...keepalivedTwoVips, ...patch });
      expect(attempt).toThrow(RenderError);
      expect(attempt).toThrow(message);
      expect(attempt).toThrow(/^\[core\] \[render\] keepalived\.conf: /);
    });
  }
});
