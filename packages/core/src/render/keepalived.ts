/**
 * keepalived.conf for Keepalived 2.2: one VRRP instance per VIP, all in one
 * sync group, each tracking one route-check script per imported prefix.
 * @module
 */
import type { KeepalivedModel } from '../desired.js';
import { Guard } from './guards.js';
import { renderTemplate } from './templates.js';

/** Consecutive failures before a track script counts as failed, and successes before it recovers. */
export const TRACK_SCRIPT_FALL = 2;
/** @see TRACK_SCRIPT_FALL */
export const TRACK_SCRIPT_RISE = 2;

/**
 * Render keepalived.conf from a validated model.
 *
 * Every instance starts as BACKUP (priority decides), advertises every
 * second and tracks every script, so a unit that lost a route to any
 * remote prefix gives up the VIPs. IPv6 instances use `native_ipv6` and
 * VRRPv3. The sync group is written only for two or more instances:
 * `keepalived -t` refuses a sync group of one.
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
  const scripts = model.scripts.map((s, i) => ({
    name: g.symbol(`scripts[${i}].name`, s.name),
    prefix: g.prefix(`scripts[${i}].prefix`, s.prefix),
  }));
  return renderTemplate('keepalived.conf', {
    checkScript: g.path('checkScript', model.checkScript),
    intervalSeconds: g.int('intervalSeconds', model.intervalSeconds, 1, 3600),
    fall: TRACK_SCRIPT_FALL,
    rise: TRACK_SCRIPT_RISE,
    scripts,
    syncGroup: instances.length >= 2 ? g.symbol('syncGroup', model.syncGroup) : false,
    instances,
  });
}
