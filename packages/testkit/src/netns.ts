/**
 * Network namespaces for tests: unique names per run, a private mount
 * namespace per network namespace (tmpfs on /run/wireguard so wireguard-go
 * sockets of different namespaces never collide), and cleanup that also
 * finds what a crashed run left behind.
 * @module
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Result of a command run in a namespace. */
export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Run a command on the host; rejects with stderr in the message. */
export async function sh(
  argv: readonly string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<ExecResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('empty command');
  try {
    const child = run(file, args, { timeout: options.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024 });
    if (options.input !== undefined) {
      child.child.stdin?.end(options.input);
    }
    const { stdout, stderr } = await child;
    return { stdout, stderr };
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`command failed: ${argv.join(' ')}: ${(err.stderr ?? '').trim() || err.message}`, {
      cause: e,
    });
  }
}

/** A unique per-run prefix: `${base}${6 hex}`; keep base ≤ 4 chars (interface names are ≤ 15). */
export function uniquePrefix(base: string): string {
  return `${base}${randomBytes(3).toString('hex')}`;
}

/** A network namespace with its own mount namespace, entered through a holder process. */
export class Netns {
  readonly name: string;
  /** PID of the process (`sleep`) that holds the private mount namespace. */
  readonly holderPid: number;
  readonly #holder: ChildProcess;

  private constructor(name: string, holder: ChildProcess, holderPid: number) {
    this.name = name;
    this.#holder = holder;
    this.holderPid = holderPid;
  }

  /**
   * Create `name` (`ip netns add`), bring `lo` up and start a holder process
   * with a private mount namespace where /run/wireguard is a fresh tmpfs.
   */
  static async create(name: string): Promise<Netns> {
    await sh(['ip', 'netns', 'add', name]);
    try {
      await sh(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
      mkdirSync('/run/wireguard', { recursive: true });
      // `exec sleep` keeps the shell's pid, so the echoed pid is the holder's.
      const script = 'mount -t tmpfs -o mode=0755 tmpfs /run/wireguard && echo $$ && exec sleep 86400';
      const holder = spawn(
        'ip',
        ['netns', 'exec', name, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', script],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const pid = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`netns ${name}: holder did not start in 10 s`)),
          10_000,
        );
        holder.stdout?.once('data', (chunk: Buffer) => {
          clearTimeout(timer);
          resolve(Number(chunk.toString().trim()));
        });
        holder.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`netns ${name}: holder exited with ${code}`));
        });
      });
      holder.unref();
      return new Netns(name, holder, pid);
    } catch (e) {
      await destroyNamespace(name);
      throw e;
    }
  }

  /** The argv prefix that runs a command inside this namespace (network and mount). */
  get enter(): string[] {
    return ['nsenter', '-t', String(this.holderPid), '-n', '-m', '--'];
  }

  /** Run a command inside the namespace. */
  exec(argv: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
    return sh([...this.enter, ...argv], options);
  }

  /** Start a long-running process inside the namespace. */
  spawn(argv: readonly string[], options: Parameters<typeof spawn>[2] = {}): ChildProcess {
    const [file, ...args] = [...this.enter, ...argv];
    return spawn(file as string, args, options);
  }

  /** Kill every process in the namespace and delete it. Never throws. */
  async destroy(): Promise<void> {
    await destroyNamespace(this.name);
    this.#holder.kill('SIGKILL');
  }
}

/** Kill every process in namespace `name` and delete it. Never throws. */
export async function destroyNamespace(name: string): Promise<void> {
  try {
    const { stdout } = await sh(['ip', 'netns', 'pids', name]);
    for (const pid of stdout.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  } catch {
    // namespace gone already
  }
  await sh(['ip', 'netns', 'del', name]).catch(() => undefined);
}

/** Names of existing namespaces that start with `prefix`. */
export async function listNamespaces(prefix: string): Promise<string[]> {
  const { stdout } = await sh(['ip', '-j', 'netns', 'list']).catch(() => ({ stdout: '[]' }));
  const list = (stdout.trim() === '' ? [] : JSON.parse(stdout)) as { name: string }[];
  return list.map((n) => n.name).filter((n) => n.startsWith(prefix));
}

/** Remove every namespace whose name starts with `prefix` (leftovers of crashed runs). */
export async function cleanupNamespaces(prefix: string): Promise<string[]> {
  const names = await listNamespaces(prefix);
  for (const n of names) await destroyNamespace(n);
  return names;
}

/** Create a namespace ready for commands. */
export function createNetns(name: string): Promise<Netns> {
  return Netns.create(name);
}

/**
 * Join two namespaces with a veth pair and give each end an address.
 * Equivalent to: `ip link add A netns nsA type veth peer name B netns nsB` + `ip addr add`.
 */
export async function connect(
  a: { ns: Netns; ifname: string; addresses: readonly string[]; mtu?: number },
  b: { ns: Netns; ifname: string; addresses: readonly string[]; mtu?: number },
): Promise<void> {
  await sh([
    'ip',
    'link',
    'add',
    a.ifname,
    'netns',
    a.ns.name,
    'type',
    'veth',
    'peer',
    'name',
    b.ifname,
    'netns',
    b.ns.name,
  ]);
  for (const side of [a, b]) {
    for (const addr of side.addresses) {
      await sh([
        'ip',
        '-n',
        side.ns.name,
        'addr',
        'add',
        addr,
        'dev',
        side.ifname,
        ...(addr.includes(':') ? ['nodad'] : []),
      ]);
    }
    if (side.mtu !== undefined)
      await sh(['ip', '-n', side.ns.name, 'link', 'set', side.ifname, 'mtu', String(side.mtu)]);
    await sh(['ip', '-n', side.ns.name, 'link', 'set', side.ifname, 'up']);
  }
}

/** True when running as root (namespaces need it). */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * Whether tests that need root and daemons must run: always in CI (a missing
 * tool there is a failure), otherwise only as root.
 */
export function mustRunPrivileged(): boolean {
  return process.env.CI === 'true' || isRoot();
}
