#!/usr/bin/env node
// Writes docs/problem-codes.md from core's registry (packages/core/src/problem-codes.ts).
// `--check`: exit 1 when the page is stale instead of writing it. Needs `npm run build` first.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderProblemCodeReference } from '../packages/core/dist/problem-codes.js';

const target = new URL('../docs/problem-codes.md', import.meta.url);
const text = renderProblemCodeReference();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {}
  if (current !== text) {
    console.error('docs/problem-codes.md is stale: run node scripts/gen-problem-codes.mjs');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
}
