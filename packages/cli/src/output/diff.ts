/**
 * A unified text diff (`diff -u` style) of two config texts, for `plan`.
 * Uses the maintained `diff` package (Myers' O(ND) algorithm), so a large
 * bird.conf diff stays fast and small in memory.
 * @module
 */
import { type StructuredPatch, type StructuredPatchHunk, structuredPatch } from 'diff';

/** Beyond this many changed lines the diff is one hunk replacing the file. */
export const MAX_EDITS = 2000;

function lines(text: string): string[] {
  return text === '' ? [] : text.slice(0, -1).split('\n');
}

/** A hunk that deletes every line of `a` and adds every line of `b`. */
function wholeFile(a: string, b: string): StructuredPatchHunk {
  const removed = lines(a);
  const added = lines(b);
  return {
    oldStart: 1,
    oldLines: removed.length,
    newStart: 1,
    newLines: added.length,
    lines: [...removed.map((l) => `-${l}`), ...added.map((l) => `+${l}`)],
  };
}

/** Text with a final newline (so no "\ No newline at end of file" markers); "" for no file. */
function normalise(text: string | undefined): string {
  if (text === undefined || text === '') return '';
  return text.endsWith('\n') ? text : `${text}\n`;
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
  const a = normalise(before);
  const b = normalise(after);
  if (a === b) return '';
  // Past MAX_EDITS changed lines the files share little: one hunk replacing
  // the whole file says as much and bounds time and memory.
  const patch = structuredPatch(labels.before, labels.after, a, b, undefined, undefined, {
    context,
    maxEditLength: MAX_EDITS,
  }) as StructuredPatch | undefined;
  const hunks = patch?.hunks ?? [wholeFile(a, b)];
  if (hunks.length === 0) return '';
  const out = [
    `--- ${before === undefined ? '/dev/null' : labels.before}`,
    `+++ ${after === undefined ? '/dev/null' : labels.after}`,
  ];
  for (const h of hunks) {
    // `diff -u` numbers an empty side by the line before it.
    const oldStart = h.oldLines === 0 ? h.oldStart - 1 : h.oldStart;
    const newStart = h.newLines === 0 ? h.newStart - 1 : h.newStart;
    out.push(`@@ -${Math.max(oldStart, 0)},${h.oldLines} +${Math.max(newStart, 0)},${h.newLines} @@`);
    for (const line of h.lines) if (!line.startsWith('\\')) out.push(line);
  }
  return `${out.join('\n')}\n`;
}
