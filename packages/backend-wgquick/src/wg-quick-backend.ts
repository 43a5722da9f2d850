/**
 * The wg-quick backend: one `<dir>/<iface>.conf` per link brought up with
 * `wg-quick up`, live changes with `wg syncconf` and `ip`, observe with three
 * commands whatever the number of interfaces.
 * @module
 */
import type {
  BackendCapabilities,
  ChangeStep,
  CreateChange,
  DeleteChange,
  FactsQuery,
  HostFacts,
  InterfaceChange,
  ObservedInterface,
  UpdateChange,
  WgGatewayError,
} from '@wg-gateway/core';
import { BaseBackend, canonicalCidr, isManaged, renderWgConfig, renderWgQuickConfig } from '@wg-gateway/core';
import { type CommandOptions, type CommandRunner, ExecFileRunner } from './command-runner.js';
import { type LinkConfig, parseConf, peerSetArgs } from './conf-file.js';
import { ConfStore } from './conf-store.js';
import { commandError, WgQuickError } from './errors.js';
import { HostFactsReader } from './host-facts.js';
import { configAfterUpdate, configOfCreate, wireguardStep } from './link-update.js';
import { addressesOf, joinObserved, parseIpAddrs, parseIpLinks, parseWgDump } from './observe-parsers.js';

/** Options of {@link WgQuickBackend}. */
export interface WgQuickBackendOptions {
  /** Where link files live; created 0700. Default `/etc/wireguard`. */
  readonly configDir?: string;
  /** Userspace implementation for wg-quick (`WG_QUICK_USERSPACE_IMPLEMENTATION`), e.g. `wireguard-go`. */
  readonly userspace?: string;
  /** Runs the commands; inject one to count them or fake faults. */
  readonly runner?: CommandRunner;
}

/** WireGuard through `wg-quick`, `wg` and `ip` (kernel or userspace). */
export class WgQuickBackend extends BaseBackend {
  readonly name = 'wgquick';
  readonly capabilities: BackendCapabilities;
  readonly #runner: CommandRunner;
  readonly #store: ConfStore;
  readonly #env: CommandOptions;
  readonly #facts: HostFactsReader;

  constructor(options: WgQuickBackendOptions = {}) {
    super();
    this.#runner = options.runner ?? new ExecFileRunner();
    this.#facts = new HostFactsReader(this.#runner);
    this.#store = new ConfStore(options.configDir ?? '/etc/wireguard');
    this.#env = options.userspace ? { env: { WG_QUICK_USERSPACE_IMPLEMENTATION: options.userspace } } : {};
    this.capabilities = {
      kernel: options.userspace === undefined,
      userspace: options.userspace !== undefined,
      livePeerUpdate: true,
      facts: true,
      programs: [
        { program: 'ip', debianPackage: 'iproute2', why: 'links and addresses (wgquick backend)' },
        { program: 'wg', debianPackage: 'wireguard-tools', why: 'WireGuard peers (wgquick backend)' },
        { program: 'wg-quick', debianPackage: 'wireguard-tools', why: 'interfaces (wgquick backend)' },
        ...(options.userspace === undefined
          ? []
          : [
              {
                program: options.userspace,
                debianPackage: debianPackageOf(options.userspace),
                why: 'userspace WireGuard',
              },
            ]),
      ],
    };
  }

  /** Equivalent to: `wg show all dump` + `ip -j link` + `ip -j addr`, filtered to managed links. */
  protected async observeInterfaces(): Promise<readonly ObservedInterface[]> {
    try {
      const [dump, links, addrs] = await Promise.all([
        this.#runner.run(['wg', 'show', 'all', 'dump']),
        this.#runner.run(['ip', '-j', 'link']),
        this.#runner.run(['ip', '-j', 'addr']),
      ]);
      const snapshot = { links: parseIpLinks(links.stdout), addrs: parseIpAddrs(addrs.stdout) };
      // facts() right after reuses these dumps instead of running `ip` again.
      this.#facts.remember(snapshot);
      return joinObserved(parseWgDump(dump.stdout), snapshot.links, snapshot.addrs);
    } catch (e) {
      // Never quote the dump: it holds private keys.
      throw commandError(e, [], 'is wireguard-tools installed and are we root?');
    }
  }

  protected async applyChange(change: InterfaceChange, step: ChangeStep): Promise<void> {
    this.#facts.forget();
    if (change.action === 'create') await this.#create(change, step);
    else if (change.action === 'update') await this.#update(change, step);
    else await this.#delete(change, step);
  }

