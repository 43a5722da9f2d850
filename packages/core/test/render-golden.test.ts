/**
 * Golden files of the renderers. Regenerate with `UPDATE_GOLDEN=1 npx vitest
 * run packages/core/test/render-golden.test.ts` and review the diff.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GOLDEN_CASES, renderCase } from './render-fixtures.js';

const here = dirname(fileURLToPath(import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';

describe('golden renders', () => {
  for (const c of GOLDEN_CASES) {
    it(`${c.file} matches test/golden/${c.file}`, () => {
      const path = join(here, 'golden', c.file);
      const text = renderCase(c);
      if (update) writeFileSync(path, text);
      expect(text).toBe(readFileSync(path, 'utf8'));
    });
  }

  it('is deterministic (same model, same bytes)', () => {
    for (const c of GOLDEN_CASES) expect(renderCase(c)).toBe(renderCase(c));
  });
});

describe('embedded templates', () => {
  it('templates.generated.ts is up to date with packages/core/templates/*.hbs', () => {
    const script = join(here, '../../../scripts/embed-templates.mjs');
    // `--check` exits 1 without writing when the generated module differs.
    expect(() => execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' })).not.toThrow();
  });
});
