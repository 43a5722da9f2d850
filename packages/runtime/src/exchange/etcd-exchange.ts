/**
 * The distributed exchange: peer data in etcd, each unit's keys tied to a
 * lease it keeps alive, so a unit that dies disappears after the lease TTL.
 * @module
 */
import {
  type Exchange,
  type ExchangeSnapshot,
  ExchangeUnreachableError,
  type Publication,
  type UnitAddress,
  type UnitDataMap,
  type Withdrawal,
} from '@wg-gateway/core';
import { Etcd3, EtcdLeaseInvalidError, type IOptions, type Lease, type Namespace, type Watcher } from 'etcd3';
import { debounce } from './debounce.js';
import { ExchangeError } from './exchange-error.js';
import { decodeName, decodeWire, encodeAddress, encodeName, encodeWire } from './exchange-keys.js';

/** Options of {@link EtcdExchange}. */
export interface EtcdExchangeOptions {
  /** Client URLs (default `http://127.0.0.1:2379`); `https://` with {@link EtcdExchangeOptions.tls}. */
  readonly endpoints?: readonly string[];
  /** Key prefix of the deployment (default `/wg-gateway/`); deployments sharing an etcd use different ones. */
  readonly prefix?: string;
  /** Lease TTL in seconds (default 30): how long a dead unit's data outlives it. Kept alive at a third of it. */
  readonly leaseTtlSeconds?: number;
  /** PEM contents (not paths) of the CA, and of a client certificate and key for mutual TLS. */
  readonly tls?: {
    readonly ca: string | Buffer;
    readonly cert?: string | Buffer;
    readonly key?: string | Buffer;
  };
  /** etcd user and password (etcd `auth enable`). */
  readonly auth?: { readonly username: string; readonly password: string };
  /** Connection timeout in ms (default 5000). */
  readonly dialTimeoutMs?: number;
  /** A burst of changes within this window makes one watch call (default 100 ms). */
  readonly debounceMs?: number;
}

const NAME = 'etcd';
/** Wait after a lease was lost before publishing again on a new one. */
const REPUBLISH_DELAY_MS = 1000;
/** Wait before re-creating a watch that failed or ended. */
const WATCH_RETRY_MS = 2000;

/** Withdrawal markers live under this prefix, at the key of the entry they replace; they hold no lease. */
const WITHDRAWN = 'withdrawn/';

/** Parse a withdrawal marker; a garbled one still counts as a withdrawal (at time 0). */
function decodeWithdrawal(text: string): Withdrawal {
  try {
    const at = (JSON.parse(text) as { at?: unknown } | null)?.at;
    if (typeof at === 'number' && Number.isFinite(at)) return { at };
  } catch {
    // fall through
  }
  return { at: 0 };
}

const marker = (): string => JSON.stringify({ at: Date.now() });

const buf = (v: string | Buffer) => (typeof v === 'string' ? Buffer.from(v) : v);

interface Held {
  readonly lease: Lease;
  readonly id: string;
}

/**
 * {@link Exchange} on etcd (npm `etcd3`). Keys under the prefix:
 * `peerings/<peering>/<group>/<unit>` and `groups/<group>/<unit>`, values the
 * JSON of the wire record. Every key a unit writes is attached to that unit's
 * lease; `close()` stops the keep-alive without revoking, so a restart within
 * the TTL does not flap the peers' tunnels, and a crash looks like a departure
 * once the TTL has run out. {@link EtcdExchange.withdraw} departs at once.
 */
export class EtcdExchange implements Exchange {
  readonly #client: Etcd3;
  readonly #ns: Namespace;
  readonly #ttl: number;
  readonly #debounceMs: number;
  readonly #leases = new Map<string, Promise<Held>>();
  readonly #last = new Map<string, { self: UnitAddress; publication: Publication }>();
  readonly #stops = new Set<() => void>();
  #closed: Promise<void> | undefined;

  constructor(options: EtcdExchangeOptions = {}) {
    const prefix = options.prefix ?? '/wg-gateway/';
    if (!prefix.endsWith('/'))
      throw new ExchangeError(NAME, `prefix ${JSON.stringify(prefix)} must end with "/"`);
    const ttl = options.leaseTtlSeconds ?? 30;
    if (!Number.isInteger(ttl) || ttl < 2)
      throw new ExchangeError(NAME, `leaseTtlSeconds must be an integer of at least 2 (got ${ttl})`);
    this.#ttl = ttl;
    this.#debounceMs = options.debounceMs ?? 100;
    const config: IOptions = {
      hosts: [...(options.endpoints ?? ['http://127.0.0.1:2379'])],
      dialTimeout: options.dialTimeoutMs ?? 5000,
    };
    if (options.tls) {
      config.credentials = {
        rootCertificate: buf(options.tls.ca),
        ...(options.tls.key ? { privateKey: buf(options.tls.key) } : {}),
        ...(options.tls.cert ? { certChain: buf(options.tls.cert) } : {}),
      };
    }
    if (options.auth) config.auth = { username: options.auth.username, password: options.auth.password };
    this.#client = new Etcd3(config);
    this.#ns = this.#client.namespace(prefix);
  }

