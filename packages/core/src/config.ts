/**
 * Group configuration: the zod schema of the config file (kebab-case keys, as
 * an operator writes them) and its validated, canonical model.
 * @module
 */
import { z } from 'zod';
import { ConfigError, shorten, type ValidationIssue } from './errors.js';
import { isHostname, parseHostname } from './ingress.js';
import { splitList } from './peer-data.js';
import { comparePrefixes, findOverlap, type Prefix, parseAddress, parsePrefix, refusalOf } from './prefix.js';

/** Which side of a peering this group is. */
export type PeeringRole = 'initiator' | 'acceptor';

/** One peering this group takes part in. */
export interface PeeringConfig {
  /** Shared by both sides. */
  readonly id: string;
  readonly role: PeeringRole;
}

/** A VRRP virtual address, `10.0.0.1/24`. */
export interface VipConfig {
  readonly address: string;
  readonly prefix: Prefix;
  /** `address/length` as written in keepalived.conf. */
  readonly cidr: string;
}

/** OSPF and BFD timers. */
export interface RoutingConfig {
  /**
   * The OSPF hello this unit asks for (published as `ospf-timers`); each
   * link runs the slower of its two ends' asks (`ospf-timers.ts`).
   */
  readonly helloSeconds: number;
  /** The OSPF dead interval this unit asks for; see {@link helloSeconds}. */
  readonly deadSeconds: number;
  /** BFD on the OSPF links (on by default); absent = off (`ospf.bfd: false`). */
  readonly bfd?: { readonly intervalMs: number; readonly multiplier: number };
}

/**
 * One exception to the import policy: a peer prefix inside `prefix` may be
 * imported even when it is a default route or overlaps our own prefixes.
 */
export interface ImportAllow {
  readonly prefix: Prefix;
  /** Only from this peering; absent = from any. */
  readonly peering?: string;
}

/** What peers may route to us besides their own, non-overlapping prefixes. */
export interface ImportPolicyConfig {
  readonly allow: readonly ImportAllow[];
}

/**
 * VRRP timers. A fractional advert interval needs VRRPv3 (centiseconds), so
 * the renderer then writes `version 3` on every instance.
 */
export interface VrrpConfig {
  /** Seconds between VRRP adverts, 0.01–40.95 in steps of 0.01. */
  readonly advertIntervalSeconds: number;
  /** Seconds between two runs of a route-check track script. */
  readonly trackIntervalSeconds: number;
  /** Failed runs before a route counts as missing. */
  readonly trackFall: number;
  /** Successful runs before a missing route counts as back. */
  readonly trackRise: number;
}

/** Where files live on the unit. */
export interface PathsConfig {
  readonly state: string;
  readonly wireguardDir: string;
  readonly birdConfig: string;
  readonly keepalivedConfig: string;
  readonly routeCheckScript: string;
  /**
   * Directory of the Keepalived track files the runtime writes (one per
   * track script, `1` while its routes are missing); absent: track scripts
   * only. Set by the runtime's composition, not by the config file.
   */
  readonly trackFileDir?: string;
}

/** The validated configuration of one unit of a group. */
export interface GroupConfig {
  readonly unit: string;
  readonly group: string;
  readonly ingressAddress: string;
  readonly advertisePrefixes: readonly Prefix[];
  readonly tunnels: number;
  readonly vips: readonly VipConfig[];
  /** First VRRP router id; VIP n uses `vrrpRouterIdBase + n`. */
  readonly vrrpRouterIdBase: number;
  readonly peerings: readonly PeeringConfig[];
  readonly portRange: { readonly min: number; readonly max: number };
  /** Absent: detected from the host. */
  readonly routerId?: string;
  readonly routing: RoutingConfig;
  /** Exceptions to the route-import policy (default: none). */
  readonly import: ImportPolicyConfig;
  /** How long a closed link's port stays unused, in seconds. */
  readonly portQuarantineSeconds: number;
  /**
   * How long a remote unit's entry may stay missing from a readable exchange
   * before it counts as departed, in seconds (its last good data is held meanwhile).
   */
  readonly remoteGraceSeconds: number;
  /**
   * A remote unit's ingress host name is resolved again when a link to it
   * has not shaken hands for this long, in seconds (see {@link DEFAULTS}).
   */
  readonly endpointRefreshSeconds: number;
  /**
   * Automatic key rotation: a peering whose oldest key is this many seconds
   * old rotates every key (see `rotation.ts`). Absent: only on request.
   */
  readonly keyRotationIntervalSeconds?: number;
  readonly vrrp: VrrpConfig;
  readonly paths: PathsConfig;
}

