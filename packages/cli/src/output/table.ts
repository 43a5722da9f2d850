/**
 * Plain-text tables and value formatting for terminal output.
 * @module
 */

/** Render rows as aligned columns under `headers`; an empty table says `(none)`. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '  (none)\n';
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `  ${cells
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join('  ')
      .trimEnd()}`;
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}

/** Bytes as `1.2 MiB`. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** Age of an epoch-ms time as `42s ago`, `3m ago`; `never` when absent. */
export function formatAge(at: number | undefined, now: number): string {
  if (at === undefined || at <= 0) return 'never';
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  if (s < 172_800) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86_400)}d ago`;
}
