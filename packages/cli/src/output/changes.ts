/**
 * WireGuard changes and reconcile reports for people and for `--json`;
 * never a private key.
 * @module
 */
import {
  type ChangeResult,
  changedFields,
  type GatewayReport,
  type InterfaceChange,
  type Problem,
  WgGatewayError,
} from '@wg-gateway/core';

/** A change as JSON, without the private key. */
export function changeJson(change: InterfaceChange): Record<string, unknown> {
  if (change.action === 'delete') return { action: 'delete', name: change.name };
  const { privateKey: _secret, ...rest } = change;
  return change.action === 'update' ? { ...rest, fields: changedFields(change) } : rest;
}

const shortKey = (k: string) => `${k.slice(0, 8)}…`;

/** One line per change: `+ create wg50001 ...`, `~ update wg50003: endpoint, allowed-ips`, `- delete wg50005`. */
export function changeLine(change: InterfaceChange): string {
  switch (change.action) {
    case 'create': {
      const p = change.peer;
      return `+ create ${change.name}: port ${change.listenPort}, mtu ${change.mtu}, addresses ${change.addresses.join(' ')}, peer ${shortKey(p.publicKey)}${p.endpoint ? ` at ${p.endpoint}` : ' (endpoint learnt from its handshake)'}, allowed-ips ${(p.allowedIps ?? []).join(' ')}`;
    }
    case 'update': {
      const details = changedFields(change).map((f) => {
        if (f === 'private-key') return 'private-key (rotated; not shown)';
        if (f === 'endpoint') return `endpoint → ${change.peer?.endpoint}`;
        if (f === 'allowed-ips') return `allowed-ips → ${(change.peer?.allowedIps ?? []).join(' ')}`;
        if (f === 'mtu') return `mtu → ${change.mtu}`;
        if (f === 'listen-port') return `listen-port → ${change.listenPort}`;
        return f;
      });
      return `~ update ${change.name}: ${details.join(', ')}`;
    }
    case 'delete':
      return `- delete ${change.name}`;
  }
}

/** A problem as one line: `[CODE] peering x, unit y: message`. */
export function problemLine(p: Problem): string {
  const where = [p.peering && `peering ${p.peering}`, p.unit && `unit ${p.unit}`].filter(Boolean).join(', ');
  return `[${p.code}] ${where ? `${where}: ` : ''}${p.message}`;
}

function errorJson(e: unknown): Record<string, unknown> | undefined {
  if (e === undefined) return undefined;
  if (e instanceof WgGatewayError)
    return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  return { code: 'UNEXPECTED', message: e instanceof Error ? e.message : String(e) };
}

/** A change result as JSON (errors as code, message, hint). */
export function changeResultJson(r: ChangeResult): Record<string, unknown> {
  const error = errorJson(r.error);
  return { name: r.name, action: r.action, ok: r.ok, operations: r.operations, ...(error ? { error } : {}) };
}

/** A reconcile report as JSON. */
export function reportJson(report: GatewayReport): Record<string, unknown> {
  return { ...report, changes: report.changes.map(changeResultJson) };
}

/** How the report names the daemons it knows; others go by their stage name. */
export const DAEMON_TITLES: Readonly<Record<string, string>> = { bird: 'BIRD', keepalived: 'Keepalived' };
/** Why a known daemon is not wanted. */
export const NOT_WANTED: Readonly<Record<string, string>> = { keepalived: ' (no VIPs)' };

/** A reconcile report as text: what changed, links, problems, timing. */
export function reportText(report: GatewayReport): string {
  const lines: string[] = [];
  const verb = { create: 'created', update: 'updated', delete: 'deleted' } as const;
  for (const c of report.changes) {
    lines.push(
      c.ok
        ? `  ${verb[c.action]} ${c.name}`
        : `  FAILED ${c.action} ${c.name}: ${c.error?.message ?? 'unknown error'}`,
    );
  }
  if (report.changes.length === 0) lines.push('  WireGuard: no changes');
  for (const [name, d] of Object.entries(report.daemons)) {
    lines.push(
      `  ${DAEMON_TITLES[name] ?? name}: ${d.enabled ? (d.changed ? 'config changed, reloaded' : 'unchanged') : d.changed ? `stopped${NOT_WANTED[name] ?? ''}` : `not used${NOT_WANTED[name] ?? ''}`}`,
    );
  }
  const l = report.links;
  lines.push(
    `  links: ${l.open} open, ${l['half-open']} half-open, ${l['half-closed']} half-closed, ${l.closed} closed`,
  );
  for (const p of report.problems) lines.push(`  problem: ${problemLine(p)}`);
  if (!report.ok) lines.push(`  FAILED at ${report.failedStage}: ${report.error?.message ?? ''}`);
  lines.push(`  took ${report.durationMs} ms`);
  return `${report.ok ? 'apply: done' : 'apply: failed'}\n${lines.join('\n')}\n`;
}