/** Defaults, as documented in the README. */
export const DEFAULTS = {
  tunnels: 2,
  portRange: { min: 50000, max: 52000 },
  /**
   * OSPF hello 1 s / dead 4 s: what this unit asks for. The timers are
   * negotiated per link through peer data (`ospf-timers`): each link runs
   * the slower of its two ends' asks, and a unit that publishes none (the
   * reference, earlier versions) counts as the reference's 5 / 30, so a
   * reference peer or a rolling upgrade never splits OSPF. Hello paces how
   * fast a new adjacency forms (a new peering converges up to 4 s sooner
   * than at 5 s); dead 4 (4 hellos, OSPF's usual ratio) only matters when BFD
   * is off, since BFD drops a silent path in 0.4 s; a false dead needs 4 s
   * with no hello at all, which on the internet is an outage, not a burst.
   * 1 packet per second per link is negligible (docs/tuning.md).
   */
  helloSeconds: 1,
  deadSeconds: 4,
  /**
   * BFD on every link: a silent path is declared down after 4 missed control
   * packets at 100 ms, i.e. 0.4 s. Over the internet this rides out 3
   * consecutive losses (0.3 s of burst loss) before rerouting, and a false
   * detection only moves a link's flows to the peering's other tunnels;
   * 10 packets/s per direction per link is negligible. See docs/configuration.md.
   */
  bfd: { intervalMs: 100, multiplier: 4 },
  vrrpRouterIdBase: 51,
  portQuarantineSeconds: 300,
  remoteGraceSeconds: 86_400,
  /**
   * A healthy WireGuard session rekeys every 120 s (REKEY_AFTER_TIME) and a
   * handshake attempt is retried every 5 s (REKEY_TIMEOUT): a last handshake
   * older than 135 s means three retries of a rekey failed, so the peer's
   * address may have moved. Half the status `up` rule's 180 s would be too
   * eager; docs/configuration.md, "Ingress by name".
   */
  endpointRefreshSeconds: 135,
  vrrp: { advertIntervalSeconds: 0.1, trackIntervalSeconds: 1, trackFall: 1, trackRise: 2 },
  paths: {
    state: '/var/lib/wg-gateway/state.json',
    wireguardDir: '/etc/wireguard',
    birdConfig: '/etc/bird/bird.conf',
    keepalivedConfig: '/etc/keepalived/keepalived.conf',
    routeCheckScript: '/usr/lib/wg-gateway/check-route.sh',
  },
} as const;

const bfdDefault = { 'interval-ms': DEFAULTS.bfd.intervalMs, multiplier: DEFAULTS.bfd.multiplier };

const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/, 'letters, digits, ".", "_", "/", "-"; at most 63 characters');

const listOf = z.union([z.array(z.string()), z.string().transform(splitList)]);

const portRange = z.union([
  z.string().transform((s, ctx) => {
    const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(s);
    if (!m) {
      ctx.addIssue({ code: 'custom', message: 'must be MIN-MAX, e.g. 50000-52000' });
      return z.NEVER;
    }
    return { min: Number(m[1]), max: Number(m[2]) };
  }),
  z.object({ min: z.number().int(), max: z.number().int() }).strict(),
]);

// VRRP timers (the `vrrp:` section). Adverts cross only the site's LAN, so
// the default 0.1 s (VRRPv3) is cheap and replaces a dead holder in ~0.3 s;
// routes are checked every second (docs/configuration.md).
const vrrpSection = z
  .object({
    'advert-interval': z
      .number()
      .min(0.01)
      .max(40.95)
      .refine((v) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-6, 'must be a multiple of 0.01 s')
      .default(DEFAULTS.vrrp.advertIntervalSeconds),
    'track-interval': z.number().int().min(1).max(3600).default(DEFAULTS.vrrp.trackIntervalSeconds),
    'track-fall': z.number().int().min(1).max(255).default(DEFAULTS.vrrp.trackFall),
    'track-rise': z.number().int().min(1).max(255).default(DEFAULTS.vrrp.trackRise),
  })
  .strict()
  .default({
    'advert-interval': DEFAULTS.vrrp.advertIntervalSeconds,
    'track-interval': DEFAULTS.vrrp.trackIntervalSeconds,
    'track-fall': DEFAULTS.vrrp.trackFall,
    'track-rise': DEFAULTS.vrrp.trackRise,
  });

