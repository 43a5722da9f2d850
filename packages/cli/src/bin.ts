#!/usr/bin/env node
/**
 * The `wg-gateway` executable.
 * @module
 */
import { main } from './program.js';

const code = await main(process.argv);
process.exitCode = code;
// Leave time for pending output; exit even if a stray handle lingers.
setTimeout(() => process.exit(code), 2000).unref();
