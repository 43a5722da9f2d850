/**
 * Facts about the host that reconcile needs and cannot compute itself.
 * @module
 */
import { contains, parsePrefix } from './prefix.js';

/** Host facts, gathered by a backend (or given by a test). */
export interface HostFacts {
  /** Detected router id (an IPv4 address); the config's wins when set. */
  readonly routerId?: string;
  /** Path MTU to each remote address; absent = unknown (1500 assumed). */
  readonly pathMtu: Readonly<Record<string, number>>;
  /** The local interface that holds or routes to each address. */
  readonly interfaceOf: Readonly<Record<string, string>>;
  /**
   * Names of this gateway's interfaces that exist now. When given, closed
   * links whose interface is gone are garbage-collected.
   */
  readonly existingInterfaces?: readonly string[];
  /**
   * Routing observations per link interface (OSPF adjacency, kernel routes,
   * handshake), gathered only while a key rotation runs. Absent: unknown, and
   * a rotation then waits rather than drain a link blind.
   */
  readonly linkRouting?: Readonly<Record<string, LinkRoutingFact>>;
}

/** What the host shows about one link interface's routing (see `rotation.ts`). */
export interface LinkRoutingFact {
  /** OSPF is Full on it for both address families. */
  readonly ospfFull: boolean;
  /** Kernel routes installed by BIRD with a next hop through it (both families). */
  readonly kernelRoutes: number;
  /** Its peer's latest handshake, epoch ms; absent = never. */
  readonly lastHandshake?: number;
}

/** No facts known. */
export const NO_FACTS: HostFacts = { pathMtu: {}, interfaceOf: {} };

/** An address an interface holds, as an address dump reports it. */
export interface HeldAddress {
  readonly ifname: string;
  /** Address text, no length. */
  readonly address: string;
  readonly prefixLength: number;
}

/**
 * The interface that a VIP belongs on: the one holding a subnet that
 * contains it (longest subnet first, then name). The VIP itself, host
 * addresses (/32, /128: what Keepalived adds) and `lo` never count, so the
 * answer does not change once Keepalived has added the VIP somewhere.
 */
export function interfaceOnSubnet(address: string, held: readonly HeldAddress[]): string | undefined {
  const target = parsePrefix(address);
  if (!target.ok) return undefined;
  let best: { ifname: string; length: number } | undefined;
  for (const h of held) {
    if (h.ifname === 'lo') continue;
    const own = parsePrefix(h.address);
    if (own.ok && own.value.family === target.value.family && own.value.first === target.value.first)
      continue;
    const subnet = parsePrefix(`${h.address}/${h.prefixLength}`);
    if (!subnet.ok || subnet.value.length === (subnet.value.family === 4 ? 32 : 128)) continue;
    if (!contains(subnet.value, target.value)) continue;
    if (
      !best ||
      subnet.value.length > best.length ||
      (subnet.value.length === best.length && h.ifname < best.ifname)
    )
      best = { ifname: h.ifname, length: subnet.value.length };
  }
  return best?.ifname;
}

/**
 * Per-address answers (route lookups: path MTU, outgoing interface) kept
 * until the host changes: the caller passes a fingerprint of what it last
 * saw (links, MTUs, addresses) and the time; a new fingerprint, an explicit
 * {@link invalidate} (a route event) or `ttlMs` passing forgets them all.
 */
export class HostAnswerCache<T> {
  readonly #entries = new Map<string, T | null>();
  #fingerprint: string | undefined;
  #since = 0;
  /** @param ttlMs how long answers are kept at most (default 60 s). */
  constructor(readonly ttlMs = 60_000) {}

  /** Forget every answer when the host looks different or they are too old. */
  refresh(fingerprint: string, now: number): void {
    if (fingerprint !== this.#fingerprint || now - this.#since >= this.ttlMs) {
      this.#entries.clear();
      this.#fingerprint = fingerprint;
      this.#since = now;
    }
  }

  /** Forget every answer (a link, address or route changed). */
  invalidate(): void {
    this.#fingerprint = undefined;
  }

  /** The answer, `null` for "no answer", `undefined` when not cached. */
  get(key: string): T | null | undefined {
    return this.#entries.get(key);
  }

  /** Keep an answer; `null` records "no answer" (no route), asked again after the next change. */
  set(key: string, value: T | null): void {
    this.#entries.set(key, value);
  }
}
