/**
 * End-to-end, both backends: a unit whose hand-edited bird.conf injects OSPF
 * stub networks it does not publish in the exchange (a default route and
 * more-specific parts of another site's prefixes) cannot attract traffic:
 * the other units import on each link only what the unit at its other end
 * publishes. The legitimate routes stay and the other sites keep reaching
 * each other. One lab per backend, three sites of one unit each.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { mustRunPrivileged } from '@wg-gateway/testkit/netns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAddresses, type Lab, waitFor, waitPing, waitSettled } from '../src/index.js';
import { BACKENDS, log, startLab } from './e2e-support.js';

/** What the injector adds to its OSPF areas, per family, after its own stubnet. */
const INJECT = {
  ipv4: { after: '    stubnet 198.18.0.0/24;\n', lines: ['0.0.0.0/0', '198.51.100.0/25'] },
  ipv6: { after: '    stubnet 3fff:1000::/20;\n', lines: ['::/0', '2001:db8::/48'] },
} as const;

describe.runIf(mustRunPrivileged())('e2e: OSPF route injection by one unit', () => {
  for (const backend of BACKENDS) {
    describe(`backend ${backend}`, () => {
      let lab: Lab;

      const birdc = (unit: string, ...args: string[]) =>
        lab.ns(unit).exec(['birdc', '-s', lab.paths(unit).birdSocket, ...args]);
      const birdRoutes = async (unit: string) =>
        (await lab.ns(unit).exec(['ip', '-4', 'route', 'show', 'proto', 'bird'])).stdout +
        (await lab.ns(unit).exec(['ip', '-6', 'route', 'show', 'proto', 'bird'])).stdout;

      beforeAll(async () => {
        lab = await startLab({
          backend,
          sites: [
            { name: 'a', units: 1, prefixes: ['192.0.2.0/24', '3fff::/20'] },
            { name: 'b', units: 1, prefixes: ['198.51.100.0/24', '2001:db8::/32'] },
            { name: 'c', units: 1, prefixes: ['198.18.0.0/24', '3fff:1000::/20'] },
          ],
        });
        // The lab converges on early routes; what is checked below is what
        // BIRD imported, so start once BIRD's own routes carry every link.
        expect(await waitSettled(lab), "BIRD's routes carry every link").toBe(true);
        // c-1 turns hostile: its gateway process stops (so nothing rewrites
        // bird.conf), its BIRD keeps running with the injected stub networks.
        const pid = await lab.driverPid('c-1');
        if (pid !== undefined) process.kill(pid, 'SIGKILL');
        const path = lab.paths('c-1').bird;
        let text = await readFile(path, 'utf8');
        for (const f of Object.values(INJECT)) {
          expect(text).toContain(f.after);
          text = text.replace(f.after, `${f.after}${f.lines.map((p) => `    stubnet ${p};\n`).join('')}`);
        }
        await writeFile(path, text);
        const r = await birdc('c-1', 'configure');
        expect(r.stdout).toMatch(/Reconfigured|Reconfiguration in progress/);
      }, 240_000);

      afterAll(async () => {
        await lab?.down();
      }, 60_000);

      it('the injected networks reach the other units over OSPF, and none is imported', async () => {
        for (const unit of ['a-1', 'b-1']) {
          // The injection is real: the other units' OSPF databases carry it.
          const seen = await waitFor(
            async () => {
              const lsdb =
                (await birdc(unit, 'show', 'ospf', 'state', 'wg_gateway_ospf4')).stdout +
                (await birdc(unit, 'show', 'ospf', 'state', 'wg_gateway_ospf6')).stdout;
              return [...INJECT.ipv4.lines, ...INJECT.ipv6.lines].every((p) => lsdb.includes(p));
            },
            { timeoutMs: 30_000, intervalMs: 500 },
          );
          expect(seen, `${unit} sees c-1's injected stub networks`).toBe(true);
          const routes = await birdRoutes(unit);
          log(`${backend} ${unit} BIRD routes:\n${routes}`);
          expect(routes).not.toMatch(/^default/m);
          expect(routes).not.toMatch(/^198\.51\.100\.0\/25 /m);
          expect(routes).not.toMatch(/^2001:db8::\/48 /m);
          // c's own prefixes, legitimately published, stay.
          expect(routes).toMatch(/^198\.18\.0\.0\/24 /m);
          expect(routes).toMatch(/^3fff:1000::\/20 /m);
        }
        expect(await birdRoutes('a-1')).toMatch(/^198\.51\.100\.0\/24 /m);
        expect(await birdRoutes('a-1')).toMatch(/^2001:db8::\/32 /m);
        expect(await birdRoutes('b-1')).toMatch(/^192\.0\.2\.0\/24 /m);
      }, 60_000);

      it('a and b keep reaching each other, including inside the injected more-specifics', async () => {
        for (const [from, to] of [
          ['a', 'b'],
          ['b', 'a'],
        ] as const) {
          for (const address of clientAddresses(lab, to)) {
            expect(await waitPing(lab, from, address, 20_000), `${from} → ${address}`).toBe(true);
          }
        }
        // b's clients sit inside the injected 198.51.100.0/25 and 2001:db8::/48.
        expect(
          clientAddresses(lab, 'b').some((a) => a.startsWith('198.51.100.') && Number(a.split('.')[3]) < 128),
        ).toBe(true);
      }, 90_000);
    });
  }
});
