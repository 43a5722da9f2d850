/**
 * Remote ingress host names and the addresses they resolve to. The gateway
 * keeps one {@link EndpointNames} table across reconciles: a name is
 * resolved when it is first seen (when it is applied), and again when a
 * link to a unit publishing it has not shaken hands for
 * `endpoint-refresh-seconds`, or when the peer of a link we initiate was
 * seen at another address than the one we set (WireGuard roamed to it: the
 * unit's address may have moved). When resolution fails the last good address
 * is kept (a DNS outage is not a departure); `reconcile()` reports it.
 * @module
 */
import { parseEndpoint } from './endpoint.js';
import { isHostname, parseHostname } from './ingress.js';
import type { NameResolver } from './name-resolver.js';
import { pickAddress } from './name-resolver.js';
import type { ObservedInterface } from './observed.js';
import type { PeerData } from './peer-data.js';
import type { Problem } from './problems.js';
import type { LinkRecord } from './state.js';

/** A remote unit that publishes a name. */
export interface NameUser {
  readonly peering: string;
  readonly unit: string;
}

/** What is known of one name: shown by `status`, used by `reconcile()`. */
export interface NameAnswer {
  readonly name: string;
  /** The address in use: the last good answer (or one held from the state's links); absent: none yet. */
  readonly address?: string;
  /** Epoch ms of the last good answer; absent when the address is held from the state or there is none. */
  readonly resolvedAt?: number;
  /** Why the last attempt failed; absent when it succeeded. */
  readonly error?: string;
  /** Epoch ms of the last attempt. */
  readonly attemptedAt: number;
  /** Units that publish this name. */
  readonly users: readonly NameUser[];
}

/** Input of {@link EndpointNames.refresh}. */
export interface NameRefreshInput {
  /** Effective remote data per peering (wire form), as reconcile gets it. */
  readonly remote: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, string>>>>>>;
  /** The saved links (last good endpoints, handshake age by link). */
  readonly links: readonly LinkRecord[];
  readonly observed: readonly ObservedInterface[];
  /** Peerings where this unit is the initiator (it sets the endpoint; an acceptor only learns it). */
  readonly initiating: ReadonlySet<string>;
  /** Epoch ms. */
  readonly now: number;
}

/** The names in remote data, with the units that publish each. */
export function namesInUse(remote: NameRefreshInput['remote']): Map<string, NameUser[]> {
  const names = new Map<string, NameUser[]>();
  for (const peering of Object.keys(remote).sort()) {
    const units = remote[peering] ?? {};
    for (const unit of Object.keys(units).sort()) {
      const text = units[unit]?.['ingress-address'];
      if (text === undefined || !isHostname(text.trim())) continue;
      const n = parseHostname(text);
      if (!n.ok) continue; // the decoder reports it
      const users = names.get(n.value) ?? [];
      users.push({ peering, unit });
      names.set(n.value, users);
    }
  }
  return names;
}

/**
 * Least time between two lookups of one name: a peer that stays down (or a
 * DNS that stays down) costs one lookup per 10 s, and a moved peer is
 * followed within 10 s of the reconcile that notices it.
 */
export const NAME_RETRY_MS = 10_000;

const LIVE_WITH_INTERFACE = new Set(['open', 'half-closed']);

/** Options of {@link EndpointNames}. */
export interface EndpointNamesOptions {
  /** `endpoint-refresh-seconds` in ms: a handshake older than this asks again. */
  readonly refreshMs: number;
  /** Family preferred when a name has both (see {@link pickAddress}). */
  readonly prefer: 4 | 6;
  /** Least time between two attempts for one name (default: {@link NAME_RETRY_MS} or `refreshMs`, the smaller). */
  readonly retryMs?: number;
}

/** The gateway's table of remote ingress names; resolution goes through the {@link NameResolver} port. */
export class EndpointNames {
  readonly #table = new Map<string, NameAnswer>();
  readonly #retryMs: number;

  constructor(
    readonly resolver: NameResolver | undefined,
    readonly options: EndpointNamesOptions,
  ) {
    this.#retryMs = options.retryMs ?? Math.min(NAME_RETRY_MS, options.refreshMs);
  }

