/**
 * The config file of one lab unit: the group config in the config file's
 * format (kebab-case keys) plus a `runtime:` section naming the backend, the
 * exchange and the daemons' files. Written as JSON (valid YAML too).
 * @module
 */

import { join } from 'node:path';
import type { GroupConfigInput } from '@wg-gateway/core';
import { CHECK_ROUTE_SCRIPT, parseGatewayConfig, type RuntimeSectionInput } from '@wg-gateway/runtime';
import { ingressNameOf } from './lab-names.js';
import {
  HAND_WRITTEN_BIRD_PROTOCOL,
  LAB_METRICS_ADDRESS,
  type PeeringPlan,
  type SitePlan,
  type TopologyPlan,
  type UnitPlan,
} from './topology.js';

/**
 * The `runtime:` section, typed by runtime's own schema (the config file's
 * format, docs/cli.md); {@link checkUnitConfig} validates the whole file with
 * the parser `wg-gateway` uses.
 */
export type UnitRuntimeConfig = RuntimeSectionInput;

/** A unit's whole config file. */
export type UnitConfigFile = GroupConfigInput & { readonly runtime: UnitRuntimeConfig };

/**
 * Validate a unit's config as `wg-gateway run` will, so a lab that writes a
 * wrong field fails here, naming it, rather than in a unit's log.
 * @throws {GatewayConfigError} naming each bad field.
 */
export function checkUnitConfig(config: UnitConfigFile, file: string): void {
  parseGatewayConfig(config, { file });
}

/** Files of one unit under the lab directory. */
export interface UnitPaths {
  readonly dir: string;
  readonly config: string;
  readonly state: string;
  readonly wireguard: string;
  /** The BIRD config the gateway writes (the fragment in include mode). */
  readonly bird: string;
  /** Include mode: the hand-written main bird.conf. */
  readonly birdMain: string;
  readonly birdSocket: string;
  readonly birdPid: string;
  /** The Keepalived config the gateway writes (the fragment in include mode). */
  readonly keepalived: string;
  /** Include mode: the hand-written main keepalived.conf. */
  readonly keepalivedMain: string;
  readonly keepalivedRun: string;
  readonly log: string;
}

/** Where a unit's files live. */
export function unitPaths(labDir: string, unit: string): UnitPaths {
  const dir = join(labDir, 'units', unit);
  return {
    dir,
    config: join(dir, 'config.json'),
    state: join(dir, 'state.json'),
    wireguard: join(dir, 'wireguard'),
    bird: join(dir, 'bird.conf'),
    birdMain: join(dir, 'bird-main.conf'),
    birdSocket: join(dir, 'bird.ctl'),
    birdPid: join(dir, 'bird.pid'),
    keepalived: join(dir, 'keepalived.conf'),
    keepalivedMain: join(dir, 'keepalived-main.conf'),
    keepalivedRun: join(dir, 'keepalived'),
    log: join(dir, 'unit.log'),
  };
}

/** The peerings a site takes part in, with its role in each. */
export function peeringsOf(
  peerings: readonly PeeringPlan[],
  site: string,
): { id: string; role: 'initiator' | 'acceptor' }[] {
  return peerings
    .filter((p) => p.initiator === site || p.acceptor === site)
    .map((p) => ({ id: p.id, role: p.initiator === site ? ('initiator' as const) : ('acceptor' as const) }));
}

/** Render a unit's config file content. */
export function unitConfig(
  plan: TopologyPlan,
  site: SitePlan,
  unit: UnitPlan,
  labDir: string,
  exchange: { readonly exchange: string; readonly etcdPrefix?: string },
  peerings: readonly PeeringPlan[] = plan.peerings,
  host?: UnitRuntimeConfig['host'],
): UnitConfigFile {
  const p = unitPaths(labDir, unit.name);
  return {
    unit: unit.name,
    group: site.name,
    'ingress-address': plan.ingressNames ? ingressNameOf(unit.name) : unit.wanAddress,
    'advertise-prefixes': [...site.prefixes],
    tunnels: site.tunnels,
    vips: [...site.vips],
    peerings: peeringsOf(peerings, site.name),
    'router-id': unit.wanAddress,
    ospf: {
      ...(plan.ospf.hello === undefined ? {} : { hello: plan.ospf.hello }),
      ...(plan.ospf.dead === undefined ? {} : { dead: plan.ospf.dead }),
      ...(plan.ospf.bfd === undefined ? {} : { bfd: plan.ospf.bfd }),
    },
    // Re-adding a peering in a test must not wait five minutes for ports.
    'port-quarantine-seconds': 0,
    paths: {
      state: p.state,
      'wireguard-dir': p.wireguard,
      'bird-config': p.bird,
      'keepalived-config': p.keepalived,
      'route-check-script': CHECK_ROUTE_SCRIPT,
    },
    runtime: {
      backend: plan.backend,
      userspace: 'wireguard-go',
      exchange: exchange.exchange,
      ...(exchange.etcdPrefix === undefined ? {} : { etcd: { prefix: exchange.etcdPrefix } }),
      metrics: plan.metrics ? LAB_METRICS_ADDRESS : 'off',
      bird: {
        mode: 'process',
        socket: p.birdSocket,
        'pid-file': p.birdPid,
        ...(site.include ? { 'main-config': p.birdMain } : {}),
      },
      keepalived: {
        mode: 'process',
        'run-dir': p.keepalivedRun,
        ...(site.include ? { 'main-config': p.keepalivedMain } : {}),
      },
      'uapi-dir': '/run/wireguard',
      // Host setup as on a real host (layer-4 hashing, MSS clamping) unless a test overrides it.
      ...(host === undefined ? {} : { host }),
      'interval-seconds': 10,
      'debounce-ms': 200,
    },
  };
}

/**
 * The hand-written main configs of an include-mode unit: BIRD's holds the
 * router id, the device and kernel protocols (ECMP) and a protocol of its
 * own ({@link HAND_WRITTEN_BIRD_PROTOCOL}) that must survive every
 * reconcile; Keepalived's holds script security. Both include the files the
 * gateway writes.
 */
export function handWrittenMainConfigs(unit: UnitPlan, p: UnitPaths): { bird: string; keepalived: string } {
  const hand = HAND_WRITTEN_BIRD_PROTOCOL;
  return {
    bird: `# Hand-written by the lab (include mode): the gateway writes only ${p.bird}.
router id ${unit.wanAddress};
protocol device {}
protocol kernel { ipv4 { export all; }; merge paths yes limit 64; }
protocol kernel { ipv6 { export all; }; merge paths yes limit 64; }
protocol static ${hand.name} { ipv4; route ${hand.route} blackhole; }
include "${p.bird}";
`,
    keepalived: `# Hand-written by the lab (include mode): the gateway writes only ${p.keepalived}.
global_defs {
  enable_script_security
  script_user root
}
include ${p.keepalived}
`,
  };
}
