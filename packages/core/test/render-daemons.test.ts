/**
 * Every golden render is accepted by the real programs that read it:
 * `bird -p`, `keepalived -t` (in a namespace that has the VRRP interface),
 * `wg-quick strip`, and `wg setconf` on a wireguard-go device. Each check
 * also has a negative control, so a checker that accepts anything fails here.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  cleanupNamespaces,
  createNetns,
  mustRunPrivileged,
  type Netns,
  uniquePrefix,
} from '@wg-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeepalivedModel } from '../src/desired.js';
import {
  renderBirdConfig,
  renderKeepalivedConfig,
  renderWgConfig,
  renderWgQuickConfig,
} from '../src/render/index.js';
import { acceptorInterface, GOLDEN_CASES, initiatorInterface, renderCase } from './render-fixtures.js';
import { reconciledPair } from './render-reconciled.js';

const run = promisify(execFile);
const prefix = uniquePrefix('wr');

describe.runIf(mustRunPrivileged())('renders accepted by the real daemons', () => {
  let dir: string;
  let ns: Netns;
  let checkScript: string;

  /** Write `text` to `name` in the temp dir (0600: some renders hold a private key). */
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wg-gateway-render-'));
    // keepalived's script security: root-owned, not writable by others.
    checkScript = join(dir, 'route-check');
    writeFileSync(checkScript, '#!/bin/sh\nexit 0\n');
    chmodSync(checkScript, 0o755);
    ns = await createNetns(`${prefix}k`);
    // keepalived -t refuses an instance on an interface that does not exist.
    await ns.exec(['ip', 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'lan1']);
    await ns.exec(['ip', 'link', 'set', 'lan0', 'up']);
    await ns.exec(['ip', 'link', 'set', 'lan1', 'up']);
  });

  afterAll(async () => {
    await cleanupNamespaces(prefix);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const bird = (path: string) => run('bird', ['-p', '-c', path]);
  // keepalived -t exits 0 when the file is missing, so only ever give it a file just written.
  const keepalivedTest = (path: string) => ns.exec(['keepalived', '-t', '-f', path]);

  for (const c of GOLDEN_CASES.filter((x) => x.kind === 'bird')) {
    it(`bird -p accepts ${c.file}`, async () => {
      await expect(bird(write(c.file, renderCase(c)))).resolves.toBeDefined();
    });
  }

  it('bird -p rejects a broken render (negative control)', async () => {
    const broken = renderCase(GOLDEN_CASES[0] as (typeof GOLDEN_CASES)[number]).replace(
      'type ptp;',
      'type ptpx;',
    );
    await expect(bird(write('broken-bird.conf', broken))).rejects.toThrow();
  });

  for (const c of GOLDEN_CASES.filter((x) => x.kind === 'keepalived')) {
    it(`keepalived -t accepts ${c.file} (with a real check script)`, async () => {
      const model = { ...(c.model as KeepalivedModel), checkScript };
      await expect(keepalivedTest(write(c.file, renderKeepalivedConfig(model)))).resolves.toBeDefined();
    });
  }

  it('keepalived -t rejects an insecure check script (negative control)', async () => {
    const c = GOLDEN_CASES.find((x) => x.file === 'keepalived-two-vips.conf');
    const insecure = join(dir, 'insecure-check');
    writeFileSync(insecure, '#!/bin/sh\nexit 0\n');
    chmodSync(insecure, 0o777);
    const text = renderKeepalivedConfig({ ...(c?.model as KeepalivedModel), checkScript: insecure });
    await expect(keepalivedTest(write('insecure.conf', text))).rejects.toThrow(/insecure/);
  });

  for (const iface of [acceptorInterface, initiatorInterface]) {
    it(`wg-quick strip of ${iface.name}.conf equals the wg render`, async () => {
      // wg-quick takes the interface name from the file name.
      const path = write(`${iface.name}.conf`, renderWgQuickConfig(iface));
      const { stdout } = await run('wg-quick', ['strip', path]);
      expect(stdout.trimEnd()).toBe(renderWgConfig(iface).trimEnd());
    });
  }

  it('wg setconf applies the wg render to a wireguard-go device', async () => {
    const iface = initiatorInterface;
    await ns.exec(['wireguard-go', iface.name]);
    try {
      await ns.exec(['wg', 'setconf', iface.name, write('setconf.conf', renderWgConfig(iface))]);
      const { stdout } = await ns.exec(['wg', 'show', iface.name, 'dump']);
      const [ifLine, peerLine] = stdout.trim().split('\n');
      expect(ifLine?.split('\t').slice(1, 3)).toEqual([iface.publicKey, String(iface.listenPort)]);
      const peer = peerLine?.split('\t') ?? [];
      expect(peer[0]).toBe(iface.peer.publicKey);
      expect(peer[2]).toBe(iface.peer.endpoint);
      expect(peer[3]?.split(',').sort()).toEqual([...iface.peer.allowedIps].sort());
      expect(peer[7]).toBe(String(iface.peer.persistentKeepalive));
    } finally {
      // Removing the device ends wireguard-go.
      await ns.exec(['ip', 'link', 'del', iface.name]).catch(() => undefined);
    }
  });

  it('accepts the renders of a reconciled two-unit peering', async () => {
    const { a, b } = reconciledPair();
    await bird(write('reconciled-a-bird.conf', renderBirdConfig(a.bird)));
    await bird(write('reconciled-b-bird.conf', renderBirdConfig(b.bird)));
    const k = a.keepalived ?? expect.fail('unit a has VIPs, so a keepalived model');
    await keepalivedTest(
      write('reconciled-a-keepalived.conf', renderKeepalivedConfig({ ...k, checkScript })),
    );
    for (const iface of [...a.interfaces, ...b.interfaces]) {
      const { stdout } = await run('wg-quick', [
        'strip',
        write(`${iface.name}.conf`, renderWgQuickConfig(iface)),
      ]);
      expect(stdout.trimEnd()).toBe(renderWgConfig(iface).trimEnd());
    }
  });
});
