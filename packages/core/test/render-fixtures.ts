/**
 * Representative models for the renderer tests and their golden files.
 * The keys are throwaway test keys made for these fixtures only.
 */
import type { BirdModel, DesiredInterface, KeepalivedModel } from '../src/desired.js';
import {
  renderBirdConfig,
  renderKeepalivedConfig,
  renderWgConfig,
  renderWgQuickConfig,
} from '../src/render/index.js';

/** Test-only key pairs (never used outside these fixtures). */
export const KEYS = {
  initiator: {
    privateKey: 'UCJbHD+FfBH7X6crn7ELnmRJE/EkDajIJdxxBlsaE3M=',
    publicKey: 'YIJkkgeRhMVtox30b11siHPYSd4ERJkPL+Xxz/nzHH4=',
  },
  acceptor: {
    privateKey: 'GEHjqbOjivbS1s1iO4SE2/9nXXxvWqeCeAohz+BH2VM=',
    publicKey: '7gwn9OCZ37eDQzCz5XynKuDVRtWtvDdfT7s9tTNWuTo=',
  },
} as const;

/** Two links, BFD, IPv4 and IPv6 prefixes both ways. */
export const birdTwoLinks: BirdModel = {
  routerId: '192.0.2.1',
  interfaces: ['wg50001', 'wg50003'],
  ipv4Stubs: ['192.0.2.0/24'],
  ipv6Stubs: ['2001:db8:1::/48'],
  ipv4HiddenStubs: ['169.254.0.0/24'],
  helloSeconds: 5,
  deadSeconds: 30,
  bfd: { intervalMs: 100, multiplier: 5 },
  importIpv4: ['198.51.100.0/24', '203.0.113.0/24'],
  importIpv6: ['2001:db8:2::/48'],
  linkImports: [
    { interfaces: ['wg50001'], ipv4: ['198.51.100.0/24'], ipv6: ['2001:db8:2::/48'] },
    { interfaces: ['wg50003'], ipv4: ['203.0.113.0/24'], ipv6: [] },
  ],
  ecmpLimit: 64,
};

/**
 * Per-link OSPF timers: wg50001 goes to a wg-gateway unit that asks for 1/4,
 * wg50003 to a reference unit (no `ospf-timers`: 5/30), wg50005 has no entry
 * and runs the model's 5/30.
 */
export const birdMixedTimers: BirdModel = {
  ...birdTwoLinks,
  interfaces: ['wg50001', 'wg50003', 'wg50005'],
  interfaceTimers: {
    wg50001: { helloSeconds: 1, deadSeconds: 4 },
    wg50003: { helloSeconds: 5, deadSeconds: 30 },
  },
};

/** A unit with no links yet: no interfaces, nothing to import, no BFD. */
export const birdZeroInterfaces: BirdModel = {
  routerId: '192.0.2.1',
  interfaces: [],
  ipv4Stubs: ['192.0.2.0/24'],
  ipv6Stubs: ['2001:db8:1::/48'],
  ipv4HiddenStubs: ['169.254.0.0/24'],
  helloSeconds: 5,
  deadSeconds: 30,
  importIpv4: [],
  importIpv6: [],
  linkImports: [],
  ecmpLimit: 64,
};

/** An IPv4 and an IPv6 VIP, three remote prefixes to track. */
export const keepalivedTwoVips: KeepalivedModel = {
  syncGroup: 'wg_gateway',
  instances: [
    {
      name: 'wg_gateway_vip_0',
      interface: 'lan0',
      virtualRouterId: 51,
      priority: 254,
      vip: '192.0.2.100/24',
      family: 4,
    },
    {
      name: 'wg_gateway_vip_1',
      interface: 'lan0',
      virtualRouterId: 52,
      priority: 254,
      vip: '2001:db8:1::100/64',
      family: 6,
    },
  ],
  scripts: [
    { name: 'wg_gateway_route_0', prefixes: ['198.51.100.0/24'], weight: -1 },
    { name: 'wg_gateway_route_1', prefixes: ['203.0.113.0/24'], weight: -1 },
    { name: 'wg_gateway_route_2', prefixes: ['2001:db8:2::/48'], weight: -1 },
  ],
  checkScript: '/usr/local/lib/wg-gateway/route-check',
  intervalSeconds: 2,
  fall: 2,
  rise: 2,
  advertIntervalSeconds: 1,
};

/** One IPv4 VIP, one tracked prefix: no sync group (keepalived refuses a group of one). */
export const keepalivedOneVip: KeepalivedModel = {
  ...keepalivedTwoVips,
  instances: keepalivedTwoVips.instances.slice(0, 1),
  scripts: keepalivedTwoVips.scripts.slice(0, 1),
};

