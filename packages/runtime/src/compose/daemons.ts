/**
 * The daemons a composed gateway drives (BIRD, Keepalived) and the host
 * switches (IP forwarding). All daemon construction lives here, so that a
 * new daemon is one more entry in this file.
 * @module
 */
import { readFile } from 'node:fs/promises';
import {
  birdDaemon,
  type DaemonConfigurator,
  type DaemonSpec,
  type GroupConfig,
  type HostSystem,
  keepalivedDaemon,
  WgGatewayError,
} from '@wg-gateway/core';
import { BirdAdapter } from '../bird/bird-adapter.js';
import { KeepalivedAdapter } from '../keepalived/keepalived-adapter.js';
import { vrrpNotifyBlock } from '../keepalived/vrrp-state.js';
import { enableIpForwarding } from '../system/ip-forwarding.js';
import { VRRP_NOTIFY_SCRIPT } from '../system/scripts.js';
import type { RuntimeSettings } from './runtime-section.js';

/** The daemons of one gateway. */
export interface GatewayDaemons {
  /** What core's Gateway drives, in order (read-only stand-ins when `readOnly`). */
  readonly daemons: readonly DaemonSpec[];
  /** The real adapters; undefined when `readOnly`. */
  readonly birdAdapter: BirdAdapter | undefined;
  readonly keepalivedAdapter: KeepalivedAdapter | undefined;
  /** Undefined when `readOnly`. */
  readonly host: HostSystem | undefined;
}

/** An installed daemon config cannot be read (e.g. Debian's 0640 bird.conf as a normal user). */
export class DaemonConfigUnreadableError extends WgGatewayError {
  /** The file. */
  readonly file: string;

  constructor(daemon: string, file: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException).code;
    super('DAEMON_CONFIG_UNREADABLE', `[runtime] [${daemon}] cannot read ${file}: ${code ?? String(cause)}`, {
      cause,
      hint:
        code === 'EACCES'
          ? `run as root (sudo), make ${file} readable by this user, or point paths.${daemon}-config at a file you can read`
          : `check ${file} and paths.${daemon}-config`,
    });
    this.file = file;
  }
}

/** The installed config text, undefined when there is none. */
export async function readInstalledConfig(daemon: string, file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DaemonConfigUnreadableError(daemon, file, e);
  }
}

/** A configurator that only reads what is installed; `apply` refuses (plan/render with the dry run). */
function readOnlyConfigurator(
  name: string,
  installed: () => Promise<string | undefined>,
): DaemonConfigurator {
  return {
    name,
    installed,
    apply: async () => {
      throw new WgGatewayError(
        'DRY_RUN',
        `[runtime] ${name}: a read-only gateway never writes or reloads daemon configs`,
        {
          hint: 'use a backend that touches the host (wgquick, netlink) to apply',
        },
      );
    },
  };
}

/**
 * Build the daemons for `group` under `runtime`. With `readOnly` (a backend
 * that touches no host, like the dry run) nothing is started, written or
 * reloaded: the configurators only read the installed files for `plan`.
 */
export function createDaemons(group: GroupConfig, rt: RuntimeSettings, readOnly: boolean): GatewayDaemons {
  if (readOnly) {
    const block = vrrpNotifyBlock(rt.keepalived.runDir, VRRP_NOTIFY_SCRIPT);
    return {
      daemons: [
        birdDaemon(
          readOnlyConfigurator('bird', () => readInstalledConfig('bird', group.paths.birdConfig)),
          { include: rt.bird.mainConfig !== undefined },
        ),
        // Without the VRRP state-reporting block the adapter appends.
        keepalivedDaemon(
          readOnlyConfigurator('keepalived', async () => {
            const text = await readInstalledConfig('keepalived', group.paths.keepalivedConfig);
            return text?.endsWith(block) ? text.slice(0, -block.length) : text;
          }),
        ),
      ],
      birdAdapter: undefined,
      keepalivedAdapter: undefined,
      host: undefined,
    };
  }
  const birdAdapter = new BirdAdapter({
    mode: rt.bird.mode,
    configPath: group.paths.birdConfig,
    socketPath: rt.bird.socket,
    ...(rt.bird.pidFile === undefined ? {} : { pidPath: rt.bird.pidFile }),
    ...(rt.bird.mainConfig === undefined ? {} : { include: { mainConfig: rt.bird.mainConfig } }),
  });
  const keepalivedAdapter = new KeepalivedAdapter({
    mode: rt.keepalived.mode,
    configPath: group.paths.keepalivedConfig,
    runDir: rt.keepalived.runDir,
    ...(rt.keepalived.mainConfig === undefined ? {} : { include: { mainConfig: rt.keepalived.mainConfig } }),
  });
  return {
    daemons: [birdAdapter.daemonSpec(), keepalivedAdapter.daemonSpec()],
    birdAdapter,
    keepalivedAdapter,
    host: {
      enableForwarding: async () => {
        await enableIpForwarding();
      },
    },
  };
}