  /** Command failures quote argv and stderr with this change's keys scrubbed. */
  protected override changeError(e: unknown, _change: InterfaceChange, step: ChangeStep): WgGatewayError {
    return commandError(e, step.secrets);
  }

  async #run(step: ChangeStep, argv: readonly string[], env = false): Promise<string> {
    step.operations += 1;
    return (await this.#runner.run(argv, env ? this.#env : {})).stdout;
  }

  /**
   * Write the file, then `wg-quick up FILE` (its PostUp sets the alias), then
   * `wg show IF listen-port`: wireguard-go may accept a taken port while the
   * link is down and bind another one when it comes up, and wg-quick succeeds.
   */
  async #create(c: CreateChange, step: ChangeStep): Promise<void> {
    step.secrets.push(c.privateKey);
    const prior = await this.#store.read(c.name);
    if (prior === null) throw notOurs(this.#store.pathOf(c.name));
    const path = this.#store.pathOf(c.name);
    await this.#store.write(c.name, renderWgQuickConfig(configOfCreate(c)));
    try {
      try {
        await this.#run(step, ['wg-quick', 'up', path], true);
      } catch (e) {
        // Only on "already exists": a half-made link of ours is replaced once.
        if (
          !/already exists/.test(`${(e as Error).message} ${(e as { stderr?: string }).stderr ?? ''}`) ||
          !(await this.#dropHalfMade(c.name, prior !== undefined, step))
        )
          throw e;
        await this.#run(step, ['wg-quick', 'up', path], true);
      }
    } catch (e) {
      // wg-quick removed the half-made interface; drop the file so a retry starts clean.
      await this.#store.remove(c.name);
      throw e;
    }
    const port = Number((await this.#run(step, ['wg', 'show', c.name, 'listen-port'])).trim());
    if (port !== c.listenPort) {
      await this.#run(step, ['wg-quick', 'down', path], true).catch(() => undefined);
      await this.#store.remove(c.name);
      throw new WgQuickError(
        'BACKEND_PORT_TAKEN',
        `${c.name} came up on port ${port}, not ${c.listenPort}: removed it`,
        {
          hint: `another socket holds UDP port ${c.listenPort}; free it or let the gateway pick another port`,
        },
      );
    }
  }

  /**
   * Key, port or another peer: `wg syncconf IF TMPFILE`; fields of the same
   * peer: `wg set IF peer ...` (no flap, no socket rebind); MTU: `ip link set
   * dev IF mtu N`; addresses: `ip addr replace`/`del`; up: `ip link set dev IF
   * up`. Nothing runs when nothing changes.
   */
  async #update(u: UpdateChange, step: ChangeStep): Promise<void> {
    const old = await this.#load(u.name);
    step.secrets.push(old.privateKey, ...(u.privateKey ? [u.privateKey] : []));
    const next = configAfterUpdate(old, u);
    const wg = wireguardStep(old, u);
    if (wg === 'sync')
      await this.#store.withTempFile(u.name, renderWgConfig(next), (path) =>
        this.#run(step, ['wg', 'syncconf', u.name, path]),
      );
    else if (wg === 'set' && next.peer && u.peer) {
      const fields = {
        endpoint: u.peer.endpoint !== undefined,
        persistentKeepalive: u.peer.persistentKeepalive !== undefined,
        allowedIps: u.peer.allowedIps !== undefined,
      };
      await this.#run(step, ['wg', 'set', u.name, ...peerSetArgs(next.peer, fields)]);
    }
    if (u.mtu !== undefined)
      await this.#run(step, ['ip', 'link', 'set', 'dev', u.name, 'mtu', String(u.mtu)]);
    if (u.addresses !== undefined) await this.#setAddresses(u.name, u.addresses, step);
    if (u.up) await this.#run(step, ['ip', 'link', 'set', 'dev', u.name, 'up']);
    if (step.operations > 0) await this.#store.write(u.name, renderWgQuickConfig(next));
  }

  async #setAddresses(name: string, want: readonly string[], step: ChangeStep): Promise<void> {
    const have = addressesOf(
      parseIpAddrs(await this.#run(step, ['ip', '-j', 'addr', 'show', 'dev', name]))[0],
    );
    const keep = new Set(want.map(canonicalCidr));
    for (const a of want) await this.#run(step, ['ip', 'addr', 'replace', a, 'dev', name]);
    for (const a of have) if (!keep.has(a)) await this.#run(step, ['ip', 'addr', 'del', a, 'dev', name]);
  }

  /** `wg-quick down FILE` and remove it; without a file, `ip link del dev IF` if the link is ours. */
  async #delete(d: DeleteChange, step: ChangeStep): Promise<void> {
    const text = await this.#store.read(d.name);
    if (text === null) throw notOurs(this.#store.pathOf(d.name));
    if (text !== undefined) {
      step.secrets.push(parseConf(d.name, text).privateKey);
      try {
        await this.#run(step, ['wg-quick', 'down', this.#store.pathOf(d.name)], true);
      } catch (e) {
        // wg-quick refuses when the WireGuard side is gone (a dead daemon): drop the link itself.
        if (!(await this.#ownLink(d.name, step))) throw e;
        await this.#run(step, ['ip', 'link', 'del', 'dev', d.name]);
      }
      await this.#store.remove(d.name);
      return;
    }
    if (!(await this.#ownLink(d.name, step)))
      throw new WgQuickError('BACKEND_NOT_OURS', `${d.name} has no gateway alias: not deleting it`, {
        hint: 'only interfaces wg-gateway created are deleted',
      });
    await this.#run(step, ['ip', 'link', 'del', 'dev', d.name]);
  }

  /**
   * A `wg-quick up` killed before its PostUp set the alias leaves the link
   * unmarked, so observe skips it and every later create would fail with
   * "already exists". Such a link is ours when our own file for it is still
   * there (written just before `wg-quick up`) or when it is a blank WireGuard
   * device (no private key, no peer): delete it so the create starts clean.
   * A configured link without our file is someone else's and stays.
   */
  async #dropHalfMade(name: string, ourFile: boolean, step: ChangeStep): Promise<boolean> {
    let link: ReturnType<typeof parseIpLinks>[number] | undefined;
    try {
      link = parseIpLinks(await this.#run(step, ['ip', '-j', 'link', 'show', 'dev', name]))[0];
    } catch {
      return false;
    }
    if (link === undefined || isManaged(link.ifname, link.ifalias)) return false;
    if (!ourFile) {
      const key = await this.#run(step, ['wg', 'show', name, 'private-key']).catch(() => undefined);
      const peers = await this.#run(step, ['wg', 'show', name, 'peers']).catch(() => undefined);
      if (key === undefined || peers === undefined || key.trim() !== '(none)' || peers.trim() !== '')
        return false;
    }
    await this.#run(step, ['ip', 'link', 'del', 'dev', name]);
    return true;
  }

  async #ownLink(name: string, step: ChangeStep): Promise<boolean> {
    try {
      const link = parseIpLinks(await this.#run(step, ['ip', '-j', 'link', 'show', 'dev', name]))[0];
      return link !== undefined && isManaged(link.ifname, link.ifalias);
    } catch {
      return false;
    }
  }

  async #load(name: string): Promise<LinkConfig> {
    const text = await this.#store.read(name);
    if (text === null) throw notOurs(this.#store.pathOf(name));
    if (text === undefined)
      throw new WgQuickError(
        'BACKEND_CONFIG_MISSING',
        `${this.#store.pathOf(name)} is missing: cannot update ${name}`,
        {
          hint: `delete the interface (ip link del dev ${name}); the next apply recreates it`,
        },
      );
    return parseConf(name, text);
  }

  /**
   * Equivalent to: `ip -j addr`, `ip -j link` (unless observe just ran them),
   * `ip -j route get ADDR` per address not cached; no command at all in a
   * steady state right after observe.
   */
  protected override async gatherFacts(query: FactsQuery): Promise<HostFacts> {
    try {
      return await this.#facts.gather(query);
    } catch (e) {
      throw commandError(e, []);
    }
  }
}

const notOurs = (path: string): WgQuickError =>
  new WgQuickError('BACKEND_NOT_OURS', `${path} exists and was not written by wg-gateway: leaving it alone`, {
    hint: 'move that file away, or give the gateway a port range that does not clash with your own interfaces',
  });

/** `wireguard-go` comes from the Debian package of that name; other programs are named as they are. */
const debianPackageOf = (program: string): string =>
  program.endsWith('wireguard-go') ? 'wireguard-go' : (program.split('/').pop() ?? program);

/** The factory the runtime registry and the test suites call: `new WgQuickBackend(options)`. */
export function createWgQuickBackend(options: WgQuickBackendOptions = {}): WgQuickBackend {
  return new WgQuickBackend(options);
}
