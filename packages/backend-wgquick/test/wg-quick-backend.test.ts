import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CreateChange, NodeKeySource, WgGatewayError } from '@wg-gateway/core';
import { afterEach, describe, expect, it } from 'vitest';
import { scrub } from '../src/errors.js';
import {
  CommandFailure,
  type CommandOptions,
  type CommandOutput,
  type CommandRunner,
  WgQuickBackend,
} from '../src/index.js';

/** A fake runner: records every command, answers from a script, fails on demand. */
class FakeCommandRunner implements CommandRunner {
  readonly calls: { argv: string[]; env?: Readonly<Record<string, string>> }[] = [];
  constructor(
    readonly answer: (argv: readonly string[]) => CommandOutput | Error = () => ({ stdout: '', stderr: '' }),
    /** Answer `wg show wg<port> listen-port` with the port, as after a good `wg-quick up`. */
    readonly listening = true,
  ) {}
  async run(argv: readonly string[], options: CommandOptions = {}): Promise<CommandOutput> {
    this.calls.push({ argv: [...argv], ...(options.env ? { env: options.env } : {}) });
    if (this.listening && argv[0] === 'wg' && argv[3] === 'listen-port')
      return { stdout: `${argv[2]?.slice(2)}\n`, stderr: '' };
    const a = this.answer(argv);
    if (a instanceof Error) throw a;
    return a;
  }
}

const keys = new NodeKeySource();
const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'wq-unit-'));
  dirs.push(d);
  return join(d, 'conf');
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const createOf = (port: number, privateKey = keys.generate().privateKey): CreateChange => ({
  action: 'create',
  name: `wg${port}`,
  privateKey,
  publicKey: keys.publicKeyOf(privateKey),
  listenPort: port,
  mtu: 1420,
  addresses: ['169.254.0.1/24', 'fe80::1/64'],
  peer: {
    publicKey: keys.generate().publicKey,
    endpoint: '198.51.100.2:50002',
    persistentKeepalive: 5,
    allowedIps: ['fe80::/64'],
  },
});

