/**
 * `wg-gateway init`: write the commented sample config.
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { bindAction, EXIT, examples, note, out } from '../command-kit.js';
import { CliError } from '../errors.js';
import { printJson } from '../output/json.js';
import { SAMPLE_CONFIG } from '../sample-config.js';

/** Register `init`. */
export function registerInit(program: Command, exit: { code: number }): void {
  const cmd = program
    .command('init')
    .description('write a commented sample config file (to --config)')
    .option('-f, --force', 'overwrite an existing file', false)
    .addHelpText(
      'after',
      examples(
        'wg-gateway init                                # writes /etc/wg-gateway/config.yaml',
        'wg-gateway --config ./gw-a1.yaml init --force  # overwrite a local file',
      ),
    );
  bindAction<{ force: boolean }>(cmd, exit, async (globals, options) => {
    const file = resolve(globals.config);
    await mkdir(dirname(file), { recursive: true });
    try {
      await writeFile(file, SAMPLE_CONFIG, { mode: 0o640, flag: options.force ? 'w' : 'wx' });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new CliError(
        'INIT_FAILED',
        code === 'EEXIST' ? `${file} exists; not overwritten` : `cannot write ${file}: ${code}`,
        {
          cause: e,
          hint:
            code === 'EEXIST'
              ? 'pass --force to overwrite it, or --config OTHER_FILE'
              : 'check the directory permissions',
        },
      );
    }
    if (globals.json) printJson({ ok: true, file });
    else {
      out(`wrote ${file}`);
      note('edit unit, group, ingress-address, advertise-prefixes and peerings, then: wg-gateway plan');
    }
    return EXIT.ok;
  });
}
