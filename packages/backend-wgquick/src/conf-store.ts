/**
 * The directory of link files: atomic 0600 writes, ownership by marker, and
 * 0600 temporary files for `wg syncconf`.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GENERATED_HEADER } from '@wg-gateway/core';

/** Files of one config directory (default `/etc/wireguard`). */
export class ConfStore {
  readonly dir: string;
  #ready = false;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Path of an interface's wg-quick file. */
  pathOf(name: string): string {
    return join(this.dir, `${name}.conf`);
  }

  async #ensureDir(): Promise<void> {
    if (this.#ready) return;
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    this.#ready = true;
  }

  /**
   * The file's text, `undefined` when absent, `null` when it exists but was
   * not written by the gateway (a user's own file: never touched).
   */
  async read(name: string): Promise<string | undefined | null> {
    try {
      const text = await readFile(this.pathOf(name), 'utf8');
      return text.startsWith(GENERATED_HEADER) ? text : null;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Write atomically: a 0600 temporary file in the same directory, then rename. */
  async write(name: string, text: string): Promise<void> {
    await this.#ensureDir();
    const tmp = join(this.dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      await writeFile(tmp, text, { mode: 0o600, flag: 'wx' });
      await chmod(tmp, 0o600);
      await rename(tmp, this.pathOf(name));
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  /** Remove an interface's file; absent is fine. */
  async remove(name: string): Promise<void> {
    await rm(this.pathOf(name), { force: true });
  }

  /** Run `use` with a 0600 temporary file holding `text`, removed afterwards. */
  async withTempFile<T>(name: string, text: string, use: (path: string) => Promise<T>): Promise<T> {
    await this.#ensureDir();
    const tmp = join(this.dir, `.${name}.${randomBytes(4).toString('hex')}.sync`);
    await writeFile(tmp, text, { mode: 0o600, flag: 'wx' });
    try {
      return await use(tmp);
    } finally {
      await rm(tmp, { force: true });
    }
  }
}
