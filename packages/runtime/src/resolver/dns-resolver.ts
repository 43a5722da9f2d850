/**
 * The runtime's {@link NameResolver}: `node:dns` with a timeout and a small
 * bounded cache. By default it asks the system (`dns.lookup`, i.e.
 * getaddrinfo: `/etc/hosts`, then the resolvers of `/etc/resolv.conf`, both
 * families); with `servers` it asks those DNS servers directly (A and AAAA,
 * no hosts file), for a unit whose system resolver is not the one that
 * knows its peers' names.
 * @module
 */
import { lookup, Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { NameResolver, ResolvedAddress } from '@wg-gateway/core';

/** Options of {@link DnsNameResolver}. */
export interface DnsNameResolverOptions {
  /** DNS servers (`IP`, `IP:PORT`, `[IPv6]:PORT`); absent: the system resolver (`dns.lookup`). */
  readonly servers?: readonly string[];
  /** Give up on one lookup after this long (default 2000 ms). */
  readonly timeoutMs?: number;
  /** Keep an answer this long (default 5000 ms): a burst of reconciles asks once. */
  readonly cacheMs?: number;
  /** Names kept at most (default 256); the oldest goes first. */
  readonly cacheEntries?: number;
}

/** Defaults of {@link DnsNameResolverOptions}. */
export const DNS_RESOLVER_DEFAULTS = { timeoutMs: 2000, cacheMs: 5000, cacheEntries: 256 } as const;

/** A {@link NameResolver} over `node:dns`. */
export class DnsNameResolver implements NameResolver {
  readonly #cache = new Map<string, { at: number; answers: readonly ResolvedAddress[] }>();
  readonly #resolver: Resolver | undefined;
  readonly #timeoutMs: number;
  readonly #cacheMs: number;
  readonly #cacheEntries: number;

  /** @throws {TypeError} from `node:dns` when a server is not an address. */
  constructor(
    options: DnsNameResolverOptions = {},
    readonly now: () => number = Date.now,
  ) {
    this.#timeoutMs = options.timeoutMs ?? DNS_RESOLVER_DEFAULTS.timeoutMs;
    this.#cacheMs = options.cacheMs ?? DNS_RESOLVER_DEFAULTS.cacheMs;
    this.#cacheEntries = options.cacheEntries ?? DNS_RESOLVER_DEFAULTS.cacheEntries;
    if (options.servers && options.servers.length > 0) {
      // One try per server, bounded by our own timeout as well.
      this.#resolver = new Resolver({ timeout: this.#timeoutMs, tries: 1 });
      this.#resolver.setServers([...options.servers]);
    }
  }

  async lookup(name: string): Promise<readonly ResolvedAddress[]> {
    const cached = this.#cache.get(name);
    if (cached && this.now() - cached.at < this.#cacheMs) return cached.answers;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`[runtime] resolving ${name} timed out after ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
    });
    try {
      const answers = await Promise.race([this.#ask(name), timeout]);
      if (answers.length === 0) throw new Error(`[runtime] ${name} has no A or AAAA record`);
      this.#cache.delete(name);
      this.#cache.set(name, { at: this.now(), answers });
      while (this.#cache.size > this.#cacheEntries) {
        const oldest = this.#cache.keys().next().value as string;
        this.#cache.delete(oldest);
      }
      return answers;
    } catch (e) {
      this.#cache.delete(name);
      const code = (e as NodeJS.ErrnoException).code;
      const why = e instanceof Error ? e.message : String(e);
      throw new Error(why.startsWith('[runtime]') ? why : `[runtime] resolving ${name}: ${code ?? why}`, {
        cause: e,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  async #ask(name: string): Promise<ResolvedAddress[]> {
    const r = this.#resolver;
    if (r === undefined) {
      const all = await lookup(name, { all: true, family: 0, order: 'verbatim' });
      return all.flatMap((a) =>
        a.family === 4 || a.family === 6 ? [{ address: a.address, family: a.family }] : [],
      );
    }
    // A and AAAA side by side; one family missing is fine, both missing is not.
    const [v4, v6] = await Promise.allSettled([r.resolve4(name), r.resolve6(name)]);
    if (v4.status === 'rejected' && v6.status === 'rejected') throw v4.reason;
    const out: ResolvedAddress[] = [];
    for (const a of v4.status === 'fulfilled' ? v4.value : [])
      if (isIP(a) === 4) out.push({ address: a, family: 4 });
    for (const a of v6.status === 'fulfilled' ? v6.value : [])
      if (isIP(a) === 6) out.push({ address: a, family: 6 });
    return out;
  }
}
