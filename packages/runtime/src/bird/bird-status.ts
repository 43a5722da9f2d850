/**
 * Parsers for the replies of `show protocols`, `show protocols all`,
 * `show ospf neighbors` and `show route count`, and the types they return.
 * @module
 */
import type { BirdReply } from './bird-reply.js';

/** One row of `show protocols`. */
export interface BirdProtocol {
  readonly name: string;
  /** `Device`, `Kernel`, `OSPF`, `BFD`, ... */
  readonly proto: string;
  /** `master4`, `master6`, or `---`. */
  readonly table: string;
  /** `up`, `down`, `start`, `flush`. */
  readonly state: string;
  /** As BIRD prints it (depends on `timeformat protocol`). */
  readonly since: string;
  /** `Running`, `Alone`, an error, or empty. */
  readonly info: string;
}

/** A channel of a protocol, from `show protocols all`. */
export interface BirdChannel {
  /** `ipv4`, `ipv6`. */
  readonly name: string;
  readonly state: string;
  readonly table: string;
  readonly imported: number;
  readonly exported: number;
  readonly preferred: number;
  readonly filtered: number;
}

/** A protocol with its channels, from `show protocols all`. */
export interface BirdProtocolDetail extends BirdProtocol {
  readonly channels: readonly BirdChannel[];
}

/** One OSPF neighbour of `show ospf neighbors`. */
export interface OspfNeighbor {
  /** The OSPF protocol instance it belongs to, e.g. `ospf6`. */
  readonly protocol: string;
  readonly routerId: string;
  readonly priority: number;
  /** Adjacency state: `Full`, `Init`, `2-Way`, `ExStart`, `Exchange`, `Loading`, `Down`. */
  readonly state: string;
  /** Role on the link: `PtP`, `DR`, `BDR`, `Other`, ... */
  readonly role: string;
  /** Seconds until the neighbour is declared dead. */
  readonly deadTime: number;
  readonly interface: string;
  readonly address: string;
}

/** Routes of one table, from `show route count`. */
export interface RouteCount {
  readonly table: string;
  readonly routes: number;
  readonly networks: number;
}

function rowsOf(reply: BirdReply, code: number): string[] {
  return reply.lines.filter((l) => l.code === code).map((l) => l.text);
}

function protocolFromRow(row: string): BirdProtocol | undefined {
  const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\d{4}-\d{2}-\d{2} \S+|\S+)\s*(.*)$/.exec(row);
  if (!m) return undefined;
  const [, name = '', proto = '', table = '', state = '', since = '', info = ''] = m;
  return { name, proto, table, state, since, info: info.trim() };
}

/** Parse `show protocols` (rows have code 1002). */
export function parseProtocols(reply: BirdReply): BirdProtocol[] {
  return rowsOf(reply, 1002)
    .map(protocolFromRow)
    .filter((p): p is BirdProtocol => p !== undefined);
}

const num = (s: string | undefined): number => (s === undefined ? 0 : Number(s));

/** Parse `show protocols all`: 1002 rows, each followed by 1006 detail lines with its channels. */
export function parseProtocolsAll(reply: BirdReply): BirdProtocolDetail[] {
  const out: { base: BirdProtocol; channels: { -readonly [K in keyof BirdChannel]?: BirdChannel[K] }[] }[] =
    [];
  for (const line of reply.lines) {
    if (line.code === 1002) {
      const base = protocolFromRow(line.text);
      if (base) out.push({ base, channels: [] });
      continue;
    }
    const current = out.at(-1);
    if (line.code !== 1006 || !current) continue;
    const text = line.text.trim();
    const channel = /^Channel (\S+)$/.exec(text);
    if (channel) {
      current.channels.push({ name: channel[1] ?? '' });
      continue;
    }
    const ch = current.channels.at(-1);
    if (!ch) continue;
    const field = /^(State|Table):\s+(\S+)$/.exec(text);
    if (field) {
      if (field[1] === 'State') ch.state = field[2] ?? '';
      else ch.table = field[2] ?? '';
      continue;
    }
    if (text.startsWith('Routes:')) {
      const counts = (what: string) => num(new RegExp(`(\\d+) ${what}`).exec(text)?.[1]);
      Object.assign(ch, {
        imported: counts('imported'),
        exported: counts('exported'),
        preferred: counts('preferred'),
        filtered: counts('filtered'),
      });
    }
  }
  return out.map(({ base, channels }) => ({
    ...base,
    channels: channels.map((c) => ({
      name: c.name ?? '',
      state: c.state ?? '',
      table: c.table ?? '',
      imported: c.imported ?? 0,
      exported: c.exported ?? 0,
      preferred: c.preferred ?? 0,
      filtered: c.filtered ?? 0,
    })),
  }));
}

/** Parse `show ospf neighbors [PROTO]` (code 1013; one `name:` heading per protocol). */
export function parseOspfNeighbors(reply: BirdReply): OspfNeighbor[] {
  const out: OspfNeighbor[] = [];
  let protocol = '';
  for (const text of rowsOf(reply, 1013)) {
    const t = text.trim();
    if (t === '' || t.startsWith('Router ID')) continue;
    const heading = /^(\S+):$/.exec(t);
    if (heading) {
      protocol = heading[1] ?? '';
      continue;
    }
    const [routerId = '', priority, stateRole = '', dead, iface = '', address = ''] = t.split(/\s+/);
    const [state = '', role = ''] = stateRole.split('/');
    out.push({
      protocol,
      routerId,
      priority: num(priority),
      state,
      role,
      deadTime: num(dead),
      interface: iface,
      address,
    });
  }
  return out;
}

/** Parse `show route count` (`N of M routes for K networks in table T`, then a total line). */
export function parseRouteCount(reply: BirdReply): RouteCount[] {
  const out: RouteCount[] = [];
  for (const { text } of reply.lines) {
    const m = /^(\d+) of (\d+) routes for (\d+) networks in table (\S+)$/.exec(text.trim());
    if (m) out.push({ table: m[4] ?? '', routes: num(m[1]), networks: num(m[3]) });
  }
  return out;
}
