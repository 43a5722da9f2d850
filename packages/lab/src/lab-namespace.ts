/**
 * A lab namespace: testkit's {@link Netns} (network namespace + private mount
 * namespace held by a process) plus what the lab needs on top: extra private
 * tmpfs directories, sysctls, bridges, detached daemons, and re-entering a
 * namespace a previous `wg-gateway-lab` invocation created (by holder pid).
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { connect, createNetns, type ExecResult, type Netns, sh } from '@wg-gateway/testkit/netns';

/** What `lab.json` remembers of a namespace. */
export interface NamespaceRecord {
  readonly name: string;
  readonly holderPid: number;
}

/** Private tmpfs mounts in every lab namespace (wireguard-go's comes from testkit). */
const PRIVATE_DIRS = ['/run/keepalived', '/run/bird'];

/** A namespace of the lab, fresh or re-entered. */
export class LabNamespace {
  readonly name: string;
  readonly holderPid: number;
  /** Set when this process created it (needed to join it to others with veths). */
  readonly netns: Netns | undefined;

  constructor(record: NamespaceRecord, netns?: Netns) {
    this.name = record.name;
    this.holderPid = record.holderPid;
    this.netns = netns;
  }

  /**
   * Create the namespace with private `/run/wireguard`, `/run/keepalived`,
   * `/run/bird`, IPv6 DAD off (addresses usable at once) and `lo` up.
   * Equivalent to: `ip netns add NAME` + `unshare --mount` + `mount -t tmpfs`.
   */
  static async create(name: string): Promise<LabNamespace> {
    const netns = await createNetns(name);
    const ns = new LabNamespace({ name, holderPid: netns.holderPid }, netns);
    try {
      for (const dir of PRIVATE_DIRS) {
        mkdirSync(dir, { recursive: true });
        await ns.exec(['mount', '-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', dir]);
      }
      await ns.exec([
        'sysctl',
        '-qw',
        'net.ipv6.conf.all.accept_dad=0',
        'net.ipv6.conf.default.accept_dad=0',
        'net.ipv6.conf.all.accept_ra=0',
        'net.ipv6.conf.default.accept_ra=0',
      ]);
    } catch (e) {
      await netns.destroy();
      throw e;
    }
    return ns;
  }

  /** The record to save in `lab.json`. */
  get record(): NamespaceRecord {
    return { name: this.name, holderPid: this.holderPid };
  }

  /** argv prefix that runs a command in this namespace (network + mount). */
  get enter(): string[] {
    return ['nsenter', '-t', String(this.holderPid), '-n', '-m', '--'];
  }

  /** Run a command inside; rejects with its stderr. */
  exec(argv: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
    return sh([...this.enter, ...argv], options);
  }

  /** Run a command inside; resolves to its exit code and output instead of rejecting. */
  async tryExec(
    argv: readonly string[],
    timeoutMs = 30_000,
  ): Promise<{ ok: boolean; stdout: string; stderr: string }> {
    try {
      return { ok: true, ...(await this.exec(argv, { timeoutMs })) };
    } catch (e) {
      return { ok: false, stdout: '', stderr: e instanceof Error ? e.message : String(e) };
    }
  }

  /**
   * Start a daemon inside, detached from this process (it outlives
   * `wg-gateway-lab up`), output appended to `logFile`; the child is unref'd.
   */
  spawnDetached(
    argv: readonly string[],
    logFile: string,
    env: NodeJS.ProcessEnv = process.env,
  ): ChildProcess {
    const fd = openSync(logFile, 'a', 0o600);
    const [file, ...args] = [...this.enter, ...argv];
    const child = spawn(file as string, args, { detached: true, stdio: ['ignore', fd, fd], env });
    child.unref();
    return child;
  }

  /** Whether the holder (hence the namespace's mounts) is alive. */
  alive(): boolean {
    try {
      process.kill(this.holderPid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** PIDs of every process in the namespace except the holder. Equivalent to: `ip netns pids NAME`. */
  async pids(): Promise<number[]> {
    const { stdout } = await sh(['ip', 'netns', 'pids', this.name]).catch(() => ({ stdout: '' }));
    return stdout
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
      .filter((p) => p !== this.holderPid);
  }

  /**
   * Kill (SIGKILL) every process inside except the holder: the unit
   * "crashes". Repeats (at most 20 rounds) so that a child forked meanwhile
   * dies too. Resolves to the number of processes killed.
   */
  async killAll(): Promise<number> {
    let killed = 0;
    for (let round = 0; round < 20; round++) {
      const pids = await this.pids();
      if (pids.length === 0) break;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
          killed += 1;
        } catch {
          // gone already
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return killed;
  }

  /** Add a bridge without multicast snooping (VRRP and ND flood). Equivalent to: `ip link add NAME type bridge mcast_snooping 0`. */
  async addBridge(bridge: string, addresses: readonly string[] = []): Promise<void> {
    await this.exec(['ip', 'link', 'add', bridge, 'type', 'bridge', 'mcast_snooping', '0']);
    for (const a of addresses) await this.exec(['ip', 'addr', 'add', a, 'dev', bridge]);
    await this.exec(['ip', 'link', 'set', bridge, 'up']);
  }
}

/**
 * Plug `host` into `bridge` of `switchNs` with a veth: `ifname` (with
 * addresses and MTU) in `host`, port `port` in `switchNs`.
 * Equivalent to: `ip link add IF netns H type veth peer name PORT netns S` + `ip link set PORT master BR`.
 */
export async function plugIntoBridge(
  host: LabNamespace,
  ifname: string,
  addresses: readonly string[],
  switchNs: LabNamespace,
  bridge: string,
  port: string,
  mtu = 1500,
): Promise<void> {
  if (!host.netns || !switchNs.netns)
    throw new Error('plugIntoBridge needs namespaces created by this process');
  await connect(
    { ns: host.netns, ifname, addresses, mtu },
    { ns: switchNs.netns, ifname: port, addresses: [], mtu },
  );
  await switchNs.exec(['ip', 'link', 'set', port, 'master', bridge]);
}
