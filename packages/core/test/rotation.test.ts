/**
 * The key rotation state machine (rotation.ts) between two simulated units:
 * against a remote that only follows the link protocol (reference
 * behaviour), and with both units rotating at once; with `tunnels: 2` no
 * moment leaves the pair without a carrying tunnel and no interface is
 * deleted while it still carries traffic.
 */
import { describe, expect, it } from 'vitest';
import { parseGroupConfig } from '../src/config.js';
import {
  CARRY_SETTLE_MS,
  DRAIN_HOLD_MS,
  requestRotation,
  rotationActive,
  slotOpen,
} from '../src/rotation.js';
import { decodeState, encodeState } from '../src/state.js';
import { PEERING, RotationPair } from './support/rotation-pair.js';

function upPair(tunnels: number, opts?: { aRotates?: boolean; bRotates?: boolean }): RotationPair {
  const pair = new RotationPair(tunnels, opts);
  pair.until(() => pair.carrying.size === tunnels);
  return pair;
}

describe('key rotation', () => {
  for (const tunnels of [2, 3]) {
    it(`rotates every key against a remote that only follows the link protocol (tunnels ${tunnels})`, () => {
      const pair = upPair(tunnels, { bRotates: false });
      const before = pair.activeKeys(pair.a);
      const remoteBefore = pair.activeKeys(pair.b);
      pair.rotate(pair.a);
      pair.until(() => pair.rotated(pair.a) && pair.carrying.size === tunnels);
      const after = pair.activeKeys(pair.a);
      expect(after).toHaveLength(tunnels);
      expect(after.filter((k) => before.includes(k))).toEqual([]);
      // The remote kept its keys: its freed keys paired with our new ones.
      expect(pair.activeKeys(pair.b).sort()).toEqual(remoteBefore.sort());
      expect(pair.violations).toEqual([]);
      expect(pair.minCarrying).toBeGreaterThanOrEqual(tunnels - 1);
      // Retired keys and closed links are collected; their ports rest in quarantine.
      pair.until(() => pair.a.state.keys.length === tunnels, 30);
      expect(pair.a.state.links.filter((l) => l.status === 'closed')).toEqual([]);
      expect(pair.a.state.quarantine.length).toBe(tunnels);
    });
  }

  it('works as the acceptor against an initiator that only follows the link protocol', () => {
    const pair = upPair(2, { aRotates: false });
    const before = pair.activeKeys(pair.b);
    pair.rotate(pair.b);
    pair.until(() => pair.rotated(pair.b) && pair.carrying.size === 2);
    expect(pair.activeKeys(pair.b).filter((k) => before.includes(k))).toEqual([]);
    expect(pair.violations).toEqual([]);
    expect(pair.minCarrying).toBeGreaterThanOrEqual(1);
  });

  it('tunnels 2, both units rotating at once: a tunnel carries at every moment', () => {
    const pair = upPair(2);
    const a0 = pair.activeKeys(pair.a);
    const b0 = pair.activeKeys(pair.b);
    pair.rotate(pair.a);
    pair.rotate(pair.b);
    const rounds = pair.until(() => pair.rotated(pair.a) && pair.rotated(pair.b) && pair.carrying.size === 2);
    expect(pair.activeKeys(pair.a).filter((k) => a0.includes(k))).toEqual([]);
    expect(pair.activeKeys(pair.b).filter((k) => b0.includes(k))).toEqual([]);
    expect(pair.violations).toEqual([]);
    expect(pair.minCarrying).toBe(1);
    // One key at a time: drains never overlap within a unit.
    expect(rounds).toBeGreaterThan(4 * (DRAIN_HOLD_MS / 1000));
  });

  it('drains only behind tunnels that have carried for CARRY_SETTLE_MS (the remote routes through them too)', () => {
    const pair = upPair(2, { bRotates: false });
    pair.rotate(pair.a);
    // When each tunnel was first seen carrying (the routing update of a round, before its clock advance).
    const firstSeen = new Map<string, number>();
    const drains: { at: number; behind: number }[] = [];
    let draining: string | undefined;
    pair.until(() => {
      const routedAt = pair.clock.now() - 1000;
      for (const t of pair.carrying) if (!firstSeen.has(t)) firstSeen.set(t, routedAt);
      const d = pair.a.state.keys.find((k) => k.drainingSince !== undefined);
      if (d?.drainingSince !== undefined && d.publicKey !== draining) {
        const behind = Math.max(...[...pair.carrying].map((t) => firstSeen.get(t) ?? Number.NaN));
        drains.push({ at: d.drainingSince, behind });
      }
      draining = d?.publicKey;
      return pair.rotated(pair.a) && pair.carrying.size === 2;
    });
    expect(drains).toHaveLength(2);
    // The second drain relies on the first one's replacement tunnel.
    for (const d of drains) expect(d.at - d.behind).toBeGreaterThanOrEqual(CARRY_SETTLE_MS);
    // Covers the remote: its SPF tick (1 s) after our router-LSA, resent 2 s after a MinLSArrival drop.
    expect(CARRY_SETTLE_MS).toBeGreaterThanOrEqual(3500);
    expect(pair.violations).toEqual([]);
  });

  it('a draining key leaves OSPF but keeps its interface until retired', () => {
    const pair = upPair(2, { bRotates: false });
    pair.rotate(pair.a);
    pair.until(() => pair.a.state.keys.some((k) => k.drainingSince !== undefined));
    const draining = pair.a.state.keys.find((k) => k.drainingSince !== undefined);
    const iface = pair.a.desired?.interfaces.find((i) => i.publicKey === draining?.publicKey);
    expect(iface).toBeDefined();
    expect(pair.a.desired?.bird.interfaces).not.toContain(iface?.name);
    expect(pair.a.last?.rotation[0]?.phase).toBe('draining');
    expect(pair.a.last?.recheckMs).toBeGreaterThan(0);
  });

  it('without routing facts a rotation waits rather than drain blind', () => {
    const pair = upPair(2, { aRotates: false, bRotates: false });
    pair.rotate(pair.a);
    for (let i = 0; i < 20; i++) pair.round();
    expect(pair.a.state.keys.some((k) => k.drainingSince !== undefined || k.retired)).toBe(false);
    expect(pair.a.last?.rotation[0]?.waiting).toMatch(/routing|slot/);
  });

  it('a rotation in progress survives a restart (state codec) and completes', () => {
    const pair = upPair(2, { bRotates: false });
    pair.rotate(pair.a);
    pair.until(() => pair.a.state.keys.some((k) => k.retired));
    pair.a.state = decodeState(encodeState(pair.a.state));
    pair.until(() => pair.rotated(pair.a) && pair.carrying.size === 2);
    expect(pair.violations).toEqual([]);
  });

  it('key-rotation-interval starts a rotation from the keys age, and only then', () => {
    const config = parseGroupConfig({
      unit: 'a-0',
      group: 'a',
      'ingress-address': '198.18.0.1',
      'advertise-prefixes': ['192.0.2.0/24'],
      peerings: [{ id: PEERING, role: 'initiator' }],
      'key-rotation-interval': 7200,
    });
    expect(config.keyRotationIntervalSeconds).toBe(7200);
    const state = requestRotation(
      {
        keys: [{ peering: PEERING, privateKey: 'x', publicKey: 'y', retired: false, createdAt: 0 }],
        links: [],
        portCounter: 50000,
        quarantine: [],
      },
      [],
      0,
    );
    expect(rotationActive(state, 7_200_000, 7_199_999)).toBe(false);
    expect(rotationActive(state, 7_200_000, 7_200_000)).toBe(true);
    expect(() => parseGroupConfig({ ...config, 'key-rotation-interval': 60 })).toThrow();
  });

  it('start slots alternate between the sides', () => {
    expect(slotOpen('initiator', 0)).toBe(true);
    expect(slotOpen('acceptor', 0)).toBe(false);
    expect(slotOpen('acceptor', 6000)).toBe(true);
    expect(slotOpen('initiator', 2500)).toBe(false);
  });
});