  /** Read the keys visible to `self`; etcd unreachable (or refusing us) throws {@link ExchangeUnreachableError}. */
  async read(self: UnitAddress, peerings: readonly string[]): Promise<ExchangeSnapshot> {
    this.#open();
    const me = encodeAddress(NAME, self);
    const scopes = [
      ...peerings.map((p) => `peerings/${encodeName(NAME, 'peering', p)}/`),
      `groups/${me.group}/`,
    ];
    const ranges = await this.#call('read', () =>
      Promise.all(
        [...scopes, ...scopes.map((s) => `${WITHDRAWN}${s}`)].map((prefix) =>
          this.#ns.getAll().prefix(prefix).strings(),
        ),
      ),
    ).catch((e: ExchangeError) => {
      throw new ExchangeUnreachableError(
        `[runtime] [${NAME}]`,
        e.message.replace(/^\[runtime\] \[etcd\] /, ''),
        {
          cause: e,
          hint: 'check that etcd is up and reachable, and its endpoints, TLS and credentials',
        },
      );
    });
    const n = scopes.length;
    /** Units of range `i`, self and (under a peering) its own group left out. */
    const collect = <T>(i: number, decode: (v: string) => T, inGroup: boolean): Record<string, T> => {
      const units: Record<string, T> = {};
      for (const [key, value] of Object.entries(ranges[i] ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
        const parts = key.replace(/^withdrawn\//, '').split('/');
        const [group, unitSeg] = inGroup ? [parts[1], parts[2]] : [parts[2], parts[3]];
        const unit = unitSeg === undefined ? undefined : decodeName(unitSeg);
        if (unit === undefined) continue;
        if (inGroup ? unit === self.unit : group === me.group) continue;
        units[unit] = decode(value);
      }
      return units;
    };
    const out: Record<string, UnitDataMap> = {};
    const gone: Record<string, Record<string, Withdrawal>> = {};
    peerings.forEach((peering, i) => {
      const units = collect(i, decodeWire, false);
      out[peering] = units;
      gone[peering] = Object.fromEntries(
        Object.entries(collect(n + i, decodeWithdrawal, false)).filter(([u]) => !(u in units)),
      );
    });
    const group = collect(n - 1, decodeWire, true);
    const groupGone = Object.fromEntries(
      Object.entries(collect(2 * n - 1, decodeWithdrawal, true)).filter(([u]) => !(u in group)),
    );
    return { peerings: out, group, withdrawn: { peerings: gone, group: groupGone } };
  }

  async publish(self: UnitAddress, publication: Publication): Promise<void> {
    this.#open();
    const me = encodeAddress(NAME, self);
    const puts = new Map<string, string>();
    for (const [peering, wire] of Object.entries(publication.peerings))
      puts.set(`peerings/${encodeName(NAME, 'peering', peering)}/${me.group}/${me.unit}`, encodeWire(wire));
    puts.set(`groups/${me.group}/${me.unit}`, encodeWire(publication.group));
    const id = `${me.group}/${me.unit}`;
    this.#last.set(id, { self, publication });
    const held = this.#lease(id);
    const { id: leaseId } = await held;
    await this.#call('publish', async () => {
      // Only what changed is written: a put wakes every watcher, and units
      // that republish on every reconcile would otherwise wake each other forever.
      const groupKey = `groups/${me.group}/${me.unit}`;
      const [peeringKvs, groupKvs, markers] = await Promise.all([
        this.#ns.getAll().prefix('peerings/').exec(),
        this.#ns.get(groupKey).exec(),
        this.#ns.getAll().prefix(WITHDRAWN).keys(),
      ]);
      const mine = new Map<string, { value: string; lease: string }>();
      for (const kv of [...peeringKvs.kvs, ...groupKvs.kvs]) {
        const key = kv.key.toString();
        if (key === groupKey || (key.endsWith(`/${me.group}/${me.unit}`) && key.split('/').length === 4))
          mine.set(key, { value: kv.value.toString(), lease: String(kv.lease) });
      }
      const changed = [...puts].filter(([key, value]) => {
        const now = mine.get(key);
        return now === undefined || now.value !== value || now.lease !== leaseId;
      });
      await Promise.all(changed.map(([key, value]) => this.#ns.put(key).value(value).lease(leaseId)));
      // Back after a withdrawal: the marker goes once the entry is in place.
      const back = markers.filter((m) => puts.has(m.slice(WITHDRAWN.length)));
      await Promise.all(back.map((m) => this.#ns.delete().key(m)));
      // A peering left: mark the withdrawal before the entry goes, so readers never see neither.
      const stale = [...mine.keys()].filter((key) => !puts.has(key));
      await Promise.all(stale.map((key) => this.#ns.put(`${WITHDRAWN}${key}`).value(marker())));
      await Promise.all(stale.map((key) => this.#ns.delete().key(key)));
    }).catch((e: unknown) => {
      // etcd expired the lease before the client noticed: grant a new one next time.
      if ((e as Error).cause instanceof EtcdLeaseInvalidError && this.#leases.get(id) === held)
        this.#leases.delete(id);
      throw e;
    });
  }

  /**
   * Depart now: mark every entry `self` published as withdrawn, then revoke
   * its lease, which deletes them.
   */
  async withdraw(self: UnitAddress): Promise<void> {
    this.#open();
    const me = encodeAddress(NAME, self);
    const id = `${me.group}/${me.unit}`;
    this.#last.delete(id);
    const held = this.#leases.get(id);
    this.#leases.delete(id);
    await this.#call('withdraw', async () => {
      const mine = (await this.#ns.getAll().prefix('').keys()).filter(
        (k) => k.endsWith(`/${me.group}/${me.unit}`) && !k.startsWith(WITHDRAWN),
      );
      await Promise.all(mine.map((key) => this.#ns.put(`${WITHDRAWN}${key}`).value(marker())));
      if (held) await (await held).lease.revoke();
      await Promise.all(mine.map((key) => this.#ns.delete().key(key)));
    });
  }

  /**
   * Watch the deployment prefix; events about keys visible to `self` call
   * `onChange` (debounced). It is also called once the watch is established
   * and after every reconnect, since changes in between cannot be ruled out.
   */
  watch(self: UnitAddress, peerings: readonly string[], onChange: () => void): () => void {
    this.#open();
    const me = encodeAddress(NAME, self);
    const watched = new Set(peerings.map((p) => encodeName(NAME, 'peering', p)));
    const relevant = (key: string): boolean => {
      const parts = key.split('/');
      if (parts[0] === 'peerings' && parts.length === 4)
        return watched.has(parts[1] as string) && parts[2] !== me.group;
      return parts[0] === 'groups' && parts.length === 3 && parts[1] === me.group && parts[2] !== me.unit;
    };
    let stopped = false;
    const fire = debounce(() => {
      if (!stopped) onChange();
    }, this.#debounceMs);
    let watcher: Watcher | undefined;
    let retry: NodeJS.Timeout | undefined;
    const onEvent = (kv: { key: Buffer }) => {
      if (relevant(kv.key.toString())) fire();
    };
    // Again later: etcd is unreachable, or it ended the watch (compaction,
    // revoked rights). The caller's interval reconcile covers the gap.
    const again = () => {
      if (stopped || retry) return;
      retry = setTimeout(() => {
        retry = undefined;
        start();
      }, WATCH_RETRY_MS);
      retry.unref();
    };
    const start = () => {
      this.#ns
        .watch()
        .prefix('')
        .create()
        .then((w) => {
          if (stopped) {
            void w.cancel().catch(() => undefined);
            return;
          }
          watcher = w;
          w.on('put', onEvent);
          w.on('delete', onEvent);
          // After a reconnect etcd3 resumes from the last revision; call anyway.
          w.on('connected', () => fire());
          w.on('error', () => undefined);
          w.on('end', () => {
            if (watcher === w) watcher = undefined;
            again();
          });
          fire();
        }, again);
    };
    start();
    const stop = () => {
      if (stopped) return;
      stopped = true;
      fire.cancel();
      if (retry) clearTimeout(retry);
      void watcher?.cancel().catch(() => undefined);
      this.#stops.delete(stop);
    };
    this.#stops.add(stop);
    return stop;
  }

  /** Stop watches and lease keep-alives (leases are not revoked; see the class doc) and disconnect. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      for (const stop of [...this.#stops]) stop();
      for (const held of this.#leases.values())
        await held.then((h) => h.lease.release()).catch(() => undefined);
      this.#leases.clear();
      this.#client.close();
    })();
    return this.#closed;
  }

  /** The live lease of unit `id`, granting one when needed. */
  #lease(id: string): Promise<Held> {
    const existing = this.#leases.get(id);
    if (existing) return existing;
    const lease = this.#ns.lease(this.#ttl);
    const held = this.#call('lease grant', async () => ({ lease, id: await lease.grant() }));
    this.#leases.set(id, held);
    held.catch(() => {
      if (this.#leases.get(id) === held) this.#leases.delete(id);
    });
    lease.on('lost', () => {
      if (this.#leases.get(id) !== held) return;
      // Our keys are gone (etcd unreachable longer than the TTL): publish
      // the last data again on a fresh lease once it is back.
      this.#leases.delete(id);
      const timer = setTimeout(() => {
        const last = this.#last.get(id);
        if (last && this.#closed === undefined)
          this.publish(last.self, last.publication).catch(() => undefined);
      }, REPUBLISH_DELAY_MS);
      timer.unref();
    });
    return held;
  }

  async #call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (cause) {
      if (cause instanceof ExchangeError) throw cause;
      throw new ExchangeError(NAME, `${what} failed: ${(cause as Error).message}`, {
        cause,
        hint: 'check the etcd endpoints, TLS and credentials, and that etcd is healthy',
      });
    }
  }

  #open(): void {
    if (this.#closed !== undefined) throw new ExchangeError(NAME, 'the exchange is closed');
  }
}
