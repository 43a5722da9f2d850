/**
 * The one place backends are chosen (like wgctrl's `newClients()`): a
 * registry of name → factory + capabilities. Built in: `wgquick`, `netlink`
 * and `dry-run`; third parties register theirs.
 *
 * Dependency direction: runtime imports only core. The built-in backends are
 * loaded lazily by package name (`import('@wg-gateway/backend-netlink')`) and
 * declared as optional peer dependencies of `@wg-gateway/runtime`, so an
 * embedder installs the backend it uses, and a command that never builds a
 * backend never loads netlink or child-process code.
 * @module
 */
import {
  type BackendCapabilities,
  type BackendProgram,
  DryRunBackend,
  type GroupConfig,
  WgGatewayError,
  type WireGuardBackend,
} from '@wg-gateway/core';
import type { RuntimeSettings } from './runtime-section.js';

/** A program a backend (or the gateway) runs, and the Debian package that installs it (core's `BackendProgram`). */
export type RequiredProgram = BackendProgram;

/** What a backend factory is given. */
export interface BackendContext {
  readonly group: GroupConfig;
  readonly runtime: RuntimeSettings;
}

/** One registered backend. */
export interface BackendEntry {
  readonly name: string;
  /**
   * What it can do under `runtime`, as data, known before a backend is built
   * (preflight reads it). A backend with neither `kernel` nor `userspace`
   * touches no host (the dry run): preflight then asks for no root; it checks
   * `programs`.
   */
  readonly capabilities: (runtime: RuntimeSettings) => BackendCapabilities;
  /** Build a backend. */
  readonly create: (context: BackendContext) => Promise<WireGuardBackend>;
}

/** A backend name is unknown, or its package is not installed. */
export class BackendRegistryError extends WgGatewayError {
  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(code, `[runtime] ${message}`, options);
  }
}

/** Whether a backend with these capabilities drives real WireGuard (and so needs root). */
export function touchesHost(capabilities: BackendCapabilities): boolean {
  return capabilities.kernel || capabilities.userspace;
}

/** Backends by name. */
export class BackendRegistry {
  readonly #entries = new Map<string, BackendEntry>();

  constructor(entries: readonly BackendEntry[] = []) {
    for (const e of entries) this.register(e);
  }

  /** Add (or replace) a backend. Names are lower-case words (`my-backend`). */
  register(entry: BackendEntry): this {
    if (!/^[a-z][a-z0-9-]*$/.test(entry.name))
      throw new BackendRegistryError('BACKEND_NAME_INVALID', `backend name ${JSON.stringify(entry.name)}`, {
        hint: 'use lower-case letters, digits and dashes, starting with a letter',
      });
    this.#entries.set(entry.name, entry);
    return this;
  }

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  /** Registered names, sorted. */
  names(): string[] {
    return [...this.#entries.keys()].sort();
  }

  /** @throws {BackendRegistryError} `BACKEND_UNKNOWN` naming the known ones. */
  get(name: string): BackendEntry {
    const entry = this.#entries.get(name);
    if (entry === undefined)
      throw new BackendRegistryError('BACKEND_UNKNOWN', `unknown backend ${JSON.stringify(name)}`, {
        hint: `use one of ${this.names().join(', ')}, or register yours in the BackendRegistry`,
      });
    return entry;
  }

  /** A copy, to add backends without changing this one. */
  clone(): BackendRegistry {
    return new BackendRegistry([...this.#entries.values()]);
  }
}

/** Import an optional backend package by name. */
async function load<T>(pkg: string, backend: string): Promise<T> {
  try {
    // A variable specifier: runtime has no build-time dependency on backends.
    const specifier: string = pkg;
    return (await import(specifier)) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw e;
    throw new BackendRegistryError('BACKEND_NOT_INSTALLED', `backend ${backend} needs package ${pkg}`, {
      cause: e,
      hint: `npm install ${pkg}`,
    });
  }
}

function userspaceProgram(rt: RuntimeSettings): RequiredProgram[] {
  if (rt.userspace === undefined) return [];
  const pkg = rt.userspace.endsWith('wireguard-go') ? 'wireguard-go' : rt.userspace;
  return [{ program: rt.userspace, debianPackage: pkg, why: 'runtime.userspace' }];
}

const realCapabilities = (
  rt: RuntimeSettings,
  programs: readonly RequiredProgram[],
): BackendCapabilities => ({
  kernel: rt.userspace === undefined,
  userspace: rt.userspace !== undefined,
  livePeerUpdate: true,
  facts: true,
  programs,
});

const IP_AND_WG: readonly RequiredProgram[] = [
  { program: 'ip', debianPackage: 'iproute2', why: 'links and routes' },
  { program: 'wg', debianPackage: 'wireguard-tools', why: 'WireGuard interfaces' },
];

/** `wgquick`: wg-quick files, `wg syncconf`, `ip -j` (package `@wg-gateway/backend-wgquick`). */
export const wgQuickBackendEntry: BackendEntry = {
  name: 'wgquick',
  capabilities: (rt) =>
    realCapabilities(rt, [
      ...IP_AND_WG,
      { program: 'wg-quick', debianPackage: 'wireguard-tools', why: 'the wgquick backend' },
      ...userspaceProgram(rt),
    ]),
  create: async ({ group, runtime: rt }) => {
    type Ctor = new (o: { configDir?: string; userspace?: string }) => WireGuardBackend;
    const { WgQuickBackend } = await load<{ WgQuickBackend: Ctor }>('@wg-gateway/backend-wgquick', 'wgquick');
    return new WgQuickBackend({
      configDir: group.paths.wireguardDir,
      ...(rt.userspace === undefined ? {} : { userspace: rt.userspace }),
    });
  },
};

/** `netlink`: rtnetlink + WireGuard genl/UAPI (package `@wg-gateway/backend-netlink`). */
export const netlinkBackendEntry: BackendEntry = {
  name: 'netlink',
  capabilities: (rt) => realCapabilities(rt, [...IP_AND_WG, ...userspaceProgram(rt)]),
  create: async ({ runtime: rt }) => {
    type Ctor = new (o: {
      mode?: 'kernel' | 'userspace';
      userspaceCommand?: readonly string[];
      uapiDir?: string;
    }) => WireGuardBackend;
    const { NetlinkBackend } = await load<{ NetlinkBackend: Ctor }>('@wg-gateway/backend-netlink', 'netlink');
    return new NetlinkBackend({
      mode: rt.userspace === undefined ? 'kernel' : 'userspace',
      ...(rt.userspace === undefined ? {} : { userspaceCommand: [rt.userspace] }),
      ...(rt.uapiDir === undefined ? {} : { uapiDir: rt.uapiDir }),
    });
  },
};

/** `dry-run`: records the plan, touches nothing (core's `DryRunBackend`). */
export const dryRunBackendEntry: BackendEntry = {
  name: 'dry-run',
  capabilities: () => new DryRunBackend().capabilities,
  create: async () => new DryRunBackend(),
};

/** The registry {@link createGateway} uses unless given one: the three built-ins. */
export const defaultBackendRegistry: BackendRegistry = new BackendRegistry([
  wgQuickBackendEntry,
  netlinkBackendEntry,
  dryRunBackendEntry,
]);
