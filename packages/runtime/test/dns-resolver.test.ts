import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRuntimeSection } from '../src/compose/runtime-section.js';
import { DnsNameResolver } from '../src/resolver/dns-resolver.js';

/**
 * A fake DNS server on loopback (node:dgram): answers A and AAAA queries
 * from a table, NXDOMAIN for other names, and stays silent for `silent`.
 */
class FakeDnsServer {
  readonly records = new Map<string, { a?: string[]; aaaa?: string[] }>();
  readonly silent = new Set<string>();
  queries = 0;
  readonly socket: Socket = createSocket('udp4');

  async start(): Promise<number> {
    this.socket.on('message', (msg, rinfo) => {
      this.queries++;
      const reply = this.#answer(msg);
      if (reply) this.socket.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    return this.socket.address().port;
  }

  #answer(query: Buffer): Buffer | undefined {
    let at = 12;
    const labels: string[] = [];
    while (at < query.length && query[at] !== 0) {
      const n = query[at] as number;
      labels.push(query.subarray(at + 1, at + 1 + n).toString('ascii'));
      at += 1 + n;
    }
    const question = query.subarray(12, at + 5);
    const type = query.readUInt16BE(at + 1);
    const name = labels.join('.').toLowerCase();
    if (this.silent.has(name)) return undefined;
    const rec = this.records.get(name);
    const addrs = type === 1 ? (rec?.a ?? []) : type === 28 ? (rec?.aaaa ?? []) : [];
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2);
    header.writeUInt16BE(rec ? 0x8180 : 0x8183, 2); // response, RD+RA; rcode 0 or NXDOMAIN
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(addrs.length, 6);
    const answers = addrs.map((a) => {
      const data = type === 1 ? Buffer.from(a.split('.').map(Number)) : ipv6Bytes(a);
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
      rr.writeUInt16BE(type, 2);
      rr.writeUInt16BE(1, 4);
      rr.writeUInt32BE(1, 6); // TTL 1 s
      rr.writeUInt16BE(data.length, 10);
      return Buffer.concat([rr, data]);
    });
    return Buffer.concat([header, question, ...answers]);
  }
}

function ipv6Bytes(text: string): Buffer {
  const [head = '', tail = ''] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  for (const [i, g] of groups.entries()) b.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  return b;
}

describe('DnsNameResolver', () => {
  const server = new FakeDnsServer();
  let servers: string[] = [];
  beforeAll(async () => {
    servers = [`127.0.0.1:${await server.start()}`];
    server.records.set('gw.example.net', { a: ['198.51.100.7'], aaaa: ['2001:db8::7'] });
    server.records.set('v6only.example.net', { aaaa: ['2001:db8::6'] });
    server.silent.add('slow.example.net');
  });
  afterAll(() => server.socket.close());

  it('asks the configured servers for A and AAAA', async () => {
    const r = new DnsNameResolver({ servers });
    expect(await r.lookup('gw.example.net')).toEqual([
      { address: '198.51.100.7', family: 4 },
      { address: '2001:db8::7', family: 6 },
    ]);
    expect(await r.lookup('v6only.example.net')).toEqual([{ address: '2001:db8::6', family: 6 }]);
  });

  it('fails with the name and why: no such name, and a bounded timeout', async () => {
    const r = new DnsNameResolver({ servers, timeoutMs: 300 });
    await expect(r.lookup('nope.example.net')).rejects.toThrow(/nope\.example\.net.*ENOTFOUND/);
    const started = Date.now();
    await expect(r.lookup('slow.example.net')).rejects.toThrow(/slow\.example\.net/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('keeps an answer for cacheMs, then asks again', async () => {
    let now = 0;
    const r = new DnsNameResolver({ servers, cacheMs: 1000 }, () => now);
    await r.lookup('gw.example.net');
    const asked = server.queries;
    await r.lookup('gw.example.net');
    expect(server.queries).toBe(asked);
    now = 1000;
    server.records.set('gw.example.net', { a: ['198.51.100.8'] });
    expect(await r.lookup('gw.example.net')).toEqual([{ address: '198.51.100.8', family: 4 }]);
  });

  it('without servers asks the system resolver (hosts file first)', async () => {
    const answers = await new DnsNameResolver().lookup('localhost');
    expect(answers.map((a) => a.address)).toContain('127.0.0.1');
  });

  it('runtime.resolver: servers and timeout, defaults to the system resolver; a bad server is refused', () => {
    const d = parseRuntimeSection({}, '/');
    expect(!Array.isArray(d) && d.resolver).toEqual({ servers: [], timeoutMs: 2000 });
    const s = parseRuntimeSection(
      { resolver: { servers: ['192.0.2.53', '[2001:db8::53]:5353'], 'timeout-ms': 500 } },
      '/',
    );
    expect(!Array.isArray(s) && s.resolver).toEqual({
      servers: ['192.0.2.53', '[2001:db8::53]:5353'],
      timeoutMs: 500,
    });
    const bad = parseRuntimeSection({ resolver: { servers: ['dns.example.net'] } }, '/');
    expect(Array.isArray(bad) && bad.map((i) => i.path)).toEqual(['runtime.resolver.servers.0']);
  });
});
