/**
 * The one skeleton every daemon adapter (BIRD, Keepalived) is built on:
 * check → install atomically → reload (or start) → on failure put the
 * previous file back and report the failure, so the next reconcile retries.
 * In include mode only our own file is written and the daemon's checker
 * reads the whole main config with the candidate file in its place.
 * @module
 */
import type { DaemonApplyResult, DaemonConfigurator } from '@wg-gateway/core';
import { type CommandResult, type CommandRunner, commandRunner, outputOf } from '../system/command.js';
import { DaemonError } from '../system/daemon-error.js';
import { installFile, readTextIfExists, removeIfExists, writeTempBeside } from '../system/files.js';
import { RestartBackoff, type RestartBackoffOptions } from './restart-backoff.js';

/** How a daemon is run: as our own process (lab, CI) or as the host's systemd unit. */
export type DaemonMode = 'process' | 'systemd';

/**
 * Include mode: we own only `configPath`, which the hand-written
 * `mainConfig` includes (it must name `configPath` literally); the daemon
 * runs `mainConfig`.
 */
export interface IncludeMode {
  readonly mainConfig: string;
}

/** Options every adapter built on {@link ConfiguredDaemon} takes. */
export interface ConfiguredDaemonOptions {
  readonly mode: DaemonMode;
  /** The file we write: the whole config, or (include mode) our fragment. */
  readonly configPath: string;
  /** Live beside a hand-written main config instead of owning it. */
  readonly include?: IncludeMode;
  /** Argv prefix for every command, e.g. testkit's `netns.enter`. */
  readonly commandPrefix?: readonly string[];
  /** systemd unit (default: the daemon's name). */
  readonly unit?: string;
  readonly systemctlCommand?: string;
  /** Restart backoff of {@link ConfiguredDaemon.supervise} (process mode). */
  readonly restartBackoff?: RestartBackoffOptions;
  /** Replace the command runner (tests). */
  readonly run?: CommandRunner;
}

/** What one {@link ConfiguredDaemon.supervise} call did. */
export type SuperviseOutcome =
  | { readonly action: 'none' }
  | { readonly action: 'waiting'; readonly retryInMs: number }
  | { readonly action: 'restarted'; readonly attempt: number }
  | {
      readonly action: 'restart-failed';
      readonly attempt: number;
      readonly retryInMs: number;
      readonly error: unknown;
    };

/** What an include-mode fragment holds when the daemon has nothing of ours to run. */
export const EMPTY_FRAGMENT = '# wg-gateway: nothing to configure\n';

/**
 * A daemon whose config file we render. Subclasses say how to check a
 * config file, whether the daemon runs, how to reload, start and stop it;
 * this class owns the order of those steps, the restore on failure and the
 * supervision of a dead process.
 */
export abstract class ConfiguredDaemon implements DaemonConfigurator {
  abstract readonly name: string;
  protected readonly options: ConfiguredDaemonOptions;
  protected readonly run: CommandRunner;
  readonly #backoff: RestartBackoff;
  #queue: Promise<unknown> = Promise.resolve();
  /** Whether the last apply wanted the daemon running (what supervise restores). */
  #wanted = false;
  /** Text whose activation failed and could not be taken back: apply must retry it. */
  #failed: string | undefined;

  constructor(options: ConfiguredDaemonOptions) {
    this.options = options;
    this.run = options.run ?? commandRunner(options.commandPrefix ? { prefix: options.commandPrefix } : {});
    this.#backoff = new RestartBackoff(options.restartBackoff);
  }

  /** `BIRD`, `KEEPALIVED`: the prefix of this daemon's error codes. */
  protected get codePrefix(): string {
    return this.name.toUpperCase();
  }

  /** The file the daemon is started with: the main config in include mode. */
  get startConfigPath(): string {
    return this.options.include?.mainConfig ?? this.options.configPath;
  }