/** Centisecond adverts (VRRPv3 on the IPv4 instance too) and a grouped track script. */
export const keepalivedFastAdverts: KeepalivedModel = {
  ...keepalivedTwoVips,
  scripts: [
    { name: 'wg_gateway_route_0', prefixes: ['198.51.100.0/24', '203.0.113.0/24'], weight: -1 },
    { name: 'wg_gateway_route_1', prefixes: ['2001:db8:2::/48'], weight: -1 },
  ],
  intervalSeconds: 1,
  fall: 1,
  rise: 3,
  advertIntervalSeconds: 0.1,
};

/** The runtime's default: the fast adverts plus one track file per script (sync group). */
export const keepalivedTrackFiles: KeepalivedModel = {
  ...keepalivedFastAdverts,
  trackFileDir: '/run/wg-gateway/keepalived/track',
};

/** One VIP with track files: the instance itself tracks the scripts and the files. */
export const keepalivedOneVipTrackFiles: KeepalivedModel = {
  ...keepalivedOneVip,
  trackFileDir: '/run/wg-gateway/keepalived/track',
};

const LINK_ALLOWED = ['169.254.0.0/24', '224.0.0.0/24', 'fe80::/64', 'ff02::/16'];

/** The acceptor end of a link: no endpoint, it learns it from the handshake. */
export const acceptorInterface: DesiredInterface = {
  name: 'wg50002',
  listenPort: 50002,
  ...KEYS.acceptor,
  addresses: ['169.254.0.2/24', 'fe80::2/64'],
  mtu: 1420,
  peer: {
    publicKey: KEYS.initiator.publicKey,
    persistentKeepalive: 5,
    allowedIps: [
      '169.254.0.0/24',
      '192.0.2.0/24',
      '224.0.0.0/24',
      '2001:db8:1::/48',
      'fe80::/64',
      'ff02::/16',
    ],
  },
};

/** The initiator end of the same link, with an IPv6 endpoint. */
export const initiatorInterface: DesiredInterface = {
  name: 'wg50001',
  listenPort: 50001,
  ...KEYS.initiator,
  addresses: ['169.254.0.1/24', 'fe80::1/64'],
  mtu: 1420,
  peer: {
    publicKey: KEYS.acceptor.publicKey,
    endpoint: '[2001:db8::2]:50002',
    persistentKeepalive: 5,
    allowedIps: [...LINK_ALLOWED.slice(0, 2), '198.51.100.0/24', ...LINK_ALLOWED.slice(2)],
  },
};

/** Every golden file: name under test/golden and how to render it. */
export type GoldenCase =
  | { readonly file: string; readonly kind: 'bird'; readonly model: BirdModel }
  | { readonly file: string; readonly kind: 'keepalived'; readonly model: KeepalivedModel }
  | { readonly file: string; readonly kind: 'wg-quick' | 'wg'; readonly model: DesiredInterface };

export const GOLDEN_CASES: readonly GoldenCase[] = [
  { file: 'bird-two-links-bfd.conf', kind: 'bird', model: birdTwoLinks },
  { file: 'bird-zero-interfaces.conf', kind: 'bird', model: birdZeroInterfaces },
  { file: 'bird-mixed-timers.conf', kind: 'bird', model: birdMixedTimers },
  { file: 'keepalived-two-vips.conf', kind: 'keepalived', model: keepalivedTwoVips },
  { file: 'keepalived-one-vip.conf', kind: 'keepalived', model: keepalivedOneVip },
  { file: 'keepalived-fast-adverts.conf', kind: 'keepalived', model: keepalivedFastAdverts },
  { file: 'keepalived-track-files.conf', kind: 'keepalived', model: keepalivedTrackFiles },
  { file: 'keepalived-one-vip-track-files.conf', kind: 'keepalived', model: keepalivedOneVipTrackFiles },
  { file: 'wg-quick-acceptor.conf', kind: 'wg-quick', model: acceptorInterface },
  { file: 'wg-quick-initiator.conf', kind: 'wg-quick', model: initiatorInterface },
  { file: 'wg-acceptor.conf', kind: 'wg', model: acceptorInterface },
];

/** Render one golden case. */
export function renderCase(c: GoldenCase): string {
  switch (c.kind) {
    case 'bird':
      return renderBirdConfig(c.model);
    case 'keepalived':
      return renderKeepalivedConfig(c.model);
    case 'wg-quick':
      return renderWgQuickConfig(c.model);
    case 'wg':
      return renderWgConfig(c.model);
  }
}
