/**
 * A running lab: builds the namespaces of a topology, starts one gateway
 * process per unit, and operates on them (stop, start, reload, exec, down).
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupNamespaces, destroyNamespace, uniquePrefix } from '@wg-gateway/testkit/netns';
import { LabError } from './lab-error.js';
import { startEtcd } from './lab-etcd.js';
import { hostsFileText, mountHostsFile, writeHostsFile } from './lab-names.js';
import { LabNamespace, plugIntoBridge } from './lab-namespace.js';
import {
  DEFAULT_PREFIX_BASE,
  type LabRecord,
  labDir,
  listLabs,
  loadRecord,
  saveRecord,
} from './lab-record.js';
import { expandTopology, findUnit, type LabSpec, type PeeringPlan } from './topology.js';
import {
  checkUnitConfig,
  handWrittenMainConfigs,
  type UnitPaths,
  type UnitRuntimeConfig,
  unitConfig,
  unitPaths,
} from './unit-config.js';

/** Options of {@link Lab.up}. */
export interface UpOptions {
  /** Namespace and directory prefix (default `wgl-` + 6 hex). */
  readonly prefix?: string;
  /** Progress lines. */
  readonly onProgress?: (line: string) => void;
}

/**
 * The CLI's bin: every unit runs `wg-gateway run` (the lab drives the CLI; it
 * does not wire a gateway itself). `@wg-gateway/cli` is a dependency of this
 * package, found by module resolution (its package.json's `bin`); the CLI
 * does not depend on the lab, so there is no cycle.
 */
const CLI_BIN = cliBin();

function cliBin(): string {
  const pkgFile = fileURLToPath(import.meta.resolve('@wg-gateway/cli/package.json'));
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { bin: Record<string, string> };
  return join(dirname(pkgFile), pkg.bin['wg-gateway'] ?? 'dist/bin.js');
}

/**
 * Node flags of every unit process, as the systemd unit's wrapper
 * (`scripts/install-system.sh`) and the CLI's shebang set them: 1 MiB V8
 * semi-spaces instead of 16 keep a unit's own memory ~10 MiB smaller at no
 * measurable cost (docs/benchmarks.md, RSS). `WG_GATEWAY_LAB_NODE_FLAGS`
 * (space-separated, may be empty) replaces them to measure another choice.
 */
export const UNIT_NODE_FLAGS: readonly string[] = (
  process.env.WG_GATEWAY_LAB_NODE_FLAGS ?? '--max-semi-space-size=1'
)
  .split(' ')
  .filter((f) => f !== '');

/** argv of `wg-gateway --config FILE` (the workspace's CLI build, with {@link UNIT_NODE_FLAGS}). */
export function cliCommand(configFile: string): string[] {
  return [process.execPath, ...UNIT_NODE_FLAGS, CLI_BIN, '--config', configFile];
}

/** Address of the WAN bridge (etcd listens there). */
export const WAN_GATEWAY = '203.0.113.1';

/** A lab brought up by this or an earlier process. */
export class Lab {
  record: LabRecord;

  private constructor(record: LabRecord) {
    this.record = record;
  }

  /** Re-open lab `prefix` from its `lab.json`. */
  static async open(prefix: string): Promise<Lab> {
    return new Lab(await loadRecord(prefix));
  }

