/**
 * End-to-end, two sites × two units, tunnels 2, every case with both
 * backends (userspace wireguard-go): ECMP routes (1), client to client
 * through the VIP (2), MTU (3), Keepalived's interface (4), a unit restarted
 * from its state (8), a unit of B stopped with the loss window recorded (6).
 */
import { readFile } from 'node:fs/promises';
import { mustRunPrivileged } from '@wg-gateway/testkit/netns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientAddresses,
  echoReplySeqs,
  type Lab,
  labStatus,
  longestGap,
  pingOnce,
  type SitePlan,
  sleep,
  vipHolders,
  waitConverged,
  waitFor,
  waitPing,
  waitSettled,
} from '../src/index.js';
import { BACKENDS, liveLinks, log, startLab } from './e2e-support.js';

const A_PREFIXES = ['3fff::/20', '192.0.2.0/24'];
const B_PREFIXES = ['2001:db8::/32', '198.51.100.0/24'];

describe.runIf(mustRunPrivileged())('e2e: two sites × two units', () => {
  for (const backend of BACKENDS) {
    describe(`backend ${backend}`, () => {
      let lab: Lab;

      beforeAll(async () => {
        lab = await startLab({
          backend,
          sites: [
            { name: 'a', units: 2, tunnels: 2, prefixes: A_PREFIXES, vips: ['192.0.2.1/24', '3fff::1/64'] },
            { name: 'b', units: 2, tunnels: 2, prefixes: B_PREFIXES },
          ],
          underlayMtu: { 'a-1': 1400, 'b-1': 1360 },
        });
      }, 180_000);

      afterAll(async () => {
        await lab?.down();
      }, 60_000);

      it('(1) every unit has the remote prefixes as BIRD routes with 4 ECMP next hops', async () => {
        // The lab converges on early routes; BIRD's own follow within seconds.
        expect(await waitSettled(lab), "BIRD's routes carry every link").toBe(true);
        for (const s of await labStatus(lab)) {
          const remote = s.site === 'a' ? B_PREFIXES : A_PREFIXES;
          for (const prefix of remote) {
            const route = s.routes.find((r) => r.prefix === prefix);
            expect(route, `${s.unit} route ${prefix}`).toBeDefined();
            expect(route?.source, `${s.unit} ${prefix} from BIRD`).toBe('bird');
            expect(new Set(route?.nexthops).size, `${s.unit} ${prefix} next hops`).toBe(4);
          }
        }
      });

      it('(2) a client in A reaches a client in B through the VIP, IPv4 and IPv6', async () => {
        const routes = await lab.ns('a-cl').exec(['ip', '-j', 'route', 'show', 'default']);
        expect(JSON.parse(routes.stdout)[0]?.gateway).toBe('192.0.2.1');
        // Exactly one unit of A holds each VIP, on its LAN interface.
        const site = lab.plan.sites.find((x) => x.name === 'a');
        expect(site).toBeDefined();
        const holders = await vipHolders(lab, site as SitePlan);
        expect([...holders.keys()].sort()).toEqual(['192.0.2.1', '3fff::1']);
        for (const [vip, units] of holders) expect(units, `holders of ${vip}`).toHaveLength(1);
        for (const address of clientAddresses(lab, 'b')) {
          expect(await waitPing(lab, 'a', address, 20_000), `a-client → ${address}`).toBe(true);
        }
      });

      it('(3) underlay MTU 1400 on a-1 and 1360 on b-1 → every WireGuard interface is 1280', async () => {
        const ok = await waitFor(
          async () =>
            (await labStatus(lab)).every(
              (s) => s.interfaces.length === 4 && s.interfaces.every((i) => i.mtu === 1280),
            ),
          { timeoutMs: 30_000, intervalMs: 1000 },
        );
        const status = await labStatus(lab);
        expect(ok, JSON.stringify(status.map((s) => [s.unit, s.interfaces.map((i) => i.mtu)]))).toBe(true);
        for (const s of status) for (const l of await liveLinks(lab, s.unit)) expect(l.mtu).toBe(1280);
      });

      it('(4) Keepalived runs on the interface holding the VIP subnet', async () => {
        for (const unit of ['a-1', 'a-2']) {
          const conf = await readFile(lab.paths(unit).keepalived, 'utf8');
          const ifaces = [...conf.matchAll(/^\s*interface\s+(\S+)/gm)].map((m) => m[1]);
          expect(ifaces.length, `${unit} vrrp instances`).toBe(2);
          expect(new Set(ifaces)).toEqual(new Set(['lan0']));
          const pid = Number(
            (await readFile(`${lab.paths(unit).keepalivedRun}/keepalived.pid`, 'utf8')).trim(),
          );
          expect(() => process.kill(pid, 0), `${unit} keepalived alive`).not.toThrow();
          const { stdout } = await lab.ns(unit).exec(['ip', '-o', 'addr', 'show', 'to', '192.0.2.0/24']);
          expect(stdout).toContain('lan0');
        }
      });

      it('(8) a unit killed with every daemon and restarted: same keys, same links, traffic back', async () => {
        const keysOf = async (unit: string) =>
          (await lab.ns(unit).exec(['wg', 'show', 'all', 'public-key'])).stdout
            .split('\n')
            .filter(Boolean)
            .sort();
        const linksOf = async (unit: string) =>
          (await liveLinks(lab, unit))
            .map((l) => `${l.port} ${l.publicKey} ${l.peerPublicKey} ${l.status}`)
            .sort();
        const before = {
          keys: await keysOf('a-1'),
          links: await linksOf('a-1'),
          remote: [await linksOf('b-1'), await linksOf('b-2')],
        };
        expect(before.links).toHaveLength(4);
        const killed = await lab.killUnit('a-1');
        log(`killed ${killed} processes of a-1 (${backend})`);
        expect(killed).toBeGreaterThanOrEqual(4);
        // The TUN devices go when their wireguard-go dies (asynchronously).
        const gone = await waitFor(
          async () => !(await lab.ns('a-1').exec(['ip', '-o', 'link'])).stdout.includes(' wg5'),
          {
            timeoutMs: 10_000,
            intervalMs: 200,
          },
        );
        expect(gone, 'a-1 WireGuard interfaces gone with their daemons').toBe(true);
        await lab.startUnit('a-1');
        const r = await waitConverged(lab, { timeoutMs: 90_000 });
        expect(r.converged).toBe(true);
        log(`a-1 back in ${(r.ms / 1000).toFixed(1)} s`);
        expect(await keysOf('a-1')).toEqual(before.keys);
        expect(await linksOf('a-1')).toEqual(before.links);
        // No new tunnels on the remote side either.
        expect([await linksOf('b-1'), await linksOf('b-2')]).toEqual(before.remote);
        for (const address of clientAddresses(lab, 'b'))
          expect(await waitPing(lab, 'a', address, 20_000)).toBe(true);
      }, 150_000);

      it('(6) one unit of B stops: traffic A→B keeps flowing through the other; loss window recorded', async () => {
        const target = clientAddresses(lab, 'b').find((a) => !a.includes(':')) as string;
        expect(await waitPing(lab, 'a', target, 20_000)).toBe(true);
        const intervalMs = 100;
        const count = 200;
        const ping = lab
          .ns('a-cl')
          .exec(['ping', '-n', '-i', String(intervalMs / 1000), '-c', String(count), '-W', '1', target], {
            timeoutMs: 90_000,
          })
          .catch((e: Error) => ({
            stdout: String((e.cause as { stdout?: string })?.stdout ?? ''),
            stderr: e.message,
          }));
        await sleep(3000);
        // Stop the unit that carries the replies (B's VRRP master): the
        // worst case, where both OSPF and VRRP have to move.
        let victim = 'b-1';
        for (const unit of ['b-1', 'b-2']) {
          const { stdout } = await lab.ns(unit).exec(['ip', '-o', 'addr', 'show', 'dev', 'lan0']);
          if (stdout.includes(' 198.51.100.1/')) victim = unit;
        }
        const killed = await lab.killUnit(victim);
        log(`stopped ${victim}, B's VRRP master (${killed} processes)`);
        const { stdout } = await ping;
        const seqs = echoReplySeqs(stdout);
        const lossMs = longestGap(seqs, count) * intervalMs;
        log(`(6) ${backend}: loss window ${lossMs} ms (${count - seqs.length}/${count} lost in total)`);
        // Traffic flows at the end through b-2 (the last second of pings answered).
        expect(seqs.filter((s) => s > count - 10).length, 'pings answered at the end').toBeGreaterThan(5);
        expect(lossMs, 'generous bound on the loss window').toBeLessThan(20_000);
        expect(await pingOnce(lab, 'a', target, 2)).toBe(true);
        const v6 = clientAddresses(lab, 'b').find((a) => a.includes(':')) as string;
        expect(await waitPing(lab, 'a', v6, 20_000)).toBe(true);
      }, 150_000);
    });
  }
});
