/**
 * The config file's optional `runtime:` section: how this unit runs (which
 * WireGuard backend, where peer data is exchanged, how BIRD and Keepalived
 * are driven, metrics, timers). Validated here and stripped before the rest
 * goes to core's `parseGroupConfig` (see config-document.ts).
 * @module
 */
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import type { DaemonMode } from '../bird/bird-adapter.js';

/** Where units publish and read peer data. */
export type ExchangeSpec =
  | { readonly kind: 'dir'; readonly path: string }
  | { readonly kind: 'etcd'; readonly endpoints: readonly string[] };

/** The validated `runtime:` section, defaults filled in. */
export interface RuntimeSettings {
  /** Backend name in the {@link BackendRegistry} (`wgquick`, `netlink`, `dry-run`, or one registered by an embedder). */
  readonly backend: string;
  /** Userspace WireGuard program (`wireguard-go`); undefined = kernel WireGuard. */
  readonly userspace: string | undefined;
  readonly exchange: ExchangeSpec;
  readonly etcd: {
    readonly prefix: string | undefined;
    readonly leaseTtlSeconds: number | undefined;
    readonly ca: string | undefined;
    readonly cert: string | undefined;
    readonly key: string | undefined;
    readonly username: string | undefined;
    readonly passwordFile: string | undefined;
  };
  /** `HOST:PORT` of the metrics endpoint; undefined = off. */
  readonly metrics: { readonly host: string; readonly port: number } | undefined;
  /** `mainConfig` set: include mode (we write only `paths.birdConfig`, which the main config includes). */
  readonly bird: {
    readonly mode: DaemonMode;
    readonly socket: string;
    readonly pidFile: string | undefined;
    readonly mainConfig: string | undefined;
  };
  readonly keepalived: {
    readonly mode: DaemonMode;
    readonly runDir: string;
    readonly mainConfig: string | undefined;
  };
  /** Directory of WireGuard UAPI sockets (netlink backend, userspace). */
  readonly uapiDir: string | undefined;
  /** Host setup: see {@link HostSettings}. */
  readonly host: HostSettings;
  readonly intervalSeconds: number;
  readonly debounceMs: number;
  /** How peers' ingress host names are resolved (`runtime.resolver`). */
  readonly resolver: {
    /** DNS servers to ask; empty: the system resolver (`/etc/hosts`, `/etc/resolv.conf`). */
    readonly servers: readonly string[];
    readonly timeoutMs: number;
  };
}

/** The `runtime.host` section: kernel switches and the MSS clamping table. */
export interface HostSettings {
  /** Multipath hash policy set for IPv4 and IPv6 (default 1, layer 4); `'off'`: leave the host's alone. */
  readonly multipathHashPolicy: 0 | 1 | 2 | 3 | 'off';
  /** TCP MSS clamping on the tunnels: `auto` (default) = on where `nft` is installed. */
  readonly mssClamping: 'auto' | 'on' | 'off';
  /** The nftables file of the clamping table; undefined = `mss-clamp.nft` beside `paths.state`. */
  readonly mssClampingFile: string | undefined;
}

/** Default exchange: a local directory (the embedded default). */
export const DEFAULT_EXCHANGE = 'dir:/var/lib/wg-gateway/exchange';
/** Default metrics endpoint. */
export const DEFAULT_METRICS = '127.0.0.1:9586';

/**
 * Parse `dir:PATH` or `etcd:URL[,URL]`; relative paths resolve against `base`.
 * Returns an error text naming what is allowed.
 */
export function parseExchangeSpec(text: string, base = process.cwd()): ExchangeSpec | string {
  if (text.startsWith('dir:') && text.length > 4) {
    const path = text.slice(4);
    return { kind: 'dir', path: isAbsolute(path) ? path : resolve(base, path) };
  }
  if (text.startsWith('etcd:')) {
    const endpoints = text
      .slice(5)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = endpoints.find((u) => !/^https?:\/\/[^/\s]+(:\d+)?\/?$/.test(u));
    if (endpoints.length > 0 && bad === undefined) return { kind: 'etcd', endpoints };
    return `etcd endpoints must be http(s)://HOST:PORT, comma-separated${bad ? ` (bad: ${bad})` : ''}`;
  }
  return 'must be dir:PATH or etcd:URL[,URL...]';
}

/** Parse `HOST:PORT` (IPv6 in brackets) or `off`. */
export function parseListen(text: string): { host: string; port: number } | undefined | string {
  if (text === 'off') return undefined;
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65535) return 'must be HOST:PORT (e.g. 127.0.0.1:9586, [::1]:9586) or "off"';
  return { host: (m[1] ?? m[2]) as string, port };
}

const path = z.string().min(1, 'must be a non-empty path');
const mode = z.enum(['process', 'systemd']);

