#!/usr/bin/env -S node --max-semi-space-size=1
/**
 * The `wg-gateway` executable.
 * @module
 */
import { main } from './program.js';

// A reader that stops early (`wg-gateway help | head -1`) closes the pipe:
// that is not an error of ours, so stop quietly instead of printing EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const code = await main(process.argv);
process.exitCode = code;
// Leave time for pending output; exit even if a stray handle lingers.
setTimeout(() => process.exit(code), 2000).unref();
