/**
 * End-to-end, include mode: site b runs BIRD and Keepalived beside a
 * hand-written main config with a protocol of its own (a static blackhole
 * route). That protocol must survive every reconcile, a config reload and a
 * BIRD killed and restarted by the supervisor, while the sites' pings pass.
 * One backend (the daemons do not depend on it).
 */
import { readFile } from 'node:fs/promises';
import { mustRunPrivileged } from '@wg-gateway/testkit/netns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientAddresses,
  HAND_WRITTEN_BIRD_PROTOCOL,
  type Lab,
  labStatus,
  waitFor,
  waitPing,
  waitSettled,
} from '../src/index.js';
import { log, startLab } from './e2e-support.js';

const B_UNITS = ['b-1', 'b-2'];

describe.runIf(mustRunPrivileged())(
  'e2e: a site in include mode beside hand-written BIRD and Keepalived configs',
  () => {
    let lab: Lab;
    const mains = new Map<string, { bird: string; keepalived: string }>();

    beforeAll(async () => {
      lab = await startLab({
        backend: 'wgquick',
        sites: [
          { name: 'a', units: 2, prefixes: ['3fff::/20', '192.0.2.0/24'] },
          { name: 'b', units: 2, prefixes: ['2001:db8::/32', '198.51.100.0/24'], include: true },
        ],
      });
      for (const unit of B_UNITS) {
        const p = lab.paths(unit);
        mains.set(unit, {
          bird: await readFile(p.birdMain, 'utf8'),
          keepalived: await readFile(p.keepalivedMain, 'utf8'),
        });
      }
    }, 180_000);

    afterAll(async () => {
      await lab?.down();
    }, 60_000);

    /** `birdc show protocols NAME` in the unit: whether the protocol runs. */
    const handProtocolUp = async (unit: string) => {
      const p = lab.paths(unit);
      const r = await lab
        .ns(unit)
        .exec(['birdc', '-s', p.birdSocket, 'show', 'protocols', HAND_WRITTEN_BIRD_PROTOCOL.name])
        .catch(() => ({ stdout: '' }));
      return new RegExp(`^${HAND_WRITTEN_BIRD_PROTOCOL.name}\\s+Static\\s+master4\\s+up\\b`, 'm').test(
        r.stdout,
      );
    };

    const pingsPass = async () => {
      for (const [from, to] of [
        ['a', 'b'],
        ['b', 'a'],
      ] as const) {
        for (const address of clientAddresses(lab, to)) {
          expect(await waitPing(lab, from, address, 30_000), `${from}-client → ${address}`).toBe(true);
        }
      }
    };

    const checkUntouched = async () => {
      for (const unit of B_UNITS) {
        const p = lab.paths(unit);
        expect(await handProtocolUp(unit), `${unit}: ${HAND_WRITTEN_BIRD_PROTOCOL.name} up`).toBe(true);
        expect(await readFile(p.birdMain, 'utf8')).toBe(mains.get(unit)?.bird);
        expect(await readFile(p.keepalivedMain, 'utf8')).toBe(mains.get(unit)?.keepalived);
        const fragment = await readFile(p.bird, 'utf8');
        expect(fragment).toContain('protocol ospf v3 wg_gateway_ospf4');
        expect(fragment).not.toMatch(/^(router id|protocol (device|kernel))\b/m);
        const route = await lab.ns(unit).exec(['ip', 'route', 'show', HAND_WRITTEN_BIRD_PROTOCOL.route]);
        expect(route.stdout).toContain('blackhole');
      }
    };

    it('converges: our fragment beside the hand-written protocol, ECMP via the main kernel protocols, pings pass', async () => {
      await checkUntouched();
      // The lab converges on early routes; BIRD's own (from the main config's kernel protocols) follow.
      expect(await waitSettled(lab), "BIRD's routes carry every link").toBe(true);
      for (const s of (await labStatus(lab)).filter((x) => x.site === 'b')) {
        for (const prefix of ['3fff::/20', '192.0.2.0/24']) {
          const route = s.routes.find((r) => r.prefix === prefix);
          expect(route?.source, `${s.unit} ${prefix} from BIRD`).toBe('bird');
          expect(new Set(route?.nexthops).size, `${s.unit} ${prefix} next hops`).toBe(4);
        }
      }
      await pingsPass();
    });

    it('the hand-written protocol survives reconciles on the interval and after a config reload', async () => {
      // Interval reconciles run every 10 s in the lab; a SIGHUP re-reads the config and reconciles at once.
      for (const unit of B_UNITS) await lab.reloadUnit(unit);
      await new Promise((r) => setTimeout(r, 12_000));
      await checkUntouched();
      await pingsPass();
    }, 90_000);

    it('BIRD killed: the supervisor restarts it on the main config, the hand-written protocol comes back', async () => {
      const unit = 'b-1';
      const p = lab.paths(unit);
      const pid = Number((await readFile(p.birdPid, 'utf8')).trim());
      const start = Date.now();
      await lab.ns(unit).exec(['kill', '-KILL', String(pid)]);
      const back = await waitFor(
        async () => {
          const now = Number((await readFile(p.birdPid, 'utf8').catch(() => '')).trim());
          return now !== pid && (await handProtocolUp(unit));
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
      log(`b-1: BIRD back ${((Date.now() - start) / 1000).toFixed(1)} s after SIGKILL`);
      expect(back).toBe(true);
      const logText = await readFile(p.log, 'utf8');
      expect(logText).toMatch(/bird was dead; restarted it/);
      await checkUntouched();
      await pingsPass();
    }, 90_000);
  },
);