  /**
   * Build every namespace, bridge and veth of `spec`, write unit configs and
   * start the units. On failure everything made so far is removed.
   */
  static async up(spec: LabSpec, options: UpOptions = {}): Promise<Lab> {
    const plan = expandTopology(spec);
    const prefix = options.prefix ?? uniquePrefix(DEFAULT_PREFIX_BASE);
    const say = options.onProgress ?? (() => undefined);
    const dir = labDir(prefix);
    const namespaces: Record<string, LabNamespace> = {};
    const lab = new Lab({
      prefix,
      dir,
      spec,
      plan,
      createdAt: new Date().toISOString(),
      namespaces: {},
    });
    const make = async (key: string) => {
      const ns = await LabNamespace.create(`${prefix}-${key}`);
      namespaces[key] = ns;
      lab.record = { ...lab.record, namespaces: { ...lab.record.namespaces, [key]: ns.record } };
      await saveRecord(lab.record);
      return ns;
    };
    try {
      await mkdir(join(dir, 'exchange'), { recursive: true });
      await saveRecord(lab.record);
      say(`lab ${prefix}: building namespaces in ${dir}`);
      const wan = await make('wan');
      if (plan.ingressNames) await writeHostsFile(join(dir, 'hosts'), hostsFileText(plan));
      await wan.addBridge('br0', [`${WAN_GATEWAY}/24`]);
      for (const site of plan.sites) {
        const lan = await make(`${site.name}-lan`);
        await lan.addBridge('br0');
        const client = await make(`${site.name}-cl`);
        await plugIntoBridge(client, 'eth0', site.clientAddresses, lan, 'br0', 'client');
        for (const gw of site.clientGateways) {
          await client.exec([
            'ip',
            ...(gw.includes(':') ? ['-6'] : []),
            'route',
            'add',
            'default',
            'via',
            gw,
          ]);
        }
        for (const unit of site.units) {
          const ns = await make(unit.name);
          await plugIntoBridge(ns, 'wan0', [`${unit.wanAddress}/24`], wan, 'br0', unit.name, unit.wanMtu);
          await plugIntoBridge(ns, 'lan0', unit.lanAddresses, lan, 'br0', unit.name);
          if (plan.ingressNames) await mountHostsFile(ns, join(dir, 'hosts'));
          await mkdir(unitPaths(dir, unit.name).wireguard, { recursive: true, mode: 0o700 });
          await mkdir(unitPaths(dir, unit.name).keepalivedRun, { recursive: true, mode: 0o750 });
          if (site.include) {
            // Written once, like an operator's files: the gateway must never touch them.
            const main = handWrittenMainConfigs(unit, unitPaths(dir, unit.name));
            await writeFile(unitPaths(dir, unit.name).birdMain, main.bird, { mode: 0o640 });
            await writeFile(unitPaths(dir, unit.name).keepalivedMain, main.keepalived, { mode: 0o640 });
          }
        }
        say(
          `  site ${site.name}: LAN ${site.prefixes.join(', ')}, client ${site.clientAddresses.join(', ')}, units ${site.units.map((u) => `${u.name} (${u.wanAddress}, mtu ${u.wanMtu})`).join(', ')}`,
        );
      }
      if (plan.exchange === 'etcd') {
        const pid = await startEtcd(wan, join(dir, 'etcd'), WAN_GATEWAY);
        lab.record = { ...lab.record, etcdPid: pid };
        await saveRecord(lab.record);
        say(`  etcd on ${WAN_GATEWAY}:2379 (pid ${pid})`);
      }
      for (const site of plan.sites) {
        for (const unit of site.units) {
          await lab.writeUnitConfig(unit.name);
          await lab.startUnit(unit.name);
        }
      }
      say(
        `  started ${plan.sites.reduce((n, s) => n + s.units.length, 0)} units (wg-gateway run, backend ${plan.backend}, exchange ${plan.exchange})`,
      );
      return lab;
    } catch (e) {
      await lab.down().catch(() => undefined);
      throw e instanceof LabError
        ? e
        : new LabError(
            `up failed: ${e instanceof Error ? e.message : String(e)}`,
            'see the message; `wg-gateway-lab down --all` removes leftovers',
            { cause: e, part: 'up' },
          );
    }
  }

  get prefix(): string {
    return this.record.prefix;
  }

  get plan() {
    return this.record.plan;
  }

  /** The namespace with role `key` (`wan`, `a-lan`, `a-cl`, `a-1`). */
  ns(key: string): LabNamespace {
    const r = this.record.namespaces[key];
    if (!r)
      throw new LabError(
        `no namespace "${key}" in lab ${this.prefix}`,
        `use one of: ${Object.keys(this.record.namespaces).join(', ')}`,
        { part: 'exec' },
      );
    return new LabNamespace(r);
  }

