/**
 * A unified text diff (`diff -u` style) of two config texts, for `plan`.
 * Configs are a few hundred lines, so a plain LCS table is enough.
 * @module
 */

type Op = { readonly kind: ' ' | '-' | '+'; readonly line: string };

function splitLines(text: string | undefined): string[] {
  if (text === undefined || text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Line operations turning `a` into `b` (longest common subsequence). */
function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: LCS length of a[i..] and b[j..].
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i] as Uint32Array;
    const below = lcs[i + 1] as Uint32Array;
    for (let j = m - 1; j >= 0; j--) {
      row[j] =
        a[i] === b[j] ? (below[j + 1] as number) + 1 : Math.max(below[j] as number, row[j + 1] as number);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i++] as string });
      j++;
    } else if (i < n && (j >= m || (lcs[i + 1]?.[j] as number) >= (lcs[i]?.[j + 1] as number))) {
      // Deletions first, as `diff -u` prints them.
      ops.push({ kind: '-', line: a[i++] as string });
    } else {
      ops.push({ kind: '+', line: b[j++] as string });
    }
  }
  return ops;
}

/**
 * Unified diff of `before` → `after` with `context` lines around each change;
 * empty string when they are equal. `undefined` stands for "no file".
 */
export function unifiedDiff(
  before: string | undefined,
  after: string | undefined,
  labels: { readonly before: string; readonly after: string },
  context = 3,
): string {
  if (before === after) return '';
  const ops = diffLines(splitLines(before), splitLines(after));
  const changed = ops.map((o, k) => (o.kind === ' ' ? -1 : k)).filter((k) => k >= 0);
  if (changed.length === 0) return '';
  const out = [
    `--- ${before === undefined ? '/dev/null' : labels.before}`,
    `+++ ${after === undefined ? '/dev/null' : labels.after}`,
  ];
  // Group changed ops into hunks whose context windows touch.
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, (changed[k] as number) - context);
    let end = Math.min(ops.length, (changed[k] as number) + context + 1);
    while (k + 1 < changed.length && (changed[k + 1] as number) - context <= end) {
      k++;
      end = Math.min(ops.length, (changed[k] as number) + context + 1);
    }
    k++;
    let aLine = 1;
    let bLine = 1;
    for (const o of ops.slice(0, start)) {
      if (o.kind !== '+') aLine++;
      if (o.kind !== '-') bLine++;
    }
    const hunk = ops.slice(start, end);
    const aCount = hunk.filter((o) => o.kind !== '+').length;
    const bCount = hunk.filter((o) => o.kind !== '-').length;
    out.push(
      `@@ -${aCount === 0 ? aLine - 1 : aLine},${aCount} +${bCount === 0 ? bLine - 1 : bLine},${bCount} @@`,
    );
    for (const o of hunk) out.push(`${o.kind}${o.line}`);
  }
  return `${out.join('\n')}\n`;
}
