#!/usr/bin/env node
/**
 * Entry point of the lab's unit driver: `node unit-main.js CONFIG_FILE`.
 * @module
 */
import { runUnit } from './unit-daemon.js';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: unit-main.js CONFIG_FILE\n');
  process.exit(2);
}
runUnit(file).then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`[lab] [unit] ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
