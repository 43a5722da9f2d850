/**
 * Shared set-up of the daemon adapter tests: two namespaces joined by a veth
 * pair, a temporary directory for configs, sockets and pid files, and a
 * command runner per namespace that records every argv. Torn down in
 * afterAll even when a test fails.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupNamespaces, connect, createNetns, type Netns, uniquePrefix } from '@wg-gateway/testkit';
import { afterAll, beforeAll } from 'vitest';
import { type CommandRunner, commandRunner } from '../../src/system/command.js';

/** What {@link useDaemonPair} provides once beforeAll ran. */
export interface DaemonPair {
  readonly a: Netns;
  readonly b: Netns;
  /** Temporary directory for configs, sockets, pid files. */
  readonly dir: string;
  /** Every argv run through {@link runIn}, in order. */
  readonly commands: string[][];
  /** A runner inside `ns` that records its commands. */
  runIn(ns: Netns): CommandRunner;
}

/** Options of {@link useDaemonPair}. */
export interface DaemonPairOptions {
  /** Namespace name stem (made unique with testkit's uniquePrefix). */
  readonly stem: string;
  /** Interface names and addresses on each side. */
  readonly a: { readonly ifname: string; readonly addresses: readonly string[] };
  readonly b: { readonly ifname: string; readonly addresses: readonly string[] };
  /** Stop the daemons before the namespaces go. */
  readonly stop?: () => Promise<unknown>;
}

/** Register beforeAll/afterAll hooks; the returned object is filled in by beforeAll. */
export function useDaemonPair(options: DaemonPairOptions): DaemonPair {
  const prefix = uniquePrefix(options.stem);
  const commands: string[][] = [];
  const pair = {
    commands,
    runIn(ns: Netns): CommandRunner {
      const inner = commandRunner({ prefix: ns.enter });
      return (argv, opts) => {
        commands.push([...argv]);
        return inner(argv, opts);
      };
    },
  } as DaemonPair & { a: Netns; b: Netns; dir: string };
  beforeAll(async () => {
    await cleanupNamespaces(prefix);
    pair.dir = await mkdtemp(join(tmpdir(), `${options.stem}-`));
    pair.a = await createNetns(`${prefix}a`);
    pair.b = await createNetns(`${prefix}b`);
    await connect(
      { ns: pair.a, ifname: options.a.ifname, addresses: [...options.a.addresses] },
      { ns: pair.b, ifname: options.b.ifname, addresses: [...options.b.addresses] },
    );
  });
  afterAll(async () => {
    await options.stop?.().catch(() => undefined);
    await cleanupNamespaces(prefix);
    if (pair.dir) await rm(pair.dir, { recursive: true, force: true });
  });
  return pair;
}

/** What a Keepalived pair view needs: the VRRP instances' states and priorities. */
interface VrrpSource {
  vrrpStates(): Promise<readonly { readonly state: string; readonly priority?: number }[]>;
}

/**
 * `a: STATE/PRIO, b: STATE/PRIO` of two Keepalived units with `instances`
 * VRRP instances each, when all instances of a unit agree; else that unit's
 * raw list.
 */
export async function vrrpPairView(a: VrrpSource, b: VrrpSource, instances = 2): Promise<string> {
  const one = async (k: VrrpSource) => {
    const s = await k.vrrpStates();
    const set = [...new Set(s.map((v) => `${v.state}/${v.priority}`))];
    return s.length === instances && set.length === 1 ? set[0] : JSON.stringify(s);
  };
  return `a: ${await one(a)}, b: ${await one(b)}`;
}