/** The config file schema (what an operator writes). */
export const groupConfigSchema = z
  .object({
    unit: name,
    group: name,
    'ingress-address': z.string(),
    'advertise-prefixes': listOf,
    tunnels: z.number().int().min(2, 'must be at least 2').max(64).default(DEFAULTS.tunnels),
    vips: listOf.default([]),
    'vrrp-router-id-base': z.number().int().min(1).max(255).default(DEFAULTS.vrrpRouterIdBase),
    peerings: z.array(z.object({ id: name, role: z.enum(['initiator', 'acceptor']) }).strict()).default([]),
    'port-range': portRange.default(DEFAULTS.portRange),
    'router-id': z.string().optional(),
    ospf: z
      .object({
        hello: z.number().int().min(1).max(65535).default(DEFAULTS.helloSeconds),
        dead: z.number().int().min(2).max(65535).default(DEFAULTS.deadSeconds),
        bfd: z
          .union([
            z.literal(false),
            z
              .object({
                'interval-ms': z.number().int().min(10).max(60000).default(DEFAULTS.bfd.intervalMs),
                multiplier: z.number().int().min(1).max(255).default(DEFAULTS.bfd.multiplier),
              })
              .strict(),
          ])
          .default(bfdDefault),
      })
      .strict()
      .default({ hello: DEFAULTS.helloSeconds, dead: DEFAULTS.deadSeconds, bfd: bfdDefault }),
    import: z
      .object({
        allow: z
          .array(z.object({ prefix: z.string(), peering: name.optional() }).strict())
          .max(256)
          .default([]),
      })
      .strict()
      .default({ allow: [] }),
    'port-quarantine-seconds': z.number().int().min(0).default(DEFAULTS.portQuarantineSeconds),
    'remote-grace-seconds': z.number().int().min(0).default(DEFAULTS.remoteGraceSeconds),
    'endpoint-refresh-seconds': z.number().int().min(1).max(86_400).default(DEFAULTS.endpointRefreshSeconds),
    // Seconds; at least an hour: a rotation takes about a minute per key.
    'key-rotation-interval': z.number().int().min(3600).optional(),
    vrrp: vrrpSection,
    paths: z
      .object({
        state: z.string().default(DEFAULTS.paths.state),
        'wireguard-dir': z.string().default(DEFAULTS.paths.wireguardDir),
        'bird-config': z.string().default(DEFAULTS.paths.birdConfig),
        'keepalived-config': z.string().default(DEFAULTS.paths.keepalivedConfig),
        'route-check-script': z
          .string()
          .regex(/^\/[A-Za-z0-9_./+@-]*$/, 'must be an absolute path without spaces or quotes')
          .default(DEFAULTS.paths.routeCheckScript),
      })
      .strict()
      .default({
        state: DEFAULTS.paths.state,
        'wireguard-dir': DEFAULTS.paths.wireguardDir,
        'bird-config': DEFAULTS.paths.birdConfig,
        'keepalived-config': DEFAULTS.paths.keepalivedConfig,
        'route-check-script': DEFAULTS.paths.routeCheckScript,
      }),
  })
  .strict();

/** The raw config file shape accepted by {@link parseGroupConfig}. */
export type GroupConfigInput = z.input<typeof groupConfigSchema>;

function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}

/**
 * Validate a config file's content. Returns the canonical model or throws a
 * {@link ConfigError} listing every bad field with its value and what is allowed.
 */
