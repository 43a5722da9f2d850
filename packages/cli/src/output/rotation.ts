/**
 * The key rotation section of `status` (text).
 * @module
 */
import type { RotationProgress } from '@wg-gateway/core';
import { formatTable } from './table.js';

const at = (ms: number | undefined) => (ms === undefined ? '-' : new Date(ms).toISOString());

/** One line per peering, then one row per remote unit. */
export function rotationLines(rotation: readonly RotationProgress[], now: number): string[] {
  if (rotation.length === 0) return ['  unknown (plan failed)'];
  const lines: string[] = [];
  for (const r of rotation) {
    let what: string;
    if (r.requestedAt === undefined) what = 'never rotated';
    else if (r.phase === 'idle')
      what = `completed ${at(r.completedAt)} (${r.total} key(s), ${r.reason}, took ${Math.round(((r.completedAt ?? 0) - r.requestedAt) / 1000)} s)`;
    else if (r.phase === 'draining')
      what = `${r.rotated}/${r.total} keys rotated; draining a key for ${Math.round((now - (r.draining?.since ?? now)) / 1000)} s`;
    else what = `${r.rotated}/${r.total} keys rotated; waiting for ${r.waiting ?? 'the next step'}`;
    lines.push(`  ${r.peering}: ${what}`);
  }
  const rows = rotation.flatMap((r) =>
    r.units.map((u) => [r.peering, u.unit, `${u.carrying}/${u.expected}`, String(u.oldLinks)]),
  );
  if (rows.length > 0)
    lines.push(formatTable(['PEERING', 'REMOTE UNIT', 'CARRYING', 'OLD-KEY LINKS'], rows).trimEnd());
  return lines;
}
