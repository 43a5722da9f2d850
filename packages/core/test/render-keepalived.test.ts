import { describe, expect, it } from 'vitest';
import type { KeepalivedModel, VrrpInstance } from '../src/desired.js';
import { GENERATED_HEADER, RenderError, renderKeepalivedConfig } from '../src/render/index.js';
import {
  keepalivedFastAdverts,
  keepalivedOneVip,
  keepalivedOneVipTrackFiles,
  keepalivedTrackFiles,
  keepalivedTwoVips,
} from './render-fixtures.js';

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
      expect(b).toContain(`  script "/usr/local/lib/wg-gateway/route-check ${s.prefixes.join(' ')}"\n`);
      expect(b).toContain('  interval 2\n');
      expect(b).toMatch(/ {2}fall [1-9]\n {2}rise [1-9]\n/);
    }
  });

  it('groups every instance in one sync group that tracks every script with its weight', () => {
    const g = block(text, 'vrrp_sync_group wg_gateway');
    expect(g).toContain('  group {\n    wg_gateway_vip_0\n    wg_gateway_vip_1\n  }');
    expect(g).toContain(
      '  track_script {\n    wg_gateway_route_0 weight -1\n    wg_gateway_route_1 weight -1\n    wg_gateway_route_2 weight -1\n  }\n',
    );
    // Without it Keepalived ignores the weights and a failed script means FAULT.
    expect(g).toContain('  sync_group_tracking_weight\n');
  });

  it('writes one BACKUP instance per VIP; the sync group, not the instance, tracks', () => {
    for (const inst of keepalivedTwoVips.instances) {
      const b = block(text, `vrrp_instance ${inst.name}`);
      expect(b).toContain('  state BACKUP\n');
      expect(b).toContain('  interface lan0\n');
      expect(b).toContain(`  virtual_router_id ${inst.virtualRouterId}\n`);
      expect(b).toContain('  priority 254\n');
      expect(b).toContain('  advert_int 1\n');
      expect(b).toContain(`  virtual_ipaddress {\n    ${inst.vip}\n  }\n`);
      expect(b).not.toContain('track_script');
    }
  });

  it('makes IPv6 instances native IPv6 VRRPv3 and leaves IPv4 ones alone', () => {
    const v4 = block(text, 'vrrp_instance wg_gateway_vip_0');
    const v6 = block(text, 'vrrp_instance wg_gateway_vip_1');
    expect(v6).toContain('  native_ipv6\n  version 3\n');
    expect(v4).not.toContain('native_ipv6');
    expect(v4).not.toContain('version');
  });

  it('writes no sync group for a single instance (keepalived -t refuses a group of one); the instance tracks with weights', () => {
    const t = renderKeepalivedConfig(keepalivedOneVip);
    expect(t).not.toContain('vrrp_sync_group');
    expect(t.match(/^vrrp_instance /gm)).toHaveLength(1);
    expect(block(t, 'vrrp_instance wg_gateway_vip_0')).toContain(
      '  track_script {\n    wg_gateway_route_0 weight -1\n  }\n',
    );
  });

  it('writes centisecond adverts with VRRPv3 on every instance, and the track timers', () => {
    const t = renderKeepalivedConfig(keepalivedFastAdverts);
    const v4 = block(t, 'vrrp_instance wg_gateway_vip_0');
    expect(v4).toContain('  advert_int 0.10\n');
    expect(v4).toContain('  version 3\n');
    expect(v4).not.toContain('native_ipv6');
    const s = block(t, 'vrrp_script wg_gateway_route_0');
    expect(s).toContain('route-check 198.51.100.0/24 203.0.113.0/24"\n');
    expect(s).toContain('  interval 1\n  timeout 1\n  fall 1\n  rise 3\n');
  });

  it('without a track directory writes no track file', () => {
    expect(text).not.toContain('track_file');
    expect(text).not.toContain('--track-file');
  });

  it('with a track directory pairs every script with a track file of the same name, tracked with the same weight', () => {
    const t = renderKeepalivedConfig(keepalivedTrackFiles);
    const dir = '/run/wg-gateway/keepalived/track';
    for (const s of keepalivedTrackFiles.scripts) {
      // The script is told the file: it passes while the file already counts the loss.
      expect(block(t, `vrrp_script ${s.name}`)).toContain(
        `  script "/usr/local/lib/wg-gateway/route-check --track-file ${dir}/${s.name} ${s.prefixes.join(' ')}"\n`,
      );
      const f = block(t, `vrrp_track_file ${s.name}`);
      expect(f).toContain(`  file "${dir}/${s.name}"\n`);
      // Created at 0 when missing, never overwritten: a reload keeps the runtime's value.
      expect(f).toContain('  init_file 0\n');
      expect(f).not.toContain('overwrite');
    }
    const g = block(t, 'vrrp_sync_group wg_gateway');
    expect(g).toContain(
      '  track_file {\n    wg_gateway_route_0 weight -1\n    wg_gateway_route_1 weight -1\n  }\n',
    );
    expect(g).toContain('  sync_group_tracking_weight\n');
    expect(block(t, 'vrrp_instance wg_gateway_vip_0')).not.toContain('track_file');
  });

  it('with one VIP and a track directory the instance tracks the files', () => {
    const t = renderKeepalivedConfig(keepalivedOneVipTrackFiles);
    expect(block(t, 'vrrp_instance wg_gateway_vip_0')).toContain(
      '  track_file {\n    wg_gateway_route_0 weight -1\n  }\n',
    );
  });

  it('writes no track_script block when there is nothing to track', () => {
    const t = renderKeepalivedConfig({ ...keepalivedTwoVips, scripts: [] });
    expect(t).not.toContain('track_script');
    expect(t).not.toContain('vrrp_script');
    const f = renderKeepalivedConfig({ ...keepalivedTrackFiles, scripts: [] });
    expect(f).not.toContain('track_file');
  });

  const bad: [string, Partial<KeepalivedModel>, RegExp][] = [
    ['no instances', { instances: [] }, /at least one VRRP instance/],
    ['a check script path with a space', { checkScript: '/usr/bin/env rm' }, /checkScript/],
    ['a relative check script path', { checkScript: 'route-check' }, /checkScript/],
    ['a track directory with a quote', { trackFileDir: '/run/x"y' }, /trackFileDir/],
    [
      'an IPv6 VIP in an IPv4 instance',
      { instances: [{ ...firstInstance, vip: '2001:db8::1/64' }] },
      /instances\[0\]\.vip/,
    ],
    ['a router id above 255', { instances: [{ ...firstInstance, virtualRouterId: 256 }] }, /virtualRouterId/],
    [
      'a script name with a brace',
      { scripts: [{ name: 'x}', prefixes: ['10.0.0.0/8'], weight: -1 }] },
      /scripts\[0\]\.name/,
    ],
    [
      'a script prefix that is not one',
      { scripts: [{ name: 'x', prefixes: ['10.0.0.0/8; rm'], weight: -1 }] },
      /scripts\[0\]\.prefixes\[0\]/,
    ],
    ['a script without prefixes', { scripts: [{ name: 'x', prefixes: [], weight: -1 }] }, /scripts\[0\]/],
    [
      'a non-negative weight (a missing route must lower the priority)',
      { scripts: [{ name: 'x', prefixes: ['10.0.0.0/8'], weight: 1 }] },
      /scripts\[0\]\.weight/,
    ],
    [
      'weights that could push the priority below 1',
      {
        scripts: Array.from({ length: 254 }, (_, i) => ({
          name: `r${i}`,
          prefixes: [`10.${i}.0.0/16`],
          weight: -1,
        })),
      },
      /goes below 1/,
    ],
    ['an advert interval finer than centiseconds', { advertIntervalSeconds: 0.005 }, /advertIntervalSeconds/],
    ['an advert interval above 40.95 s', { advertIntervalSeconds: 41 }, /advertIntervalSeconds/],
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
