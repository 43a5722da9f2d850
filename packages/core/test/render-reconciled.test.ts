import { describe, expect, it } from 'vitest';
import {
  renderBirdConfig,
  renderKeepalivedConfig,
  renderWgConfig,
  renderWgQuickConfig,
} from '../src/render/index.js';
import { reconciledPair } from './render-reconciled.js';

describe('renders of reconcile() output', () => {
  const { a, b } = reconciledPair();

  it('has open links on both sides (two tunnels each)', () => {
    expect(a.interfaces).toHaveLength(2);
    expect(b.interfaces).toHaveLength(2);
  });

  it('renders bird.conf with every link and the peer prefixes as the import policy', () => {
    const text = renderBirdConfig(a.bird);
    for (const i of a.interfaces) expect(text).toContain(`interface "${i.name}" {`);
    const links = a.interfaces.map((i) => `ifname = "${i.name}"`).join(' || ');
    expect(text).toContain(`if (${links}) && net ~ [ 198.51.100.0/24+, 203.0.113.0/24+ ] then accept;`);
    expect(text).toContain(`if (${links}) && net ~ [ 2001:db8:b::/48+ ] then accept;`);
    expect(text).toContain('bfd yes;');
    expect(renderBirdConfig(b.bird)).toMatch(/&& net ~ \[ 192\.0\.2\.0\/24\+ \] then accept;/);
  });

  it('renders keepalived.conf for the side with VIPs', () => {
    expect(b.keepalived).toBeUndefined();
    const text = renderKeepalivedConfig(a.keepalived ?? expect.fail('no keepalived model'));
    expect(text.match(/^vrrp_instance /gm)).toHaveLength(2);
    expect(text.match(/^vrrp_script /gm)).toHaveLength(3);
  });

  it('derives the degrading VRRP scheme: base 254, one weight −1 script per imported prefix, default timers', () => {
    const k = a.keepalived ?? expect.fail('no keepalived model');
    expect(k.instances.map((i) => i.priority)).toEqual([254, 254]);
    expect(k.scripts.map((s) => [s.prefixes, s.weight])).toEqual([
      [['198.51.100.0/24'], -1],
      [['203.0.113.0/24'], -1],
      [['2001:db8:b::/48'], -1],
    ]);
    expect([k.advertIntervalSeconds, k.intervalSeconds, k.fall, k.rise]).toEqual([0.1, 1, 1, 2]);
  });

  it('renders wg-quick files whose endpoint is set only on the initiator', () => {
    for (const i of a.interfaces)
      expect(renderWgQuickConfig(i)).toMatch(/\nEndpoint = 198\.51\.100\.2:\d+\n/);
    for (const i of b.interfaces) expect(renderWgQuickConfig(i)).not.toContain('Endpoint');
  });

  it('puts a private key only in the WireGuard renders', () => {
    const secrets = [...a.interfaces, ...b.interfaces].map((i) => i.privateKey);
    const others = [renderBirdConfig(a.bird), renderBirdConfig(b.bird)];
    if (a.keepalived) others.push(renderKeepalivedConfig(a.keepalived));
    for (const s of secrets) for (const t of others) expect(t).not.toContain(s);
    for (const i of a.interfaces) {
      expect(renderWgConfig(i)).toContain(`PrivateKey = ${i.privateKey}\n`);
      expect(renderWgConfig(i).split(i.privateKey)).toHaveLength(2);
    }
  });
});
