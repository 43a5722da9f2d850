#!/usr/bin/env node
/**
 * `wg-gateway-lab up|status|exec|down`: the lab's command line (the CLI's
 * `wg-gateway lab ...` runs this). Exit codes: 0 ok, 1 failure, 2 usage.
 * @module
 */
import { downAll, Lab } from './lab.js';
import { pingMatrix, waitConverged } from './lab-checks.js';
import { LabError } from './lab-error.js';
import { DEFAULT_PREFIX_BASE, listLabs } from './lab-record.js';
import { formatStatus, isConverged, labStatus } from './lab-status.js';
import { checkPrerequisites } from './prerequisites.js';
import { defaultSpec, type LabBackend, type LabExchange } from './topology.js';

const USAGE = `usage:
  wg-gateway-lab up [--sites N] [--units N] [--backend wgquick|netlink] [--exchange dir|etcd]
                    [--prefix P] [--install] [--json]
  wg-gateway-lab status [--prefix P] [--json]
  wg-gateway-lab exec [--prefix P] NAMESPACE -- COMMAND...   (NAMESPACE: wan, a-lan, a-cl, a-1, ...)
  wg-gateway-lab down [--prefix P] [--all]`;

interface Args {
  command: string;
  flags: Map<string, string | true>;
  rest: string[];
}

function parse(argv: string[]): Args {
  const [command = 'help', ...tail] = argv;
  const flags = new Map<string, string | true>();
  const rest: string[] = [];
  const boolean = new Set(['--all', '--json', '--install', '--help']);
  for (let i = 0; i < tail.length; i++) {
    const a = tail[i] as string;
    if (a === '--') {
      rest.push(...tail.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      if (boolean.has(a)) flags.set(a, true);
      else {
        const v = tail[++i];
        if (v === undefined) throw new UsageError(`${a} needs a value`);
        flags.set(a, v);
      }
    } else rest.push(a);
  }
  return { command, flags, rest };
}

class UsageError extends Error {}

function str(args: Args, flag: string): string | undefined {
  const v = args.flags.get(flag);
  return typeof v === 'string' ? v : undefined;
}

function int(args: Args, flag: string, fallback: number): number {
  const v = str(args, flag);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer`);
  return n;
}

/** The one lab to act on: --prefix, or the only `wgl-` lab. */
async function pick(args: Args): Promise<Lab> {
  const prefix = str(args, '--prefix');
  if (prefix) return Lab.open(prefix);
  const labs = await listLabs(DEFAULT_PREFIX_BASE);
  if (labs.length !== 1 || !labs[0]) {
    throw new LabError(
      labs.length === 0 ? 'no lab is up' : `several labs are up: ${labs.join(', ')}`,
      labs.length === 0 ? 'run `wg-gateway-lab up`' : 'pass --prefix',
      { part: 'cli' },
    );
  }
  return Lab.open(labs[0]);
}

const out = (line: string) => process.stdout.write(`${line}\n`);

async function up(args: Args): Promise<number> {
  const json = args.flags.has('--json');
  const say = json ? (line: string) => process.stderr.write(`${line}\n`) : out;
  const exchange = (str(args, '--exchange') ?? 'dir') as LabExchange;
  const backend = (str(args, '--backend') ?? 'wgquick') as LabBackend;
  if (!['dir', 'etcd'].includes(exchange)) throw new UsageError('--exchange must be dir or etcd');
  if (!['wgquick', 'netlink'].includes(backend)) throw new UsageError('--backend must be wgquick or netlink');
  await checkPrerequisites({ install: args.flags.has('--install'), etcd: exchange === 'etcd', say });
  const spec = { ...defaultSpec(int(args, '--sites', 3), int(args, '--units', 2)), exchange, backend };
  const prefix = str(args, '--prefix');
  const lab = await Lab.up(spec, {
    ...(prefix ? { prefix } : {}),
    onProgress: say,
  });
  say('waiting for tunnels to handshake and OSPF to converge (at most 120 s)');
  const result = await waitConverged(lab, { timeoutMs: 120_000, onProgress: say });
  say(result.converged ? `converged in ${(result.ms / 1000).toFixed(1)} s` : 'NOT converged after 120 s');
  say(formatStatus(result.status));
  say('pings between site clients:');
  const pings = await pingMatrix(lab, 15_000);
  for (const l of pings.lines) say(l);
  say(
    `lab ${lab.prefix} is up. Try: wg-gateway-lab exec a-cl -- ping ${lab.plan.sites[1]?.clientAddresses[0]?.split('/')[0] ?? ''}; remove it with: wg-gateway-lab down`,
  );
  if (json)
    out(
      JSON.stringify({
        prefix: lab.prefix,
        dir: lab.record.dir,
        converged: result.converged,
        pings: pings.ok,
        status: result.status,
      }),
    );
  return result.converged && pings.ok ? 0 : 1;
}

async function status(args: Args): Promise<number> {
  const lab = await pick(args);
  const s = await labStatus(lab);
  if (args.flags.has('--json'))
    out(JSON.stringify({ prefix: lab.prefix, dir: lab.record.dir, plan: lab.plan, units: s }));
  else {
    out(`lab ${lab.prefix} (${lab.record.dir}), backend ${lab.plan.backend}, exchange ${lab.plan.exchange}`);
    out(formatStatus(s));
  }
  return s.every(isConverged) ? 0 : 1;
}

async function exec(args: Args): Promise<number> {
  const lab = await pick(args);
  const [target, ...argv] = args.rest;
  if (!target || argv.length === 0) throw new UsageError('exec needs NAMESPACE -- COMMAND');
  const ns = lab.ns(target);
  const { spawnSync } = await import('node:child_process');
  // nsenter -m would start in /; keep the caller's directory for relative paths.
  const [file, ...rest] = [
    'nsenter',
    '-t',
    String(ns.holderPid),
    '-n',
    '-m',
    `--wd=${process.cwd()}`,
    '--',
    ...argv,
  ];
  const r = spawnSync(file as string, rest, { stdio: 'inherit' });
  return r.status ?? 1;
}

async function down(args: Args): Promise<number> {
  if (args.flags.has('--all')) {
    const removed = await downAll(str(args, '--prefix') ?? DEFAULT_PREFIX_BASE);
    out(removed.length ? `removed ${removed.join(', ')}` : 'nothing to remove');
    return 0;
  }
  const lab = await pick(args);
  await lab.down();
  out(`lab ${lab.prefix} removed`);
  return 0;
}

/**
 * Run `up` in a child whose stderr is a pipe: namespace holder processes
 * inherit the stderr of the process that creates them and live on, so a
 * caller reading our output (a pipe, CI) would otherwise never see EOF.
 */
async function upInChild(argv: string[]): Promise<number> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [process.argv[1] as string, '__up', ...argv.slice(1)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(process.stdout, { end: false });
  child.stderr.pipe(process.stderr, { end: false });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.once('SIGINT', forward);
  process.once('SIGTERM', forward);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
}

async function main(argv: string[]): Promise<number> {
  const args = parse(argv);
  switch (args.command) {
    case 'up':
      return upInChild(argv);
    case '__up':
      return up(args);
    case 'status':
      return status(args);
    case 'exec':
      return exec(args);
    case 'down':
      return down(args);
    case 'help':
    case '--help':
      out(USAGE);
      return 0;
    default:
      throw new UsageError(`unknown command "${args.command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n${USAGE}\n`);
      process.exit(2);
    }
    const hint = e instanceof LabError && e.hint ? `\n  hint: ${e.hint}` : '';
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}${hint}\n`);
    process.exit(1);
  },
);