  /** The checker for messages, e.g. `bird -p`. */
  protected abstract readonly checkerName: string;
  /** Run the daemon's own checker on a whole config file; resolves to its result. */
  protected abstract runChecker(file: string): Promise<CommandResult>;
  /** Whether a checker result is a pass (default: exit code 0). */
  protected checkPassed(result: CommandResult): boolean {
    return result.code === 0;
  }
  /** Whether the daemon runs. */
  abstract isRunning(): Promise<boolean>;
  /** Make the running daemon load its config again; throws {@link DaemonError}. */
  abstract reload(): Promise<void>;
  /** Start the daemon on {@link startConfigPath}; throws {@link DaemonError}. */
  abstract start(): Promise<void>;
  /** Stop the daemon; resolves to whether it was running. */
  abstract stop(): Promise<boolean>;

  /** The file text installed for rendered `text` (default: the text itself). */
  compose(text: string): string {
    return text;
  }
  /** The rendered text inside an installed file's text: the inverse of {@link compose}. */
  protected decompose(fileText: string): string {
    return fileText;
  }
  /** Called before every reload or start (default: nothing). */
  protected async beforeActivate(): Promise<void> {}

  /**
   * Install `text` and make the daemon run it. Unchanged text with the
   * daemon running does nothing. A refused config throws
   * `<DAEMON>_CONFIG_INVALID` and changes nothing; a failed reload or start
   * puts the previous file back (reloading it) and throws, so
   * {@link installed} never reports the failed text and the next apply
   * retries. `undefined` means "not wanted": stop the daemon, or in include
   * mode install an empty fragment and leave the daemon to the host.
   */
  apply(text: string | undefined): Promise<DaemonApplyResult> {
    return this.#serial(() => this.#apply(text));
  }

  async #apply(text: string | undefined): Promise<DaemonApplyResult> {
    if (text === undefined && !this.options.include) {
      this.#wanted = false;
      return { changed: await this.stop() };
    }
    const wanted = this.compose(text ?? EMPTY_FRAGMENT);
    const installed = await readTextIfExists(this.options.configPath);
    const running = await this.isRunning();
    this.#wanted = text !== undefined || running;
    if (installed === wanted && running && this.#failed !== wanted) return { changed: false };
    if (installed !== wanted) {
      const temp = await writeTempBeside(this.options.configPath, wanted);
      try {
        await this.check(temp);
        await installFile(temp, this.options.configPath);
      } finally {
        await removeIfExists(temp);
      }
    }
    try {
      await this.#activate(running);
    } catch (e) {
      this.#failed = wanted;
      if (installed !== wanted) await this.#restore(installed, running);
      throw e;
    }
    this.#failed = undefined;
    return { changed: true };
  }

