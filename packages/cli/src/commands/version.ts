/**
 * `wg-gateway version`.
 * @module
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { bindAction, EXIT, examples, out } from '../command-kit.js';
import { printJson } from '../output/json.js';

/** This package's version, from its package.json. */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Register `version`. */
export function registerVersion(program: Command, exit: { code: number }): void {
  const cmd = program
    .command('version')
    .description('print the version of wg-gateway')
    .addHelpText('after', examples('wg-gateway version', 'wg-gateway version --json'));
  bindAction(cmd, exit, async (globals) => {
    const info = { name: 'wg-gateway', version: cliVersion(), node: process.version };
    if (globals.json) printJson(info);
    else out(`wg-gateway ${info.version} (node ${info.node})`);
    return EXIT.ok;
  });
}