describe('WgQuickBackend with a fake runner', () => {
  it('runs nothing for an empty plan or an empty update', async () => {
    const runner = new FakeCommandRunner();
    const b = new WgQuickBackend({ configDir: tempDir(), runner });
    expect(await b.apply([])).toEqual({ results: [], operations: 0 });
    await b.apply([createOf(50001)]);
    runner.calls.length = 0;
    const r = await b.apply([{ action: 'update', name: 'wg50001' }]);
    expect(r).toEqual({
      results: [{ name: 'wg50001', action: 'update', ok: true, operations: 0 }],
      operations: 0,
    });
    expect(runner.calls).toEqual([]);
  });

  it('creates with one wg-quick up on a 0600 file in a 0700 directory, then checks the port', async () => {
    const runner = new FakeCommandRunner();
    const dir = tempDir();
    const b = new WgQuickBackend({ configDir: dir, runner, userspace: 'wireguard-go' });
    const r = await b.apply([createOf(50001)]);
    expect(r.operations).toBe(2);
    expect(runner.calls).toEqual([
      {
        argv: ['wg-quick', 'up', join(dir, 'wg50001.conf')],
        env: { WG_QUICK_USERSPACE_IMPLEMENTATION: 'wireguard-go' },
      },
      { argv: ['wg', 'show', 'wg50001', 'listen-port'] },
    ]);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'wg50001.conf')).mode & 0o777).toBe(0o600);
  });

  it('takes down a link that came up on another port (wireguard-go, port taken)', async () => {
    const runner = new FakeCommandRunner(
      (argv) => (argv[0] === 'wg' ? { stdout: '45090\n', stderr: '' } : { stdout: '', stderr: '' }),
      false,
    );
    const dir = tempDir();
    const c = createOf(50001);
    const r = await new WgQuickBackend({ configDir: dir, runner }).apply([c]);
    expect(r.results[0]).toMatchObject({ ok: false, operations: 3 });
    expect(r.results[0]?.error?.code).toBe('BACKEND_PORT_TAKEN');
    expect(runner.calls.at(-1)?.argv).toEqual(['wg-quick', 'down', join(dir, 'wg50001.conf')]);
    expect(() => statSync(join(dir, 'wg50001.conf'))).toThrow();
  });

  it('changes an endpoint with one wg set, and MTU with one ip link set', async () => {
    const runner = new FakeCommandRunner();
    const dir = tempDir();
    const b = new WgQuickBackend({ configDir: dir, runner });
    const c = createOf(50001);
    await b.apply([c]);
    runner.calls.length = 0;
    const r = await b.apply([
      {
        action: 'update',
        name: 'wg50001',
        peer: { publicKey: c.peer.publicKey, endpoint: '198.51.100.3:50002' },
      },
      { action: 'update', name: 'wg50001', mtu: 1380 },
    ]);
    expect(r.operations).toBe(2);
    expect(runner.calls.map((x) => x.argv)).toEqual([
      ['wg', 'set', 'wg50001', 'peer', c.peer.publicKey, 'endpoint', '198.51.100.3:50002'],
      ['ip', 'link', 'set', 'dev', 'wg50001', 'mtu', '1380'],
    ]);
    const file = readFileSync(join(dir, 'wg50001.conf'), 'utf8');
    expect(file).toContain('Endpoint = 198.51.100.3:50002');
    expect(file).toContain('MTU = 1380');
  });

  it('sets addresses with ip addr replace and removes the ones not wanted', async () => {
    const current = [
      {
        ifindex: 5,
        ifname: 'wg50001',
        mtu: 1420,
        addr_info: [
          { family: 'inet', local: '169.254.0.1', prefixlen: 24 },
          { family: 'inet6', local: 'fe80::1', prefixlen: 64 },
        ],
      },
    ];
    const runner = new FakeCommandRunner((argv) => ({
      stdout: argv[2] === 'addr' ? JSON.stringify(current) : '',
      stderr: '',
    }));
    const dir = tempDir();
    const b = new WgQuickBackend({ configDir: dir, runner });
    await b.apply([createOf(50001)]);
    runner.calls.length = 0;
    const r = await b.apply([
      { action: 'update', name: 'wg50001', addresses: ['169.254.0.2/24', 'fe80::2/64'] },
    ]);
    expect(r.results[0]).toMatchObject({ ok: true, operations: 5 });
    expect(runner.calls.map((x) => x.argv.join(' '))).toEqual([
      'ip -j addr show dev wg50001',
      'ip addr replace 169.254.0.2/24 dev wg50001',
      'ip addr replace fe80::2/64 dev wg50001',
      'ip addr del 169.254.0.1/24 dev wg50001',
      'ip addr del fe80::1/64 dev wg50001',
    ]);
    expect(readFileSync(join(dir, 'wg50001.conf'), 'utf8')).toContain(
      'PostUp = ip -6 address add fe80::2/64 dev %i',
    );
  });

  it('rotates a key with wg syncconf on a 0600 temporary file that is removed after', async () => {
    const seen: number[] = [];
    const runner = new FakeCommandRunner((argv) => {
      if (argv[1] === 'syncconf') seen.push(statSync(argv[3] as string).mode & 0o777);
      return { stdout: '', stderr: '' };
    });
    const b = new WgQuickBackend({ configDir: tempDir(), runner });
    await b.apply([createOf(50001)]);
    const k = keys.generate();
    const r = await b.apply([
      { action: 'update', name: 'wg50001', privateKey: k.privateKey, publicKey: k.publicKey },
    ]);
    expect(r.results[0]).toMatchObject({ ok: true, operations: 1 });
    expect(seen).toEqual([0o600]);
    const tmp = runner.calls.at(-1)?.argv[3] as string;
    expect(() => statSync(tmp)).toThrow();
  });

  it('replaces a blank link a killed wg-quick up left behind; keeps a configured foreign one', async () => {
    const existing = (device: { key: string; peers: string }) => {
      let ups = 0;
      return new FakeCommandRunner((argv) => {
        if (argv[0] === 'wg-quick' && ups++ === 0)
          return new CommandFailure(argv, "wg-quick: `wg50001' already exists\n", 1, new Error('x'));
        if (argv[0] === 'ip' && argv[1] === '-j')
          return { stdout: '[{"ifindex":9,"ifname":"wg50001","flags":[],"mtu":1420}]', stderr: '' };
        if (argv[3] === 'private-key') return { stdout: `${device.key}\n`, stderr: '' };
        if (argv[3] === 'peers') return { stdout: device.peers, stderr: '' };
        return { stdout: '', stderr: '' };
      });
    };
    const blank = existing({ key: '(none)', peers: '' });
    const dir = tempDir();
    const r = await new WgQuickBackend({ configDir: dir, runner: blank }).apply([createOf(50001)]);
    expect(r.results[0]?.error?.message).toBeUndefined();
    expect(blank.calls.map((c) => c.argv.slice(0, 3).join(' '))).toEqual([
      `wg-quick up ${join(dir, 'wg50001.conf')}`,
      'ip -j link',
      'wg show wg50001',
      'wg show wg50001',
      'ip link del',
      `wg-quick up ${join(dir, 'wg50001.conf')}`,
      'wg show wg50001',
    ]);
    const configured = existing({ key: keys.generate().privateKey, peers: `${keys.generate().publicKey}\n` });
    const r2 = await new WgQuickBackend({ configDir: tempDir(), runner: configured }).apply([
      createOf(50001),
    ]);
    expect(r2.results[0]?.ok).toBe(false);
    expect(configured.calls.some((c) => c.argv[1] === 'link' && c.argv[2] === 'del')).toBe(false);
  });

  it('reports a failing change without its private key, removes its file, and applies the next', async () => {
    const bad = createOf(50001);
    const runner = new FakeCommandRunner((argv) =>
      argv[2]?.endsWith('wg50001.conf')
        ? new CommandFailure(argv, `Line unrecognized: \`PrivateKey=${bad.privateKey}'\n`, 1, new Error('x'))
        : { stdout: '', stderr: '' },
    );
    const dir = tempDir();
    const b = new WgQuickBackend({ configDir: dir, runner });
    const r = await b.apply([bad, createOf(50003)]);
    expect(r.results.map((x) => x.ok)).toEqual([false, true]);
    const e = r.results[0]?.error;
    expect(e).toBeInstanceOf(WgGatewayError);
    expect(e?.message).toContain('[backend-wgquick] [wgquick] command failed (exit 1): wg-quick up');
    expect(e?.message).toContain('(private key)');
    expect(`${e?.message} ${String((e?.cause as Error | undefined)?.message)}`).not.toContain(bad.privateKey);
    expect(() => statSync(join(dir, 'wg50001.conf'))).toThrow();
    // The failed up, then the good one and its port check.
    expect(r.operations).toBe(3);
  });

  it('never overwrites or deletes a file it did not write', async () => {
    const runner = new FakeCommandRunner(() => ({ stdout: '[]', stderr: '' }));
    const dir = tempDir();
    const b = new WgQuickBackend({ configDir: dir, runner });
    await b.apply([createOf(50001)]);
    writeFileSync(join(dir, 'wg50003.conf'), '[Interface]\nPrivateKey = mine\n');
    runner.calls.length = 0;
    const r = await b.apply([
      createOf(50003),
      { action: 'delete', name: 'wg50003' },
      { action: 'delete', name: 'wg50005' },
    ]);
    expect(r.results.map((x) => [x.ok, x.error?.code])).toEqual([
      [false, 'BACKEND_NOT_OURS'],
      [false, 'BACKEND_NOT_OURS'],
      [false, 'BACKEND_NOT_OURS'],
    ]);
    expect(readFileSync(join(dir, 'wg50003.conf'), 'utf8')).toContain('PrivateKey = mine');
    // Only the ownership probe of the file-less wg50005 ran.
    expect(runner.calls.map((x) => x.argv)).toEqual([['ip', '-j', 'link', 'show', 'dev', 'wg50005']]);
  });

  it('observes with three commands whatever the number of interfaces', async () => {
    const runner = new FakeCommandRunner((argv) => ({ stdout: argv[0] === 'ip' ? '[]' : '', stderr: '' }));
    const b = new WgQuickBackend({ runner });
    expect(await b.observe()).toEqual([]);
    expect(runner.calls.map((x) => x.argv.join(' ')).sort()).toEqual([
      'ip -j addr',
      'ip -j link',
      'wg show all dump',
    ]);
  });
});