/** Schema of the `runtime:` section (strict: unknown keys are refused). */
export const runtimeSectionSchema = z
  .object({
    // Checked against the backend registry by parseGatewayConfig.
    backend: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, 'a backend name: wgquick, netlink, dry-run or one you registered')
      .default('wgquick'),
    userspace: z
      .string()
      .regex(
        /^[A-Za-z0-9._/+-]+$/,
        'a program name or path (e.g. wireguard-go), or "none" for kernel WireGuard',
      )
      .default('none'),
    exchange: z.string().default(DEFAULT_EXCHANGE),
    etcd: z
      .object({
        prefix: z
          .string()
          .regex(/^\/.*\/$/, 'must start and end with "/", e.g. /wg-gateway/')
          .optional(),
        'lease-ttl': z.number().int().min(5, 'must be at least 5 (seconds)').optional(),
        ca: path.optional(),
        cert: path.optional(),
        key: path.optional(),
        username: z.string().optional(),
        'password-file': path.optional(),
      })
      .strict()
      .default({}),
    metrics: z.string().default(DEFAULT_METRICS),
    bird: z
      .object({
        mode: mode.default('systemd'),
        socket: path.default('/run/bird/bird.ctl'),
        'pid-file': path.optional(),
        'main-config': path.optional(),
      })
      .strict()
      .default({ mode: 'systemd', socket: '/run/bird/bird.ctl' }),
    keepalived: z
      .object({
        mode: mode.default('systemd'),
        'run-dir': path.default('/run/wg-gateway/keepalived'),
        'main-config': path.optional(),
      })
      .strict()
      .default({ mode: 'systemd', 'run-dir': '/run/wg-gateway/keepalived' }),
    'uapi-dir': path.optional(),
    host: z
      .object({
        'multipath-hash-policy': z
          .union([z.literal(0), z.literal(1), z.literal(2), z.literal(3), z.literal('off')], {
            error: 'must be 0, 1 (layer 4, the default), 2, 3 or "off"',
          })
          .default(1),
        'mss-clamping': z.enum(['auto', 'on', 'off']).default('auto'),
        'mss-clamping-file': path.optional(),
      })
      .strict()
      .default({ 'multipath-hash-policy': 1, 'mss-clamping': 'auto' }),
    'interval-seconds': z.number().int().min(1, 'must be at least 1 (seconds)').default(60),
    'debounce-ms': z.number().int().min(0).max(60_000).default(100),
    resolver: z
      .object({
        servers: z
          .array(
            z
              .string()
              .regex(
                /^(?:[0-9.]+|[0-9a-fA-F:]+|\[[0-9a-fA-F:]+\])(?::\d{1,5})?$/,
                'a DNS server address: IP, IP:PORT or [IPv6]:PORT',
              ),
          )
          .max(8)
          .default([]),
        'timeout-ms': z.number().int().min(100).max(30_000).default(2000),
      })
      .strict()
      .default({ servers: [], 'timeout-ms': 2000 }),
  })
  .strict();

/** The `runtime:` section as written in a config file (kebab-case keys, every field optional). */
export type RuntimeSectionInput = z.input<typeof runtimeSectionSchema>;

/** One issue of the runtime section, in core's ValidationIssue shape. */
export interface RuntimeIssue {
  readonly path: string;
  readonly value: unknown;
  readonly message: string;
}

/**
 * Validate the `runtime:` section (undefined = all defaults). Relative paths
 * in `exchange` resolve against `base` (the config file's directory).
 */
export function parseRuntimeSection(raw: unknown, base: string): RuntimeSettings | RuntimeIssue[] {
  const parsed = runtimeSectionSchema.safeParse(raw ?? {}, { reportInput: true });
  if (!parsed.success) {
    return parsed.error.issues.map((i) => ({
      path: ['runtime', ...i.path.map(String)].join('.'),
      value: 'input' in i ? i.input : undefined,
      message: i.message,
    }));
  }
  const r = parsed.data;
  const issues: RuntimeIssue[] = [];
  const exchange = parseExchangeSpec(r.exchange, base);
  if (typeof exchange === 'string')
    issues.push({ path: 'runtime.exchange', value: r.exchange, message: exchange });
  const metrics = parseListen(r.metrics);
  if (typeof metrics === 'string')
    issues.push({ path: 'runtime.metrics', value: r.metrics, message: metrics });
  if (issues.length > 0 || typeof exchange === 'string' || typeof metrics === 'string') return issues;
  return {
    backend: r.backend,
    userspace: r.userspace === 'none' ? undefined : r.userspace,
    exchange,
    etcd: {
      prefix: r.etcd.prefix,
      leaseTtlSeconds: r.etcd['lease-ttl'],
      ca: r.etcd.ca,
      cert: r.etcd.cert,
      key: r.etcd.key,
      username: r.etcd.username,
      passwordFile: r.etcd['password-file'],
    },
    metrics,
    bird: {
      mode: r.bird.mode,
      socket: r.bird.socket,
      pidFile: r.bird['pid-file'],
      mainConfig: r.bird['main-config'],
    },
    keepalived: {
      mode: r.keepalived.mode,
      runDir: r.keepalived['run-dir'],
      mainConfig: r.keepalived['main-config'],
    },
    uapiDir: r['uapi-dir'],
    host: {
      multipathHashPolicy: r.host['multipath-hash-policy'],
      mssClamping: r.host['mss-clamping'],
      mssClampingFile: r.host['mss-clamping-file'],
    },
    intervalSeconds: r['interval-seconds'],
    debounceMs: r['debounce-ms'],
    resolver: { servers: r.resolver.servers, timeoutMs: r.resolver['timeout-ms'] },
  };
}
