/**
 * keepalived.conf for Keepalived 2.2: one VRRP instance per VIP, all in one
 * sync group that tracks one route-check script per imported prefix (or
 * group of prefixes) with a negative weight each.
 * @module
 */
import type { KeepalivedModel } from '../desired.js';
import { Guard } from './guards.js';
import { renderTemplate } from './templates.js';

/**
 * Render keepalived.conf from a validated model.
 *
 * Every instance starts as BACKUP (priority decides). The track scripts sit
 * on the sync group (with `sync_group_tracking_weight`, so their weights
 * apply to every member) or, for a single VIP, on its instance: the sync
 * group is written only for two or more instances because `keepalived -t`
 * refuses a sync group of one. A failed script lowers the priority by its
 * weight instead of putting the instance in FAULT, so the unit with the most
 * routes holds the VIPs. With `trackFileDir`, each script also gets a
 * `vrrp_track_file` of the same name and weight, tracked in the same place:
 * Keepalived re-reads it (inotify) the moment the runtime writes `1`, so a
 * lost route lowers the priority at once instead of at the script's next
 * run; the script then passes while the file holds non-zero (it counts the
 * group once, never twice) and remains the check while nothing writes the
 * file. IPv6 instances use `native_ipv6` and VRRPv3; a
 * fractional advert interval puts IPv4 instances on VRRPv3 as well.
 *
 * Check the result with `keepalived -t -f FILE` before a reload; the check
 * script must exist, be owned by root and writable by nobody else
 * (`enable_script_security`).
 * @throws {RenderError} when a model value cannot be written safely.
 */
export function renderKeepalivedConfig(model: KeepalivedModel): string {
  const g = new Guard('keepalived.conf');
  if (model.instances.length === 0) {
    g.fail('instances: at least one VRRP instance is needed (no VIPs means no keepalived.conf)');
  }
  const instances = model.instances.map((inst, i) => {
    const at = `instances[${i}]`;
    return {
      name: g.symbol(`${at}.name`, inst.name),
      interface: g.ifname(`${at}.interface`, inst.interface),
      virtualRouterId: g.int(`${at}.virtualRouterId`, inst.virtualRouterId, 1, 255),
      priority: g.int(`${at}.priority`, inst.priority, 1, 254),
      vip: g.cidr(`${at}.vip`, inst.vip, inst.family),
      ipv6: inst.family === 6,
    };
  });
  const trackFileDir =
    model.trackFileDir === undefined
      ? undefined
      : g.path('trackFileDir', model.trackFileDir).replace(/\/+$/, '');
  const scripts = model.scripts.map((s, i) => {
    if (s.prefixes.length === 0) g.fail(`scripts[${i}].prefixes: at least one prefix is needed`);
    const name = g.symbol(`scripts[${i}].name`, s.name);
    return {
      name,
      trackFile: trackFileDir === undefined ? false : `${trackFileDir}/${name}`,
      prefixList: s.prefixes.map((p, j) => g.prefix(`scripts[${i}].prefixes[${j}]`, p)).join(' '),
      weight: g.int(`scripts[${i}].weight`, s.weight, -253, -1),
    };
  });
  // Priorities stay in 1..254 whatever fails: Keepalived would clamp them
  // and units missing different numbers of routes would tie.
  const loss = scripts.reduce((sum, s) => sum - s.weight, 0);
  instances.forEach((inst, i) => {
    if (inst.priority - loss < 1) {
      g.fail(
        `instances[${i}].priority: ${inst.priority} minus the track weights (${loss}) goes below 1; use fewer or lighter track scripts`,
      );
    }
  });
  const advert = model.advertIntervalSeconds;
  const centis = Math.round(advert * 100);
  if (!(advert >= 0.01 && advert <= 40.95) || Math.abs(advert * 100 - centis) > 1e-6) {
    g.fail(`advertIntervalSeconds: ${advert} is not a multiple of 0.01 in 0.01-40.95`);
  }
  return renderTemplate('keepalived.conf', {
    checkScript: g.path('checkScript', model.checkScript),
    intervalSeconds: g.int('intervalSeconds', model.intervalSeconds, 1, 3600),
    fall: g.int('fall', model.fall, 1, 255),
    rise: g.int('rise', model.rise, 1, 255),
    advertInt: centis % 100 === 0 ? String(centis / 100) : (centis / 100).toFixed(2),
    version3: centis % 100 !== 0,
    scripts,
    trackFiles: trackFileDir !== undefined && scripts.length > 0,
    syncGroup: instances.length >= 2 ? g.symbol('syncGroup', model.syncGroup) : false,
    instances,
  });
}
