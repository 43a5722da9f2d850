#!/usr/bin/env node
// Prints `wg-gateway plan` for every example config in examples/, with the
// dry-run backend, a throwaway state file and an empty directory exchange:
// no root, no daemons, nothing written outside a temp dir. Run after `npm run build`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'packages/cli/dist/bin.js');
const tmp = mkdtempSync(join(tmpdir(), 'wg-gateway-examples-'));
let worst = 0;
try {
  for (const file of readdirSync(join(root, 'examples'))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    const unit = file.replace(/\.ya?ml$/, '');
    console.log(`\n=== ${file} ===`);
    const r = spawnSync(
      process.execPath,
      [
        cli,
        'plan',
        '--config',
        join(root, 'examples', file),
        '--backend',
        'dry-run',
        '--exchange',
        `dir:${join(tmp, 'exchange')}`,
        '--state',
        join(tmp, `${unit}.state.json`),
      ],
      { stdio: 'inherit' },
    );
    // plan exits 0 (nothing to change) or 2 (changes); 1 is an error.
    if (r.status === 1 || r.status === null) worst = 1;
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(worst);
