/**
 * End-to-end: ingress addresses by DNS name. Every unit publishes
 * `<unit>.lab.example`, answered from the lab's hosts file (bind-mounted as
 * `/etc/hosts` in each unit's namespace, so the runtime's default resolver,
 * `dns.lookup`, is the one under test). Under continuous traffic between the
 * two sites' clients, the acceptor unit's underlay address moves and its
 * name's answer changes with it: traffic resumes without a restart of
 * anything, the initiator's links take the new address as endpoint, and
 * `status` shows the name next to the new address. The gap is printed.
 */
import type { NameAnswer } from '@wg-gateway/core';
import { mustRunPrivileged } from '@wg-gateway/testkit/netns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cliCommand,
  clientAddresses,
  echoReplySeqs,
  ingressNameOf,
  type Lab,
  longestGap,
  moveWanAddress,
} from '../src/index.js';
import { BACKENDS, liveLinks, log, startLab } from './e2e-support.js';

const PPS = 10;
const TRAFFIC_S = 60;
const MOVE_AT_S = 5;
/** Generous: b-1's wireguard-go handshakes from its new address after ~15 s, a-1 resolves again at its next reconcile (10 s in the lab), OSPF comes back. */
const GAP_BOUND_S = 45;
const NEW_ADDRESS = '203.0.113.200';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `ping` for `seconds`; the longest run of lost replies (a trailing one included), in seconds. */
async function pingGap(lab: Lab, from: string, to: string, seconds: number) {
  const count = seconds * PPS;
  const { stdout } = await lab
    .ns(`${from}-cl`)
    .exec(['sh', '-c', `ping -n -i ${1 / PPS} -W 1 -c ${count} ${to}; exit 0`], {
      timeoutMs: (seconds + 30) * 1000,
    });
  const seqs = echoReplySeqs(stdout);
  const longest = longestGap(seqs, count);
  return { to, sent: count, received: seqs.length, gapSeconds: longest / PPS };
}

/** `wg-gateway status --json` of a unit. */
async function status(lab: Lab, unit: string) {
  const r = await lab.ns(unit).tryExec([...cliCommand(lab.paths(unit).config), 'status', '--json'], 60_000);
  expect(r.ok, r.stderr).toBe(true);
  return JSON.parse(r.stdout) as {
    endpointNames: NameAnswer[];
    links: { interface: string; endpoint: string | null; endpointName: string | null }[];
  };
}

/** Endpoints of the unit's saved live links. */
async function savedEndpoints(lab: Lab, unit: string): Promise<string[]> {
  return (await liveLinks(lab, unit)).map((l) => l.peerEndpoint ?? '-');
}

describe.runIf(mustRunPrivileged())('e2e: ingress address by DNS name', () => {
  for (const backend of BACKENDS) {
    describe(`backend ${backend}`, () => {
      let lab: Lab;

      beforeAll(async () => {
        lab = await startLab({
          backend,
          ingressNames: true,
          peerings: [['a', 'b']],
          sites: [
            { name: 'a', units: 1, prefixes: ['3fff::/20', '192.0.2.0/24'] },
            { name: 'b', units: 1, prefixes: ['2001:db8::/32', '198.51.100.0/24'] },
          ],
        });
      }, 180_000);

      afterAll(async () => {
        await lab?.down();
      }, 60_000);

      it('a unit whose address moves is followed through its name: traffic resumes without a restart', async () => {
        const name = ingressNameOf('b-1');
        const oldAddress = lab.plan.sites[1]?.units[0]?.wanAddress as string;
        const before = await status(lab, 'a-1');
        expect(before.endpointNames).toMatchObject([{ name, address: oldAddress }]);
        expect(before.links.length).toBe(2);
        for (const l of before.links) expect(l.endpointName).toBe(name);
        for (const e of await savedEndpoints(lab, 'a-1')) expect(e).toMatch(new RegExp(`^${oldAddress}:`));
        const pids = { a: await lab.driverPid('a-1'), b: await lab.driverPid('b-1') };

        const traffic = Promise.all(clientAddresses(lab, 'b').map((to) => pingGap(lab, 'a', to, TRAFFIC_S)));
        traffic.catch(() => undefined); // awaited below
        await sleep(MOVE_AT_S * 1000);
        await moveWanAddress(lab, 'b-1', NEW_ADDRESS);
        const movedAt = Date.now();
        log(`b-1 moved ${oldAddress} → ${NEW_ADDRESS}; ${name} now answers ${NEW_ADDRESS}`);

        // The initiator's links follow the name (bounded wait).
        let followedAfter: number | undefined;
        while (Date.now() - movedAt < 50_000) {
          const eps = await savedEndpoints(lab, 'a-1');
          if (eps.length === 2 && eps.every((e) => e.startsWith(`${NEW_ADDRESS}:`))) {
            followedAfter = Date.now() - movedAt;
            break;
          }
          await sleep(1000);
        }
        log(`a-1's links took ${NEW_ADDRESS} as endpoint after ${followedAfter ?? 'never (50 s)'} ms`);
        const results = await traffic;
        for (const r of results)
          log(
            `  a-client → ${r.to}: sent ${r.sent}, received ${r.received}, longest gap ${r.gapSeconds.toFixed(1)} s`,
          );

        expect(followedAfter).toBeDefined();
        for (const r of results) {
          expect(r.gapSeconds, `gap to ${r.to}`).toBeLessThan(GAP_BOUND_S);
          expect(r.received).toBeGreaterThan(0);
        }
        const after = await status(lab, 'a-1');
        expect(after.endpointNames).toMatchObject([{ name, address: NEW_ADDRESS }]);
        expect(after.endpointNames[0]?.error).toBeUndefined();
        for (const l of after.links) {
          expect(l.endpointName).toBe(name);
          expect(l.endpoint).toMatch(new RegExp(`^${NEW_ADDRESS}:`));
        }
        // Nothing was restarted.
        expect({ a: await lab.driverPid('a-1'), b: await lab.driverPid('b-1') }).toEqual(pids);
      }, 150_000);
    });
  }
});
