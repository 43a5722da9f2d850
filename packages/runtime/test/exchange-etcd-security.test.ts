/**
 * EtcdExchange against a real etcd with authentication, and against one that
 * requires TLS client certificates (certificates made with openssl).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExchangeUnreachableError } from '@wg-gateway/core';
import { type EtcdProcess, startEtcd } from '@wg-gateway/testkit';
import { Etcd3, Range } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdExchange } from '../src/exchange/etcd-exchange.js';
import { ExchangeError } from '../src/exchange/exchange-error.js';

const A = { group: 'site-a', unit: 'site-a/0' };
const B = { group: 'site-b', unit: 'site-b/0' };
const data = { peerings: { ab: { 'ingress-address': '192.0.2.1' } }, group: {} };

let dir: string;
const daemons: EtcdProcess[] = [];
const exchanges: EtcdExchange[] = [];
const track = (ex: EtcdExchange) => {
  exchanges.push(ex);
  return ex;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'we-etcdsec-'));
});
afterAll(async () => {
  await Promise.all(exchanges.map((e) => e.close()));
  await Promise.all(daemons.map((d) => d.stop()));
  await rm(dir, { recursive: true, force: true });
});

describe('EtcdExchange auth', () => {
  it('publishes and reads as a user limited to its prefix, and fails clearly with a wrong password', async () => {
    const etcd = await startEtcd();
    daemons.push(etcd);
    const admin = new Etcd3({ hosts: etcd.endpoint });
    try {
      await admin.role('root').create();
      await admin.user('root').create('root-secret');
      await admin.user('root').addRole('root');
      await admin.role('gw').create();
      await admin.role('gw').grant({ permission: 'Readwrite', range: Range.prefix('/wg-auth/') });
      await admin.user('gw').create('gw-secret');
      await admin.user('gw').addRole('gw');
      await admin.auth.authEnable();
    } finally {
      admin.close();
    }

    const opts = { endpoints: [etcd.endpoint], prefix: '/wg-auth/' };
    const a = track(new EtcdExchange({ ...opts, auth: { username: 'gw', password: 'gw-secret' } }));
    const b = track(new EtcdExchange({ ...opts, auth: { username: 'gw', password: 'gw-secret' } }));
    await a.publish(A, data);
    expect((await b.read(B, ['ab'])).peerings.ab).toEqual({ 'site-a/0': data.peerings.ab });

    const wrong = track(new EtcdExchange({ ...opts, auth: { username: 'gw', password: 'nope' } }));
    const err = await wrong.read(B, ['ab']).catch((e: unknown) => e);
    // A read etcd refuses is an exchange that cannot be read: the gateway holds its data.
    expect(err).toBeInstanceOf(ExchangeUnreachableError);
    expect((err as Error).message).toMatch(/^\[runtime\] \[etcd\] read failed/);
    expect((err as Error).message).not.toContain('nope');

    // Outside its prefix the user has no rights: the exchange does not leak past it.
    const outside = track(
      new EtcdExchange({ ...opts, prefix: '/other/', auth: { username: 'gw', password: 'gw-secret' } }),
    );
    await expect(outside.publish(A, data)).rejects.toBeInstanceOf(ExchangeError);
  });
});

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

describe('EtcdExchange TLS', () => {
  it('talks to an etcd that requires client certificates, and is refused without one', async () => {
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '1',
      '-subj',
      '/CN=we-test-ca',
    );
    const issue = (name: string, ext: string) => {
      openssl(
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
        '-subj',
        `/CN=${name}`,
      );
      execFileSync('sh', ['-c', `printf '%s\\n' '${ext}' > ${name}.ext`], { cwd: dir });
      openssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.crt`,
        '-days',
        '1',
        '-extfile',
        `${name}.ext`,
      );
    };
    issue('server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth');
    issue('client', 'extendedKeyUsage=clientAuth');
    const etcd = await startEtcd({
      tls: {
        certFile: join(dir, 'server.crt'),
        keyFile: join(dir, 'server.key'),
        caFile: join(dir, 'ca.crt'),
        clientCertAuth: true,
      },
    });
    daemons.push(etcd);
    expect(etcd.endpoint).toMatch(/^https:/);
    const ca = await readFile(join(dir, 'ca.crt'));
    const tls = {
      ca,
      cert: await readFile(join(dir, 'client.crt')),
      key: await readFile(join(dir, 'client.key')),
    };

    const a = track(new EtcdExchange({ endpoints: [etcd.endpoint], tls }));
    const b = track(new EtcdExchange({ endpoints: [etcd.endpoint], tls: { ...tls, ca: ca.toString() } }));
    await a.publish(A, data);
    expect((await b.read(B, ['ab'])).peerings.ab).toEqual({ 'site-a/0': data.peerings.ab });

    const noCert = track(new EtcdExchange({ endpoints: [etcd.endpoint], tls: { ca }, dialTimeoutMs: 2000 }));
    await expect(noCert.read(B, ['ab'])).rejects.toBeInstanceOf(ExchangeUnreachableError);
  });
});
