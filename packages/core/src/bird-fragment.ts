/**
 * BIRD include mode: the part of a rendered bird.conf that can live beside a
 * hand-written main config. BIRD allows one `protocol device` and one kernel
 * syncer per table (a second one fails with "Kernel device protocol already
 * defined" / "Kernel syncer already attached to table master4"), and a main
 * config usually has both and its router id; so the fragment keeps our
 * filters, BFD and OSPF protocols and leaves those three to the main file.
 * @module
 */

/** A top-level chunk (separated by blank lines) whose first statement is one of these is left out. */
const MAIN_CONFIG_OWNS = /^protocol (device|kernel)\b/;

/**
 * Turn a rendered bird.conf into the include-mode fragment: drop the
 * `router id` line, the `protocol device` block and the kernel protocols,
 * with the comments that introduce them. The main config must then provide
 * a router id, a `protocol device`, and kernel protocols on `master4` and
 * `master6` that export OSPF routes (with `merge paths yes` for ECMP).
 */
export function birdIncludeFragment(rendered: string): string {
  const kept = rendered
    .split(/\n{2,}/)
    .map((chunk) => chunk.replace(/^router id [^;\n]*;$/m, '').trimEnd())
    .filter((chunk) => {
      const first = chunk.split('\n').find((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
      return chunk !== '' && (first === undefined || !MAIN_CONFIG_OWNS.test(first));
    });
  const [head, ...rest] = kept;
  const commentsOnly = head?.split('\n').every((l) => l.startsWith('#'));
  const top = commentsOnly ? [`${head}\n${FRAGMENT_NOTE}`, ...rest] : [FRAGMENT_NOTE, ...kept];
  return `${top.join('\n\n')}\n`;
}

/** The comment that says what the fragment leaves to the main config. */
const FRAGMENT_NOTE =
  '# Include-mode fragment: the router id, `protocol device` and the kernel protocols live in the main config.';
