import { describe, expect, it } from 'vitest';
import { StateError } from '../src/errors.js';
import { decodeState, emptyState, encodeState, STATE_VERSION, type UnitState } from '../src/state.js';
import { refKey } from './fixtures.js';

const sample: UnitState = {
  keys: [
    { peering: 'a-b', privateKey: refKey('p', 1), publicKey: refKey('a', 1), retired: false, createdAt: 1 },
  ],
  links: [
    {
      peering: 'a-b',
      peerUnit: 'b-0',
      status: 'open',
      publicKey: refKey('a', 1),
      port: 50001,
      peerPublicKey: refKey('b', 1),
      peerEndpoint: '198.51.100.2:50000',
      peerPrefixes: ['198.51.100.0/24'],
      mtu: 1420,
      openedAt: 2,
    },
  ],
  portCounter: 50002,
  quarantine: [{ port: 50003, until: 99 }],
};

describe('state codec', () => {
  it('round-trips with a version', () => {
    const text = encodeState(sample);
    expect(JSON.parse(text).version).toBe(STATE_VERSION);
    expect(decodeState(text)).toEqual(sample);
  });

  it('migrates version 0 (no version, no quarantine)', () => {
    const { quarantine: _q, ...v0 } = sample;
    expect(decodeState(JSON.stringify(v0))).toEqual({ ...sample, quarantine: [] });
  });

  it('migrates version 1 (no held remote data) to the current version', () => {
    const v1 = { version: 1, ...sample };
    expect(STATE_VERSION).toBe(3);
    const migrated = decodeState(JSON.stringify(v1));
    expect(migrated).toEqual(sample);
    expect(JSON.parse(encodeState(migrated)).version).toBe(3);
  });

  it('migrates version 2 (no key rotations) and round-trips a rotation record', () => {
    expect(decodeState(JSON.stringify({ version: 2, ...sample }))).toEqual(sample);
    const rotating: UnitState = {
      ...sample,
      keys: sample.keys.map((k) => ({ ...k, drainingSince: 7 })),
      rotations: { 'a-b': { requestedAt: 5, reason: 'manual', keys: 2 } },
    };
    expect(decodeState(encodeState(rotating))).toEqual(rotating);
    expect(() =>
      decodeState(JSON.stringify({ version: 3, ...sample, rotations: { 'a-b': { requestedAt: 'x' } } })),
    ).toThrow(/rotations\["a-b"\]/);
  });

  it('round-trips held remote data and refuses a malformed entry', () => {
    const held = {
      ...sample,
      remote: {
        peerings: {
          'a-b': { 'b-0': { wire: { 'ingress-address': '198.51.100.2' }, seenAt: 5, missingSince: 9 } },
        },
        group: { 'a-1': { wire: { mtu: '1420' }, seenAt: 5 } },
      },
    };
    expect(decodeState(encodeState(held))).toEqual(held);
    const bad = {
      ...held,
      remote: { peerings: { 'a-b': { 'b-0': { wire: { mtu: 1 }, seenAt: 5 } } }, group: {} },
    };
    expect(() => decodeState(JSON.stringify({ version: 2, ...bad }))).toThrow(
      /remote\.peerings\["a-b"\]\["b-0"\]/,
    );
  });

  it('refuses what it does not understand', () => {
    expect(() => decodeState('{')).toThrow(StateError);
    expect(() => decodeState('[]')).toThrow(/object/);
    expect(() => decodeState(JSON.stringify({ ...sample, version: 99 }))).toThrow(/newer/);
    expect(() => decodeState(JSON.stringify({ ...sample, version: 1, links: [{ port: 'x' }] }))).toThrow(
      /links\[0\]/,
    );
    expect(() => decodeState(JSON.stringify({ ...sample, version: 1, portCounter: 'x' }))).toThrow(
      /portCounter/,
    );
  });

  it('starts empty at the bottom of the range', () => {
    expect(emptyState(50000)).toEqual({ keys: [], links: [], portCounter: 50000, quarantine: [] });
  });
});
