/**
 * One reconcile of a single local unit against hand-written remote data, the
 * way the reference's unit tests drive its charm: seeded keys and links in,
 * published data, links and the desired system out.
 */
import { ManualClock } from '../../src/clock.js';
import { type GroupConfig, parseGroupConfig } from '../../src/config.js';
import type { HostFacts } from '../../src/facts.js';
import type { KeyPair, KeySource } from '../../src/keys.js';
import type { PeerDataWire } from '../../src/peer-data.js';
import { type ReconcileResult, reconcile } from '../../src/reconcile.js';
import type { KeyRecord, LinkRecord, LinkStatus, UnitState } from '../../src/state.js';
import { refKey } from '../fixtures.js';

/**
 * A FAKE key source whose keys are the reference's test keys
 * `public/key/local/N/`, N counting up from `first` (so seeded keys 0..k keep
 * their names and new ones do not collide).
 */
export class RefKeySource implements KeySource {
  #n: number;
  constructor(first: number) {
    this.#n = first;
  }
  generate(): KeyPair {
    const n = this.#n++;
    return { privateKey: refKey('localpriv', n), publicKey: refKey('local', n) };
  }
  publicKeyOf(privateKey: string): string {
    return privateKey.replace('localpriv', 'local');
  }
}

export const PEERING = 'rel-1';
export const local = (n: number) => refKey('local', n);
export const remote = (unit: number, n: number) => refKey(`remote${unit}`, n);

/** The local unit's config: one peering in the given role. */
export function scenarioConfig(role: 'initiator' | 'acceptor', extra: object = {}): GroupConfig {
  return parseGroupConfig({
    unit: 'local/0',
    group: 'local',
    'ingress-address': '172.16.0.0',
    'advertise-prefixes': ['192.0.2.0/24'],
    tunnels: 2,
    peerings: [{ id: PEERING, role }],
    ...extra,
  });
}

/** A seeded key `local/N`. */
export const seedKey = (n: number, retired = false): KeyRecord => ({
  peering: PEERING,
  privateKey: refKey('localpriv', n),
  publicKey: local(n),
  retired,
  createdAt: 0,
  ...(retired ? { retiredAt: 0 } : {}),
});

/** A seeded link local/N ↔ remote1/N. */
export const seedLink = (n: number, status: LinkStatus, port: number, endpoint?: string): LinkRecord => ({
  peering: PEERING,
  peerUnit: 'remote/1',
  status,
  publicKey: local(n),
  port,
  peerPublicKey: remote(1, n),
  ...(endpoint === undefined ? {} : { peerEndpoint: endpoint }),
  peerPrefixes: [],
  mtu: 1420,
  openedAt: 0,
  ...(status === 'closed' ? { closedAt: 0 } : {}),
});

/** Run one reconcile of the local unit. */
export function runScenario(
  config: GroupConfig,
  remoteUnits: Readonly<Record<string, unknown>>,
  seed: { keys?: readonly KeyRecord[]; links?: readonly LinkRecord[] } = {},
  facts: HostFacts = { pathMtu: {}, interfaceOf: {} },
): ReconcileResult {
  const keys = seed.keys ?? [];
  const state: UnitState = {
    keys,
    links: seed.links ?? [],
    portCounter: config.portRange.min,
    quarantine: [],
  };
  return reconcile({
    config,
    state,
    remote: { [PEERING]: remoteUnits as Record<string, PeerDataWire> },
    group: {},
    facts,
    clock: new ManualClock(1_000_000),
    keys: new RefKeySource(keys.length === 0 ? 0 : 100),
  });
}

/** `listen-ports` entries a result publishes, as `key:peer` pairs (port dropped). */
export function publishedPairs(r: ReconcileResult): string[] {
  const text = r.publish.peerings[PEERING]?.['listen-ports'] ?? '';
  return text === '' ? [] : text.split(',').map((e) => e.split(':').slice(0, 2).join(':'));
}

/** Status of the link between two keys. */
export function statusOf(r: ReconcileResult, mine: string, theirs: string): LinkStatus | undefined {
  return r.state.links.find((l) => l.publicKey === mine && l.peerPublicKey === theirs)?.status;
}
