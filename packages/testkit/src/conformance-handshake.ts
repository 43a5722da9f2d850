/**
 * The two-namespace case of the conformance suite: both ends created by the
 * backend at the same instant, handshake within a bounded wait, ping over
 * IPv4 and IPv6 link addresses both ways, repeated with fresh keys.
 * @module
 */
import { type KeySource, plan } from '@wg-gateway/core';
import { expect } from 'vitest';
import type { BackendSpec } from './backend-wire.js';
import { desiredLink, waitFor } from './conformance-fixtures.js';
import { connect, createNetns, type Netns } from './netns.js';
import { type RemoteBackend, startBackendIn } from './remote-backend.js';

const ping = async (ns: Netns, family: '-4' | '-6', target: string): Promise<void> => {
  const { stdout } = await ns.exec(['ping', family, '-c', '3', '-i', '0.2', '-W', '2', target]);
  expect(stdout).toMatch(/ [1-3] received/);
};

/** Run `rounds` rounds of: create both ends at once, handshake, ping, delete both at once. */
export async function runHandshakeRounds(
  spec: BackendSpec,
  prefix: string,
  keys: KeySource,
  rounds: number,
): Promise<void> {
  const a = await createNetns(`${prefix}i`);
  const b = await createNetns(`${prefix}r`);
  let ba: RemoteBackend | undefined;
  let bb: RemoteBackend | undefined;
  try {
    await connect(
      { ns: a, ifname: 'veth-i', addresses: ['198.51.100.1/24'] },
      { ns: b, ifname: 'veth-r', addresses: ['198.51.100.2/24'] },
    );
    [ba, bb] = await Promise.all([startBackendIn(a, spec), startBackendIn(b, spec)]);
    const backA = ba;
    const backB = bb;
    for (let round = 0; round < rounds; round++) {
      const ka = keys.generate();
      const kb = keys.generate();
      const portA = 50101 + 2 * round;
      const portB = portA + 1;
      const wantA = desiredLink({
        port: portA,
        role: 'initiator',
        keys: ka,
        peerPublicKey: kb.publicKey,
        endpoint: `198.51.100.2:${portB}`,
      });
      const wantB = desiredLink({ port: portB, role: 'acceptor', keys: kb, peerPublicKey: ka.publicKey });
      const [planA, planB] = [plan([wantA], await backA.observe()), plan([wantB], await backB.observe())];
      // Previous round's links go in the same plans: both ends change at the same instant.
      const [ra, rb] = await Promise.all([backA.apply(planA), backB.apply(planB)]);
      expect([...ra.results, ...rb.results].filter((r) => !r.ok).map((r) => r.error?.message)).toEqual([]);
      await waitFor(`handshake ${wantA.name} ↔ ${wantB.name} (round ${round + 1})`, async () => {
        const peer = (await backA.observe()).find((i) => i.name === wantA.name)?.peers[0];
        return peer?.lastHandshake === undefined ? undefined : peer;
      });
      await ping(a, '-4', '169.254.0.2');
      await ping(a, '-6', `fe80::2%${wantA.name}`);
      await ping(b, '-4', '169.254.0.1');
      await ping(b, '-6', `fe80::1%${wantB.name}`);
      // The acceptor learned the initiator's endpoint from the handshake.
      const learned = (await backB.observe()).find((i) => i.name === wantB.name)?.peers[0];
      expect(learned?.endpoint).toBe(`198.51.100.1:${portA}`);
      expect(plan([wantB], await backB.observe())).toEqual([]);
    }
  } finally {
    await ba?.close();
    await bb?.close();
    await a.destroy();
    await b.destroy();
  }
}
