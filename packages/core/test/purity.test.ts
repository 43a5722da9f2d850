import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');
const BANNED_MODULES = [
  'fs',
  'fs/promises',
  'child_process',
  'net',
  'dgram',
  'http',
  'https',
  'timers',
  'timers/promises',
  'worker_threads',
  'cluster',
];
// Time and randomness come through the Clock and KeySource ports only; keys.ts is
// the KeySource implementation and the one place allowed to touch randomness.
const BANNED_CALLS = [
  /\bDate\.now\(/,
  /\bnew Date\(\)/,
  /\bMath\.random\(/,
  /\bsetTimeout\(/,
  /\bsetInterval\(/,
  /\bperformance\.now\(/,
  /\bprocess\./,
];
const RANDOMNESS_ALLOWED = new Set(['keys.ts']);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('core purity', () => {
  const files = sources(SRC);

  it('has sources to check', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(files.map((f) => [f.slice(SRC.length + 1), f]))('%s imports no I/O module', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const imports = [
      ...text.matchAll(
        /from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g,
      ),
    ].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
    for (const spec of imports) {
      const bare = spec.replace(/^node:/, '');
      expect(BANNED_MODULES, `${file} imports ${spec}`).not.toContain(bare);
    }
  });

  it.each(files.map((f) => [f.slice(SRC.length + 1), f]))(
    '%s uses no clock, timer or randomness directly',
    (name, file) => {
      const text = readFileSync(file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      for (const re of BANNED_CALLS) expect(re.test(text), `${name} matches ${re}`).toBe(false);
      if (!RANDOMNESS_ALLOWED.has(name))
        expect(/randomBytes|randomUUID|getRandomValues/.test(text), name).toBe(false);
    },
  );
});
