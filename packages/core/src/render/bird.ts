/**
 * bird.conf for BIRD 2: OSPFv3 over the link interfaces with RFC 5838
 * address families, ECMP into the kernel, a route-import filter per family.
 * @module
 */
import type { BirdModel } from '../desired.js';
import { Guard } from './guards.js';
import { renderTemplate } from './templates.js';

/** OSPFv3 instance ids of the RFC 5838 address families. */
export const OSPF_INSTANCE_ID = { ipv4: 64, ipv6: 0 } as const;

/**
 * Link-local ranges never imported from OSPF: the tunnel subnets
 * (169.254.0.0/24, fe80::/64) are connected routes on every link already.
 */
const LINK_LOCAL = { 4: '169.254.0.0/16+', 6: 'fe80::/10+' } as const;

/**
 * Render bird.conf from a validated model.
 *
 * - kernel protocols (IPv4, IPv6) export every OSPF route with merged
 *   multipath (`merge paths yes limit ecmpLimit`) and learn nothing;
 * - `ospf v3` with instance id 64 (IPv4 channel) and 0 (IPv6 channel), area 0,
 *   each link `type ptp; cost 10` with its hello/dead (`interfaceTimers`, else
 *   the model's `helloSeconds`/`deadSeconds`; and `bfd yes`
 *   plus a `protocol bfd` when `model.bfd` is set);
 * - own prefixes as stubnets, `ipv4HiddenStubs` as hidden stubnets;
 * - import on each link only routes inside the prefixes of its
 *   `linkImports` entry (exact or more specific; BIRD's `ifname` is the
 *   route's next-hop interface), never a link-local one; `import none` when no
 *   link may announce anything of a family.
 *
 * Check the result with `bird -p -c FILE` before a reload.
 * @throws {RenderError} when a model value cannot be written safely.
 */
export function renderBirdConfig(model: BirdModel): string {
  const g = new Guard('bird.conf');
  const timers = (field: string, hello: number, dead: number) => {
    const helloSeconds = g.int(`${field}helloSeconds`, hello, 1, 65535);
    return { hello: helloSeconds, dead: g.int(`${field}deadSeconds`, dead, helloSeconds + 1, 65535) };
  };
  const fallback = timers('', model.helloSeconds, model.deadSeconds);
  const interfaces = model.interfaces.map((n, i) => {
    const name = g.ifname(`interfaces[${i}]`, n);
    const own = Object.hasOwn(model.interfaceTimers ?? {}, name) ? model.interfaceTimers?.[name] : undefined;
    return {
      name,
      ...(own ? timers(`interfaceTimers.${name}.`, own.helloSeconds, own.deadSeconds) : fallback),
    };
  });
  const family = (f: 4 | 6) => {
    const v = f === 4 ? 'ipv4' : 'ipv6';
    const imports = model.linkImports.flatMap((l, i) => {
      const list = f === 4 ? l.ipv4 : l.ipv6;
      if (list.length === 0 || l.interfaces.length === 0) return [];
      return [
        {
          interfaces: l.interfaces.map((n, j) => g.ifname(`linkImports[${i}].interfaces[${j}]`, n)),
          prefixes: list.map((p, j) => g.prefix(`linkImports[${i}].${v}[${j}]`, p, f)),
        },
      ];
    });
    const stubs = (f === 4 ? model.ipv4Stubs : model.ipv6Stubs).map((p, i) =>
      g.prefix(`${v}Stubs[${i}]`, p, f),
    );
    const hiddenStubs =
      f === 4 ? model.ipv4HiddenStubs.map((p, i) => g.prefix(`ipv4HiddenStubs[${i}]`, p, 4)) : [];
    return {
      family: f,
      instanceId: OSPF_INSTANCE_ID[v],
      imports,
      stubs,
      hiddenStubs,
      linkLocal: LINK_LOCAL[f],
    };
  };
  const bfd = model.bfd
    ? {
        intervalMs: g.int('bfd.intervalMs', model.bfd.intervalMs, 1, 60_000),
        multiplier: g.int('bfd.multiplier', model.bfd.multiplier, 1, 255),
      }
    : false;
  return renderTemplate('bird.conf', {
    routerId: g.ipv4('routerId', model.routerId),
    interfaces,
    families: [family(4), family(6)],
    bfd,
    ecmpLimit: g.int('ecmpLimit', model.ecmpLimit, 1, 255),
  });
}