  async #activate(running: boolean): Promise<void> {
    await this.beforeActivate();
    if (running) await this.reload();
    else await this.start();
  }

  /**
   * Put the previous file back; when the daemon was running, have it load
   * that file again (a failed reload may have left it half-way). Failures
   * here are swallowed: the error that caused the restore is the one reported.
   */
  async #restore(previous: string | undefined, wasRunning: boolean): Promise<void> {
    try {
      if (previous === undefined) await removeIfExists(this.options.configPath);
      else {
        const temp = await writeTempBeside(this.options.configPath, previous);
        await installFile(temp, this.options.configPath).catch(async (e: unknown) => {
          await removeIfExists(temp);
          throw e;
        });
      }
      this.#failed = undefined;
      if (wasRunning && previous !== undefined && (await this.isRunning())) await this.reload();
    } catch {
      // Keep #failed: the next apply retries whatever the file holds.
    }
  }

  /** The rendered text installed now (undefined: none), for `plan`'s diff. */
  async installed(): Promise<string | undefined> {
    const text = await readTextIfExists(this.options.configPath);
    if (text === undefined) return undefined;
    const rendered = this.decompose(text);
    return rendered === EMPTY_FRAGMENT || text === this.#failed ? undefined : rendered;
  }

  /**
   * Check a candidate file with the daemon's own checker. Full mode: the
   * file itself. Include mode: a copy of the main config that includes
   * `candidate` where it includes {@link ConfiguredDaemonOptions.configPath},
   * so the WHOLE resulting config is checked before anything is installed.
   * Throws `<DAEMON>_CONFIG_INVALID` with the checker's output.
   */
  async check(candidate: string): Promise<void> {
    const include = this.options.include;
    if (!include) return this.#checkWhole(candidate, [[candidate, this.options.configPath]]);
    const main = await readTextIfExists(include.mainConfig);
    if (main === undefined) {
      throw new DaemonError(
        `${this.codePrefix}_MAIN_CONFIG_MISSING`,
        this.name,
        `main config ${include.mainConfig} does not exist`,
        { hint: `write it (include mode never creates it) or switch ${this.name} to full mode` },
      );
    }
    if (!main.includes(this.options.configPath)) {
      throw new DaemonError(
        `${this.codePrefix}_NOT_INCLUDED`,
        this.name,
        `main config ${include.mainConfig} does not include ${this.options.configPath}`,
        {
          hint: `add an include of "${this.options.configPath}" to ${include.mainConfig} (see docs/daemons.md)`,
        },
      );
    }
    const tempMain = await writeTempBeside(
      include.mainConfig,
      main.replaceAll(this.options.configPath, candidate),
    );
    try {
      await this.#checkWhole(tempMain, [
        [tempMain, include.mainConfig],
        [candidate, this.options.configPath],
      ]);
    } finally {
      await removeIfExists(tempMain);
    }
  }

  async #checkWhole(file: string, names: readonly (readonly [string, string])[]): Promise<void> {
    const r = await this.runChecker(file);
    if (this.checkPassed(r)) return;
    let output = outputOf(r);
    for (const [temp, real] of names) output = output.replaceAll(temp, real);
    throw new DaemonError(
      `${this.codePrefix}_CONFIG_INVALID`,
      this.name,
      `rendered config refused by ${this.checkerName}`,
      {
        output,
        hint: `the running ${this.name} keeps its previous config; fix the input that produced this config`,
      },
    );
  }

  /**
   * Process mode: when the daemon should run (the last apply wanted it) and
   * is dead, restart it, with exponential backoff between failed attempts.
   * systemd mode does nothing (the unit's `Restart=` does this).
   */
  supervise(now = Date.now()): Promise<SuperviseOutcome> {
    return this.#serial(async (): Promise<SuperviseOutcome> => {
      if (this.options.mode !== 'process' || !this.#wanted) return { action: 'none' };
      if (await this.isRunning()) {
        this.#backoff.up(now);
        return { action: 'none' };
      }
      const wait = this.#backoff.waitMs(now);
      if (wait > 0) return { action: 'waiting', retryInMs: wait };
      const attempt = this.#backoff.attempt(now);
      try {
        await this.start();
        return { action: 'restarted', attempt };
      } catch (error) {
        return { action: 'restart-failed', attempt, retryInMs: this.#backoff.waitMs(now), error };
      }
    });
  }

  /** Equivalent to: `systemctl VERB UNIT`. */
  protected systemctl(...args: string[]): Promise<CommandResult> {
    return this.run([this.options.systemctlCommand ?? 'systemctl', ...args, this.options.unit ?? this.name]);
  }

  /** `systemctl VERB UNIT`, throwing `<DAEMON>_SYSTEMD_FAILED` on a non-zero exit. */
  protected async systemctlOrThrow(verb: string): Promise<void> {
    const unit = this.options.unit ?? this.name;
    const r = await this.systemctl(verb);
    if (r.code !== 0) {
      throw new DaemonError(
        `${this.codePrefix}_SYSTEMD_FAILED`,
        this.name,
        `systemctl ${verb} ${unit} failed`,
        {
          output: outputOf(r),
          hint: `see journalctl -u ${unit}`,
        },
      );
    }
  }

  /** Operations on one daemon never overlap (a reconcile's apply and the supervisor's restart). */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}
