import { describe, expect, it } from 'vitest';
import { changedFields, isPeerOnly, type UpdateChange } from '../src/changes.js';
import type { DesiredInterface } from '../src/desired.js';
import { DryRunBackend } from '../src/dry-run-backend.js';
import type { ObservedInterface, ObservedPeer } from '../src/observed.js';
import { plan } from '../src/plan.js';
import { refKey } from './fixtures.js';

const want = (port: number, over: Partial<DesiredInterface> = {}): DesiredInterface => ({
  name: `wg${port}`,
  listenPort: port,
  privateKey: refKey('priv', port),
  publicKey: refKey('pub', port),
  addresses: ['169.254.0.1/24', 'fe80::1/64'],
  mtu: 1420,
  peer: {
    publicKey: refKey('peer', port),
    endpoint: '198.51.100.2:50000',
    persistentKeepalive: 5,
    allowedIps: ['169.254.0.0/24', '192.0.2.0/24', 'fe80::/64'],
  },
  ...over,
});

const seen = (d: DesiredInterface, over: Partial<ObservedInterface> = {}): ObservedInterface => ({
  name: d.name,
  listenPort: d.listenPort,
  publicKey: d.publicKey,
  mtu: d.mtu,
  addresses: ['FE80::1/64', '169.254.0.1/24'],
  up: true,
  peers: [
    {
      publicKey: d.peer.publicKey,
      ...(d.peer.endpoint ? { endpoint: d.peer.endpoint } : {}),
      allowedIps: [...d.peer.allowedIps].reverse(),
      persistentKeepalive: 5,
      rxBytes: 10,
      txBytes: 20,
      lastHandshake: 1,
    },
  ],
  ...over,
});

describe('plan', () => {
  it('is empty when nothing differs (order and case of addresses do not matter)', () => {
    const d = [want(50001), want(50003)];
    expect(
      plan(
        d,
        d.map((x) => seen(x)),
      ),
    ).toEqual([]);
  });

  it('leaves a roamed endpoint alone when the desired peer has none (acceptor side)', () => {
    const d = want(50002, { peer: { ...want(50002).peer, endpoint: undefined as never } });
    const { endpoint: _e, ...peer } = d.peer;
    const dd = { ...d, peer };
    expect(plan([dd], [seen(want(50002))])).toEqual([]);
  });

  it('creates before updating before deleting', () => {
    const a = want(50001);
    const b = want(50003);
    const c = want(50005);
    const changes = plan([b, c], [seen(a), seen(b, { mtu: 1280 })]);
    expect(changes.map((x) => [x.action, x.name])).toEqual([
      ['create', 'wg50005'],
      ['update', 'wg50003'],
      ['delete', 'wg50001'],
    ]);
  });

  it('updates only the fields that differ, peer-only changes flagged as such', () => {
    const d = want(50001);
    const [endpoint] = plan(
      [d],
      [seen(d, { peers: [{ ...(seen(d).peers[0] as ObservedPeer), endpoint: '198.51.100.9:1' }] })],
    );
    expect(endpoint).toEqual({
      action: 'update',
      name: 'wg50001',
      peer: { publicKey: d.peer.publicKey, endpoint: '198.51.100.2:50000' },
    });
    expect(isPeerOnly(endpoint as UpdateChange)).toBe(true);
    const [mtu] = plan([d], [seen(d, { mtu: 1500 })]);
    expect(changedFields(mtu as UpdateChange)).toEqual(['mtu']);
    expect(isPeerOnly(mtu as UpdateChange)).toBe(false);
    const [allowed] = plan([{ ...d, peer: { ...d.peer, allowedIps: ['10.0.0.0/8'] } }], [seen(d)]);
    expect(allowed).toMatchObject({ peer: { allowedIps: ['10.0.0.0/8'], replaceAllowedIps: true } });
    const [down] = plan([d], [seen(d, { up: false })]);
    expect(changedFields(down as UpdateChange)).toEqual(['up']);
  });

  it('replaces a wrong or extra peer and a wrong key', () => {
    const d = want(50001);
    const extra = seen(d);
    const [c] = plan(
      [d],
      [
        {
          ...extra,
          peers: [...extra.peers, { ...(extra.peers[0] as ObservedPeer), publicKey: refKey('x', 1) }],
        },
      ],
    );
    expect(c).toMatchObject({
      replacePeers: true,
      peer: { publicKey: d.peer.publicKey, replaceAllowedIps: true },
    });
    const [k] = plan([d], [seen(d, { publicKey: refKey('old', 1) })]);
    expect(changedFields(k as UpdateChange)).toEqual(['private-key']);
  });

  it('applied through the dry-run backend, a second plan is empty', async () => {
    const backend = new DryRunBackend();
    const d = [want(50001), want(50003, { mtu: 1280 })];
    await backend.apply(plan(d, await backend.observe()));
    expect(plan(d, await backend.observe())).toEqual([]);
    expect(backend.recorded.map((c) => c.action)).toEqual(['create', 'create']);
    await backend.apply(plan([d[0] as DesiredInterface], await backend.observe()));
    expect((await backend.observe()).map((i) => i.name)).toEqual(['wg50001']);
  });
});
