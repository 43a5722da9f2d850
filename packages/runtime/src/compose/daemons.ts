/**
 * The daemons a composed gateway drives (MSS clamping, BIRD, Keepalived)
 * and the host switches (IP forwarding, multipath hashing). All daemon construction lives here, so that a
 * new daemon is one more entry in this file.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  birdDaemon,
  type DaemonConfigurator,
  type DaemonSpec,
  type GroupConfig,
  type HostSystem,
  keepalivedDaemon,
  MSS_CLAMP_TABLE,
  mssClampDaemon,
  WgGatewayError,
} from '@wg-gateway/core';
import { BirdAdapter } from '../bird/bird-adapter.js';
import { KeepalivedAdapter } from '../keepalived/keepalived-adapter.js';
import { vrrpNotifyBlock } from '../keepalived/vrrp-state.js';
import { NftTableDaemon } from '../nftables/nft-table-daemon.js';
import { SysctlHostSystem } from '../system/host-setup.js';
import { VRRP_NOTIFY_SCRIPT } from '../system/scripts.js';
import { findProgram } from './preflight.js';
import type { RuntimeSettings } from './runtime-section.js';

/** The daemons of one gateway. */
export interface GatewayDaemons {
  /** What core's Gateway drives, in order (read-only stand-ins when `readOnly`). */
  readonly daemons: readonly DaemonSpec[];
  /** The real adapters; undefined when `readOnly`. */
  readonly birdAdapter: BirdAdapter | undefined;
  readonly keepalivedAdapter: KeepalivedAdapter | undefined;
  /** The MSS clamping table; undefined when `readOnly` or not managed (see {@link mssClamping}). */
  readonly mssClamp: NftTableDaemon | undefined;
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

/** The nftables file of the MSS clamping table (`runtime.host.mss-clamping-file`, or beside the state file). */
export function mssClampFile(group: GroupConfig, rt: RuntimeSettings): string {
  return rt.host.mssClampingFile ?? join(dirname(group.paths.state), 'mss-clamp.nft');
}

/**
 * Whether the gateway drives the MSS clamping table (`managed`: `on`, or
 * `nft` installed, so that `off` removes a table an earlier config loaded)
 * and whether it wants it loaded (`on`, or `auto` with `nft` installed).
 */
export function mssClamping(
  rt: RuntimeSettings,
  hasNft = findProgram('nft') !== undefined,
): { managed: boolean; enabled: boolean } {
  const mode = rt.host.mssClamping;
  return { managed: mode === 'on' || hasNft, enabled: mode === 'on' || (mode === 'auto' && hasNft) };
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
      // No MSS clamping entry: a backend that touches no host has no tables to diff.
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
      mssClamp: undefined,
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
  const clamp = mssClamping(rt);
  const mssClamp = clamp.managed
    ? new NftTableDaemon({
        name: 'mss-clamp',
        table: MSS_CLAMP_TABLE,
        configPath: mssClampFile(group, rt),
        // A steady reconcile spawns no `nft` (issue 12): the daemon loop
        // invalidates this on every `nft monitor tables` event, so a deleted
        // table is back at the next reconcile; 10 min covers a monitor that
        // could not run.
        recheckMs: 600_000,
      })
    : undefined;
  return {
    daemons: [
      ...(mssClamp ? [mssClampDaemon(mssClamp, { enabled: clamp.enabled })] : []),
      birdAdapter.daemonSpec(),
      keepalivedAdapter.daemonSpec(),
    ],
    birdAdapter,
    keepalivedAdapter,
    mssClamp,
    host: new SysctlHostSystem({ multipathHashPolicy: rt.host.multipathHashPolicy }),
  };
}

/** What `status` reports of MSS clamping. */
export interface MssClampStatus {
  readonly mode: RuntimeSettings['host']['mssClamping'];
  /** Whether the gateway wants the table loaded (see {@link mssClamping}). */
  readonly enabled: boolean;
  /** Whether the table is loaded now. */
  readonly loaded: boolean;
}

/** Whether the MSS clamping table is wanted and loaded. Equivalent to: `nft list table inet wg_gateway_mss`. */
export async function mssClampStatus(group: GroupConfig, rt: RuntimeSettings): Promise<MssClampStatus> {
  const clamp = mssClamping(rt);
  const loaded = clamp.managed
    ? await new NftTableDaemon({
        name: 'mss-clamp',
        table: MSS_CLAMP_TABLE,
        configPath: mssClampFile(group, rt),
      }).isRunning()
    : false;
  return { mode: rt.host.mssClamping, enabled: clamp.enabled, loaded };
}