  /**
   * Resolve the names that are due (new, failed last time, or with a link
   * whose handshake is stale; each at most once per retry interval) and
   * return the table of every name in use. Never throws: a failure is kept
   * in the entry's `error`.
   */
  async refresh(input: NameRefreshInput): Promise<ReadonlyMap<string, NameAnswer>> {
    const { now } = input;
    const inUse = namesInUse(input.remote);
    for (const name of [...this.#table.keys()]) if (!inUse.has(name)) this.#table.delete(name);
    const due = [...inUse.keys()].filter((name) => {
      const entry = this.#table.get(name);
      if (entry === undefined) return true;
      if (now - entry.attemptedAt < this.#retryMs) return false;
      return entry.error !== undefined || this.#stale(inUse.get(name) ?? [], input);
    });
    await Promise.all(
      due.map(async (name) => {
        const users = inUse.get(name) ?? [];
        const before = this.#table.get(name);
        let answer: NameAnswer;
        try {
          if (!this.resolver) throw new Error('no name resolver is configured');
          const address = pickAddress(await this.resolver.lookup(name), this.options.prefer);
          if (address === undefined) throw new Error('no A or AAAA record');
          answer = { name, address, resolvedAt: now, attemptedAt: now, users };
        } catch (e) {
          const error = e instanceof Error ? e.message : String(e);
          const address = before?.address ?? heldAddress(users, input.links);
          answer = {
            name,
            ...(address === undefined ? {} : { address }),
            ...(before?.resolvedAt === undefined ? {} : { resolvedAt: before.resolvedAt }),
            error,
            attemptedAt: now,
            users,
          };
        }
        this.#table.set(name, answer);
      }),
    );
    for (const [name, users] of inUse) {
      const entry = this.#table.get(name);
      if (entry) this.#table.set(name, { ...entry, users });
    }
    return new Map(this.#table);
  }

  /**
   * True when a link with an interface to one of `users` has not shaken
   * hands for `refreshMs`, or (on a peering we initiate) its peer roamed
   * away from the endpoint we set.
   */
  #stale(users: readonly NameUser[], input: NameRefreshInput): boolean {
    return input.links.some((l) => {
      if (!LIVE_WITH_INTERFACE.has(l.status)) return false;
      if (!users.some((u) => u.peering === l.peering && u.unit === l.peerUnit)) return false;
      const iface = input.observed.find((o) => o.name === `wg${l.port}`);
      if (!iface) return false;
      const peer = iface.peers.find((p) => p.publicKey === l.peerPublicKey);
      const roamed =
        input.initiating.has(l.peering) &&
        peer?.endpoint !== undefined &&
        l.peerEndpoint !== undefined &&
        peer.endpoint !== l.peerEndpoint;
      const last = peer?.lastHandshake ?? l.openedAt;
      return roamed || last === undefined || input.now - last >= this.options.refreshMs;
    });
  }
}

/** The address of a saved link's endpoint to one of `users`: the last good one before a restart. */
function heldAddress(users: readonly NameUser[], links: readonly LinkRecord[]): string | undefined {
  for (const l of links) {
    if (l.peerEndpoint === undefined || l.status === 'closed') continue;
    if (users.some((u) => u.peering === l.peering && u.unit === l.peerUnit))
      return parseEndpoint(l.peerEndpoint)?.address;
  }
  return undefined;
}

/**
 * Swap each unit's ingress name for the address the table gives it, for the
 * link protocol and the path-MTU facts; an unresolved name becomes `''`, so
 * links keep the endpoint they have and new ones get none (the peer's own
 * handshake then sets it). Reports a problem per unit whose name failed.
 */
export function withResolvedIngress(
  peering: string,
  units: ReadonlyMap<string, PeerData>,
  names: ReadonlyMap<string, NameAnswer> | undefined,
  problems: Problem[],
): Map<string, PeerData> {
  const out = new Map<string, PeerData>();
  for (const [unit, data] of units) {
    if (!isHostname(data.ingressAddress)) {
      out.set(unit, data);
      continue;
    }
    const name = data.ingressAddress;
    const answer = names?.get(name);
    const address = answer?.address ?? '';
    if (answer?.address === undefined) {
      problems.push({
        code: 'ENDPOINT_NAME_UNRESOLVED',
        peering,
        unit,
        message: `peering ${peering}: ${unit}'s ingress-address ${name} has no address (${answer?.error ?? 'not resolved yet'}); its links get no endpoint and wait for ${unit} to shake hands`,
      });
    } else if (answer.error !== undefined) {
      problems.push({
        code: 'ENDPOINT_NAME_HELD',
        peering,
        unit,
        message: `peering ${peering}: resolving ${unit}'s ingress-address ${name} failed (${answer.error}); the last good address ${address} is kept`,
      });
    }
    out.set(unit, { ...data, ingressAddress: address });
  }
  return out;
}