  /** Files of a unit. */
  paths(unit: string): UnitPaths {
    return unitPaths(this.record.dir, unit);
  }

  /** The exchange section every unit's config uses. */
  exchangeConfig(): { exchange: string; etcdPrefix?: string } {
    return this.plan.exchange === 'etcd'
      ? { exchange: `etcd:http://${WAN_GATEWAY}:2379`, etcdPrefix: `/wg-gateway-lab/${this.prefix}/` }
      : { exchange: `dir:${join(this.record.dir, 'exchange')}` };
  }

  /**
   * (Re)write a unit's config file; `peerings` defaults to the topology's,
   * `host` (the `runtime.host` section) to the defaults.
   */
  async writeUnitConfig(
    unit: string,
    peerings?: readonly PeeringPlan[],
    host?: UnitRuntimeConfig['host'],
  ): Promise<void> {
    const { site, unit: u } = findUnit(this.plan, unit);
    const config = unitConfig(this.plan, site, u, this.record.dir, this.exchangeConfig(), peerings, host);
    checkUnitConfig(config, this.paths(unit).config);
    await writeFile(this.paths(unit).config, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  }

  /** Start the unit's gateway process in its namespace (it starts BIRD, Keepalived, wireguard-go). */
  async startUnit(unit: string): Promise<number> {
    const p = this.paths(unit);
    if (!existsSync(CLI_BIN)) {
      throw new LabError(`the CLI is not built (${CLI_BIN})`, 'run `npm run build` first', { part: 'unit' });
    }
    const argv = [...cliCommand(p.config), 'run'];
    const child = this.ns(unit).spawnDetached(argv, p.log);
    const pid = child.pid;
    if (pid === undefined)
      throw new LabError(`could not start unit ${unit}`, 'is node on PATH?', { part: 'unit' });
    await writeFile(join(p.dir, 'driver.pid'), `${pid}\n`);
    return pid;
  }

  /** Pid of the unit's gateway process, when alive. */
  async driverPid(unit: string): Promise<number | undefined> {
    const text = await readFile(join(this.paths(unit).dir, 'driver.pid'), 'utf8').catch(() => '');
    const pid = Number(text.trim());
    if (!(pid > 0)) return undefined;
    try {
      process.kill(pid, 0);
      return pid;
    } catch {
      return undefined;
    }
  }

  /** Kill the gateway process and every daemon of a unit (SIGKILL): a crash. */
  async killUnit(unit: string): Promise<number> {
    return this.ns(unit).killAll();
  }

  /** Ask the unit's gateway process to re-read its config (SIGHUP). */
  async reloadUnit(unit: string): Promise<void> {
    const pid = await this.driverPid(unit);
    if (pid === undefined)
      throw new LabError(`unit ${unit} is not running`, 'start it first', { part: 'unit' });
    process.kill(pid, 'SIGHUP');
  }

  /** Remove everything: processes, namespaces, the lab directory. Never throws. */
  async down(): Promise<void> {
    if (this.record.etcdPid !== undefined) {
      try {
        process.kill(this.record.etcdPid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    for (const r of Object.values(this.record.namespaces)) await destroyNamespace(r.name);
    await cleanupNamespaces(`${this.prefix}-`);
    await rm(this.record.dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * Remove every lab whose prefix starts with `base`, including what a crashed
 * run left (namespaces without a directory, directories without namespaces).
 * Resolves to the prefixes and namespaces removed.
 */
export async function downAll(base = DEFAULT_PREFIX_BASE): Promise<string[]> {
  const removed: string[] = [];
  for (const prefix of await listLabs(base)) {
    const lab = await Lab.open(prefix).catch(() => undefined);
    await lab?.down();
    await rm(labDir(prefix), { recursive: true, force: true }).catch(() => undefined);
    removed.push(prefix);
  }
  removed.push(...(await cleanupNamespaces(base)));
  return removed;
}
