/**
 * End-to-end, three sites peered pairwise, every case with both backends
 * (userspace wireguard-go): every site reaches every other (5), malformed
 * peer data for one remote unit (9), a peering removed from both sides and
 * added again (7).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mustRunPrivileged } from '@wg-gateway/testkit/netns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Lab,
  labStatus,
  pingMatrix,
  unitProblems,
  waitConverged,
  waitFor,
  waitPing,
} from '../src/index.js';
import { BACKENDS, liveLinks, log, startLab, udpPorts, unitState } from './e2e-support.js';

describe.runIf(mustRunPrivileged())('e2e: three sites peered pairwise', () => {
  for (const backend of BACKENDS) {
    describe(`backend ${backend}`, () => {
      let lab: Lab;

      beforeAll(async () => {
        lab = await startLab({
          backend,
          sites: [
            { name: 'a', units: 2, prefixes: ['3fff::/20', '192.0.2.0/24'] },
            { name: 'b', units: 2, prefixes: ['2001:db8::/32', '198.51.100.0/24'] },
            { name: 'c', units: 2, prefixes: ['3fff:1000::/20', '198.18.0.0/24'] },
          ],
          peerings: [
            ['a', 'b'],
            ['a', 'c'],
            ['b', 'c'],
          ],
        });
      }, 180_000);

      afterAll(async () => {
        await lab?.down();
      }, 60_000);

      it('(5) every site reaches every other, IPv4 and IPv6', async () => {
        const r = await pingMatrix(lab, 20_000);
        log(r.lines.join('\n'));
        expect(r.ok).toBe(true);
        expect(r.lines).toHaveLength(12);
      }, 120_000);

      it('(9) malformed peer data for one remote unit: that peering is reported, the others work, nothing rendered from it', async () => {
        const aKey = (await unitState(lab, 'a-1')).keys.find(
          (k) => k.peering === 'a-c' && !k.retired,
        )?.publicKey;
        expect(aKey).toBeDefined();
        const strangerKey = Buffer.alloc(32, 7).toString('base64');
        const otherKey = Buffer.alloc(32, 9).toString('base64');
        const dir = join(lab.record.dir, 'exchange', 'peerings', 'a-c', 'c');
        await mkdir(dir, { recursive: true });
        const bad = join(dir, 'c-9.json');
        // listen-ports names a key the unit does not publish: invalid as a whole.
        await writeFile(
          bad,
          JSON.stringify({
            'ingress-address': '203.0.113.99',
            'advertise-prefixes': '198.19.99.0/24',
            'public-keys': strangerKey,
            'listen-ports': `${otherKey}:${aKey}:50001`,
          }),
        );
        try {
          const reported = await waitFor(
            async () => {
              for (const unit of ['a-1', 'a-2']) {
                const problems = await unitProblems(lab, unit);
                if (!problems?.some((p) => p.peering === 'a-c' && (p.unit === undefined || p.unit === 'c-9')))
                  return false;
              }
              return true;
            },
            { timeoutMs: 30_000, intervalMs: 500 },
          );
          const problems = await unitProblems(lab, 'a-1');
          log(
            `(9) ${backend}: a-1 problems: ${JSON.stringify(problems?.map((p) => [p.code, p.peering, p.unit]))}`,
          );
          expect(reported, 'peering a-c reported on a-1 and a-2').toBe(true);
          expect(problems?.every((p) => p.peering === 'a-c')).toBe(true);
          for (const unit of ['a-1', 'a-2']) {
            const ns = lab.ns(unit);
            expect((await ns.exec(['wg', 'show', 'all', 'endpoints'])).stdout).not.toContain('203.0.113.99');
            expect((await ns.exec(['wg', 'show', 'all', 'allowed-ips'])).stdout).not.toContain('198.19.99.0');
            expect((await ns.exec(['ip', 'route', 'show', '198.19.99.0/24'])).stdout.trim()).toBe('');
            expect(await readFile(lab.paths(unit).bird, 'utf8')).not.toContain('198.19.99');
            expect((await liveLinks(lab, unit)).some((l) => l.peerUnit === 'c-9')).toBe(false);
          }
          // The other peerings keep working.
          for (const [from, to] of [
            ['a', '198.51.100.100'],
            ['a', '2001:db8::100'],
            ['b', '198.18.0.100'],
            ['c', '192.0.2.100'],
          ] as const) {
            expect(await waitPing(lab, from, to, 20_000), `${from} → ${to}`).toBe(true);
          }
        } finally {
          await rm(bad, { force: true });
        }
        const back = await waitConverged(lab, { timeoutMs: 60_000 });
        expect(back.converged, 'converged again once the bad data is gone').toBe(true);
      }, 150_000);

      it('(7) a peering removed from both sides: interfaces, routes, ports gone; added again: full mesh', async () => {
        const sides = ['a-1', 'a-2', 'b-1', 'b-2'];
        const before = new Map<string, number[]>();
        for (const unit of sides) {
          const ports = (await liveLinks(lab, unit, 'a-b')).map((l) => l.port);
          expect(ports, `${unit} a-b links`).toHaveLength(4);
          before.set(unit, ports);
        }
        const rest = lab.plan.peerings.filter((p) => p.id !== 'a-b');
        for (const unit of sides) {
          await lab.writeUnitConfig(unit, rest);
          await lab.reloadUnit(unit);
        }
        const gone = await waitFor(
          async () => {
            for (const unit of sides) {
              const ports = before.get(unit) ?? [];
              const names = ports.map((p) => `wg${p}`);
              if ((await liveLinks(lab, unit, 'a-b')).length > 0) return false;
              const links = (await lab.ns(unit).exec(['ip', '-o', 'link'])).stdout;
              if (names.some((n) => links.includes(`${n}:`))) return false;
              const udp = await udpPorts(lab, unit);
              if (ports.some((p) => udp.includes(p))) return false;
              const routes =
                (await lab.ns(unit).exec(['ip', 'route'])).stdout +
                (await lab.ns(unit).exec(['ip', '-6', 'route'])).stdout;
              if (names.some((n) => routes.includes(`dev ${n} `))) return false;
            }
            return true;
          },
          { timeoutMs: 60_000, intervalMs: 1000 },
        );
        expect(gone, 'a-b interfaces, ports and routes gone on a-1, a-2, b-1, b-2').toBe(true);
        // The other peerings are untouched: c still has all 8 links.
        for (const s of (await labStatus(lab)).filter((x) => x.site === 'c'))
          expect(s.interfaces).toHaveLength(8);
        for (const unit of sides)
          expect(
            (await lab.ns(unit).exec(['wg', 'show', 'interfaces'])).stdout.trim().split(/\s+/),
          ).toHaveLength(4);

        for (const unit of sides) {
          await lab.writeUnitConfig(unit);
          await lab.reloadUnit(unit);
        }
        const r = await waitConverged(lab, { timeoutMs: 90_000 });
        log(`(7) ${backend}: full mesh again in ${(r.ms / 1000).toFixed(1)} s`);
        expect(r.converged).toBe(true);
        for (const unit of sides) expect(await liveLinks(lab, unit, 'a-b')).toHaveLength(4);
        expect((await pingMatrix(lab, 20_000)).ok).toBe(true);
      }, 200_000);
    });
  }
});