describe('WgQuickBackend facts in a steady state', () => {
  const link = (ifindex: number, ifname: string, mtu: number) => ({ ifindex, ifname, mtu, flags: ['UP'] });
  const host = (lan = '192.0.2.1', lanMtu = 1500) => ({
    links: [link(1, 'lo', 65536), link(2, 'eth0', lanMtu), link(3, 'eth1', 1500)],
    addrs: [
      // The VIP as seen during bring-up: a /32 on lo.
      {
        ...link(1, 'lo', 65536),
        addr_info: [{ family: 'inet', local: '192.0.2.100', prefixlen: 32, scope: 'global' }],
      },
      {
        ...link(2, 'eth0', lanMtu),
        addr_info: [{ family: 'inet', local: lan, prefixlen: 24, scope: 'global' }],
      },
      {
        ...link(3, 'eth1', 1500),
        addr_info: [{ family: 'inet', local: '198.51.100.1', prefixlen: 24, scope: 'global' }],
      },
    ],
  });
  const fake = (state: { host: ReturnType<typeof host> }) =>
    new FakeCommandRunner((argv) => {
      const a = argv.join(' ');
      if (a === 'ip -j link') return { stdout: JSON.stringify(state.host.links), stderr: '' };
      if (a === 'ip -j addr') return { stdout: JSON.stringify(state.host.addrs), stderr: '' };
      // The VIP is local now: the kernel answers `local ... dev lo`.
      if (a === 'ip -j route get 192.0.2.100') return { stdout: '[{"type":"local","dev":"lo"}]', stderr: '' };
      if (argv[1] === '-j' && argv[2] === 'route') return { stdout: '[{"dev":"eth1"}]', stderr: '' };
      return { stdout: '', stderr: '' };
    });
  const query = { pathMtuTo: ['203.0.113.5', '203.0.113.6'], interfaceOf: ['192.0.2.100'], routerId: true };

  it('runs three commands per no-op observe + facts, route lookups once until the host changes', async () => {
    const state = { host: host() };
    const runner = fake(state);
    const b = new WgQuickBackend({ runner });
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = runner.calls.length;
      await b.observe();
      const f = await b.facts(query);
      counts.push(runner.calls.length - before);
      expect(f.pathMtu).toEqual({ '203.0.113.5': 1500, '203.0.113.6': 1500 });
      // By subnet: neither the /32 on lo nor `route get` (dev lo) moves the VIP.
      expect(f.interfaceOf).toEqual({ '192.0.2.100': 'eth0' });
    }
    expect(counts).toEqual([5, 3, 3]);
    // An address changed: the cached routes are asked again.
    state.host = host('192.0.2.2');
    const before = runner.calls.length;
    await b.observe();
    await b.facts(query);
    expect(runner.calls.slice(before).filter((c) => c.argv[2] === 'route')).toHaveLength(2);
  });

  it('dumps links and addresses itself when observe did not just run, or an apply came between', async () => {
    const runner = fake({ host: host() });
    const b = new WgQuickBackend({ runner, configDir: tempDir() });
    await b.facts(query);
    await b.facts(query);
    expect(runner.calls.filter((c) => c.argv.join(' ') === 'ip -j addr')).toHaveLength(2);
    await b.observe();
    await b.apply([{ action: 'delete', name: 'wg50005' }]);
    await b.facts(query);
    expect(runner.calls.filter((c) => c.argv.join(' ') === 'ip -j addr')).toHaveLength(4);
  });
});

describe('scrub', () => {
  it('hides given private keys and other key-shaped text', () => {
    const k = keys.generate();
    const other = keys.generate().publicKey;
    expect(scrub(`a ${k.privateKey} b ${other}`, [k.privateKey])).toBe('a (private key) b (key)');
    expect(scrub(`b ${other}`, [], [other])).toBe(`b ${other}`);
  });
});
