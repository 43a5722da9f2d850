import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BirdCommandError, BirdControl } from '../src/bird/bird-control.js';
import { BirdReplyParser, parseBirdReply } from '../src/bird/bird-reply.js';
import {
  parseOspfNeighbors,
  parseProtocols,
  parseProtocolsAll,
  parseRouteCount,
} from '../src/bird/bird-status.js';
import { type FakeBirdSocket, startFakeBirdSocket } from './support/fake-bird-socket.js';

const fixture = (name: string) =>
  readFileSync(new URL(`fixtures/bird/${name}.reply`, import.meta.url), 'utf8');
const reply = (name: string) => parseBirdReply(fixture(name));

describe('BIRD reply parser (recorded bird 2.0.12 replies)', () => {
  it('reads codes, continuation lines and the final line', () => {
    const r = reply('show-protocols');
    expect(r.code).toBe(0);
    expect(r.lines[0]).toEqual({
      code: 2002,
      text: 'Name       Proto      Table      State  Since         Info',
    });
    expect(r.lines.filter((l) => l.code === 1002)).toHaveLength(5);
    expect(reply('syntax-error').code).toBe(9001);
    expect(reply('configure').lines.map((l) => l.code)).toEqual([2, 3]);
  });

  it('handles chunks split anywhere, including inside a code', () => {
    const text = fixture('greeting') + fixture('show-ospf-neighbors');
    const parser = new BirdReplyParser();
    const replies = [...text].flatMap((ch) => parser.push(ch));
    expect(replies.map((r) => r.code)).toEqual([1, 0]);
    expect(replies[1]?.lines).toEqual(reply('show-ospf-neighbors').lines);
  });

  it('parses show protocols', () => {
    const ps = parseProtocols(reply('show-protocols'));
    expect(ps.map((p) => p.name)).toEqual(['device1', 'kernel4', 'kernel6', 'ospf6', 'ospf4']);
    expect(ps[3]).toEqual({
      name: 'ospf6',
      proto: 'OSPF',
      table: 'master6',
      state: 'up',
      since: '15:36:33.002',
      info: 'Running',
    });
    expect(ps[0]?.info).toBe('');
    const disabled = parseProtocols(reply('show-protocols-disabled')).find((p) => p.name === 'ospf4');
    expect(disabled?.state).toBe('down');
  });

  it('parses protocol timestamps in iso long format too', () => {
    const r = parseBirdReply(
      '1002-ospf6      OSPF       master6    up     2026-11-25 15:36:33  Running\n0000 \n',
    );
    expect(parseProtocols(r)[0]).toMatchObject({ since: '2026-11-25 15:36:33', info: 'Running' });
  });

  it('parses show protocols all with channel route counts', () => {
    const ps = parseProtocolsAll(reply('show-protocols-all'));
    const ospf4 = ps.find((p) => p.name === 'ospf4');
    expect(ospf4?.channels).toEqual([
      { name: 'ipv4', state: 'UP', table: 'master4', imported: 4, exported: 0, preferred: 4, filtered: 0 },
    ]);
    expect(ps.find((p) => p.name === 'kernel6')?.channels[0]?.exported).toBe(2);
    expect(ps.find((p) => p.name === 'device1')?.channels).toEqual([]);
  });

  it('parses OSPF neighbours of both instances', () => {
    const ns = parseOspfNeighbors(reply('show-ospf-neighbors'));
    expect(ns).toHaveLength(4);
    expect(ns[0]).toEqual({
      protocol: 'ospf6',
      routerId: '192.0.2.3',
      priority: 1,
      state: 'Full',
      role: 'PtP',
      deadTime: 3.212,
      interface: 'vbc',
      address: 'fe80::30db:b2ff:fe96:cf02',
    });
    expect(ns.filter((n) => n.protocol === 'ospf4').map((n) => n.routerId)).toEqual([
      '192.0.2.3',
      '192.0.2.1',
    ]);
    const forming = parseOspfNeighbors(reply('show-ospf-neighbors-forming'));
    expect(forming.filter((n) => n.state === 'Init').map((n) => `${n.protocol}:${n.routerId}`)).toEqual([
      'ospf6:192.0.2.3',
      'ospf4:192.0.2.3',
    ]);
    expect(parseOspfNeighbors(reply('show-ospf-neighbors-one'))).toHaveLength(1);
  });

  it('parses show route count', () => {
    expect(parseRouteCount(reply('show-route-count'))).toEqual([
      { table: 'master4', routes: 4, networks: 4 },
      { table: 'master6', routes: 2, networks: 2 },
    ]);
  });
});

describe('BirdControl over a unix socket (a fake BIRD replaying recorded replies)', () => {
  const replies: Record<string, string> = {
    'show protocols': 'show-protocols',
    'show protocols all': 'show-protocols-all',
    'show ospf neighbors': 'show-ospf-neighbors',
    'show ospf neighbors ospf4': 'show-ospf-neighbors-ospf4',
    'show ospf neighbors nosuch': 'show-ospf-neighbors-unknown',
    'show route count': 'show-route-count',
    configure: 'configure',
  };
  let fake: FakeBirdSocket;
  let socketPath: string;
  let received: string[];

  beforeAll(async () => {
    fake = await startFakeBirdSocket((cmd) => replies[cmd]);
    ({ socketPath, received } = fake);
  });

  afterAll(async () => {
    await fake.close();
  });

  it('answers the typed queries and serialises concurrent commands', async () => {
    const c = await BirdControl.connect(socketPath);
    try {
      const [protocols, neighbors, ospf4, routes, all] = await Promise.all([
        c.protocols(),
        c.ospfNeighbors(),
        c.ospfNeighbors('ospf4'),
        c.routeCount(),
        c.protocolsAll(),
      ]);
      expect(protocols).toHaveLength(5);
      expect(neighbors).toHaveLength(4);
      expect(ospf4.every((n) => n.protocol === 'ospf4')).toBe(true);
      expect(routes.map((r) => r.table)).toEqual(['master4', 'master6']);
      expect(all.find((p) => p.name === 'ospf6')?.channels[0]?.imported).toBe(2);
      expect(await c.configure()).toBe('Reconfigured');
    } finally {
      c.close();
    }
  });

  it('turns 9xxx replies into BirdCommandError and keeps the connection usable', async () => {
    const c = await BirdControl.connect(socketPath);
    try {
      const err = await c.ospfNeighbors('nosuch').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BirdCommandError);
      expect((err as BirdCommandError).replyCode).toBe(9001);
      expect((err as Error).message).toMatch(/^\[runtime\] \[bird\] .*syntax error/s);
      expect(await c.protocols()).toHaveLength(5);
    } finally {
      c.close();
    }
  });

  it('refuses protocol names that could smuggle a second command', async () => {
    const c = await BirdControl.connect(socketPath);
    try {
      const before = received.length;
      await expect(c.ospfNeighbors('x\nconfigure')).rejects.toThrow(/invalid protocol name/);
      await expect(c.request('show protocols\nconfigure')).rejects.toThrow(/one line/);
      expect(received.length).toBe(before);
    } finally {
      c.close();
    }
  });

  it('fails clearly when nothing listens', async () => {
    await expect(
      BirdControl.connect(join(dirname(socketPath), 'missing.ctl'), { timeoutMs: 500 }),
    ).rejects.toThrow(/cannot talk to BIRD on .*missing\.ctl/);
  });
});