export function parseGroupConfig(raw: unknown, source = 'config'): GroupConfig {
  const parsed = groupConfigSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => ({
        path: pathText(i.path),
        value: 'input' in i && i.input !== undefined ? shorten(i.input) : '',
        message: i.message,
      })),
      source,
    );
  }
  const c = parsed.data;
  const issues: ValidationIssue[] = [];
  const issue = (path: string, value: unknown, message: string) =>
    issues.push({ path, value: shorten(value), message });

  // An IP address, or a host name peers resolve (docs/configuration.md, "Ingress by name").
  const ingress = isHostname(c['ingress-address'].trim())
    ? parseHostname(c['ingress-address'])
    : parseAddress(c['ingress-address']);
  if (!ingress.ok) issue('ingress-address', c['ingress-address'], ingress.error);

  const prefixes: Prefix[] = [];
  for (const [i, text] of c['advertise-prefixes'].entries()) {
    const p = parsePrefix(text);
    const path = `advertise-prefixes[${i}]`;
    const refusal = p.ok ? refusalOf(p.value) : p.error;
    if (refusal || !p.ok) issue(path, text, refusal ?? '');
    else prefixes.push(p.value);
  }
  if (c['advertise-prefixes'].length === 0)
    issue('advertise-prefixes', [], 'at least one prefix is required');
  const clash = findOverlap(prefixes);
  if (clash) issue('advertise-prefixes', `${clash[0].text}, ${clash[1].text}`, 'prefixes must not overlap');

  const vips: VipConfig[] = [];
  for (const [i, text] of c.vips.entries()) {
    const slash = text.indexOf('/');
    const addr = parseAddress(slash < 0 ? text : text.slice(0, slash));
    const p = parsePrefix(text);
    const why =
      slash < 0
        ? 'must be in CIDR form, e.g. 192.0.2.1/24'
        : !addr.ok
          ? addr.error
          : !p.ok
            ? p.error
            : (refusalOf(p.value) ??
              (vips.some((v) => v.address === addr.value.text) ? 'duplicate VIP' : undefined));
    if (why !== undefined || !addr.ok || !p.ok) issue(`vips[${i}]`, text, why ?? '');
    else
      vips.push({ address: addr.value.text, prefix: p.value, cidr: `${addr.value.text}/${p.value.length}` });
  }
  if (c['vrrp-router-id-base'] + vips.length - 1 > 255) {
    issue(
      'vrrp-router-id-base',
      c['vrrp-router-id-base'],
      `VRRP ids base..base+${vips.length - 1} must stay ≤ 255`,
    );
  }

  const seen = new Set<string>();
  c.peerings.forEach((p, i) => {
    if (seen.has(p.id)) issue(`peerings[${i}].id`, p.id, 'duplicate peering id');
    seen.add(p.id);
  });

  const range = c['port-range'];
  if (!(range.min >= 1 && range.max <= 65535 && range.min < range.max)) {
    issue('port-range', `${range.min}-${range.max}`, 'must be MIN-MAX with 1 ≤ MIN < MAX ≤ 65535');
  }

  let routerId: string | undefined;
  if (c['router-id'] !== undefined) {
    const r = parseAddress(c['router-id']);
    if (!r.ok || r.value.family !== 4) issue('router-id', c['router-id'], 'must be an IPv4 address');
    else routerId = r.value.text;
  }
  const allow: ImportAllow[] = [];
  for (const [i, entry] of c.import.allow.entries()) {
    const p = parsePrefix(entry.prefix);
    const why = p.ok ? refusalOf(p.value) : p.error;
    if (why !== undefined || !p.ok) issue(`import.allow[${i}].prefix`, entry.prefix, why ?? '');
    else if (entry.peering !== undefined && !seen.has(entry.peering))
      issue(`import.allow[${i}].peering`, entry.peering, 'not one of the configured peerings');
    else allow.push({ prefix: p.value, ...(entry.peering === undefined ? {} : { peering: entry.peering }) });
  }

  if (c.ospf.dead <= c.ospf.hello) issue('ospf.dead', c.ospf.dead, 'must be greater than ospf.hello');

  if (issues.length > 0) throw new ConfigError(issues, source);
  const bfd = c.ospf.bfd;
  return {
    unit: c.unit,
    group: c.group,
    ingressAddress: !ingress.ok ? '' : typeof ingress.value === 'string' ? ingress.value : ingress.value.text,
    advertisePrefixes: prefixes.sort(comparePrefixes),
    tunnels: c.tunnels,
    vips,
    vrrpRouterIdBase: c['vrrp-router-id-base'],
    peerings: c.peerings.map((p) => ({ id: p.id, role: p.role })),
    portRange: range,
    ...(routerId === undefined ? {} : { routerId }),
    routing: {
      helloSeconds: c.ospf.hello,
      deadSeconds: c.ospf.dead,
      ...(bfd ? { bfd: { intervalMs: bfd['interval-ms'], multiplier: bfd.multiplier } } : {}),
    },
    import: { allow },
    portQuarantineSeconds: c['port-quarantine-seconds'],
    remoteGraceSeconds: c['remote-grace-seconds'],
    endpointRefreshSeconds: c['endpoint-refresh-seconds'],
    ...(c['key-rotation-interval'] === undefined
      ? {}
      : { keyRotationIntervalSeconds: c['key-rotation-interval'] }),
    vrrp: {
      advertIntervalSeconds: Math.round(c.vrrp['advert-interval'] * 100) / 100,
      trackIntervalSeconds: c.vrrp['track-interval'],
      trackFall: c.vrrp['track-fall'],
      trackRise: c.vrrp['track-rise'],
    },
    paths: {
      state: c.paths.state,
      wireguardDir: c.paths['wireguard-dir'],
      birdConfig: c.paths['bird-config'],
      keepalivedConfig: c.paths['keepalived-config'],
      routeCheckScript: c.paths['route-check-script'],
    },
  };
}
