/**
 * Building the peer-data exchange a config names: a directory (the embedded
 * default) or etcd, loaded on demand from `@wg-gateway/runtime/etcd` so that
 * gRPC is only loaded by units that use it.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { type Exchange, WgGatewayError } from '@wg-gateway/core';
import { DirectoryExchange } from '../exchange/directory-exchange.js';
import type { EtcdExchangeOptions } from '../exchange/etcd-exchange.js';
import type { RuntimeSettings } from './runtime-section.js';

async function readSecretFile(path: string, what: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (e) {
    throw new WgGatewayError('ETCD_CREDENTIALS_UNREADABLE', `[runtime] cannot read etcd ${what} ${path}`, {
      cause: e,
      hint: `check runtime.etcd.${what} in the config file and the file's permissions`,
    });
  }
}

/** The etcd exchange's options from the `runtime.etcd` section (credential files read here). */
export async function etcdOptions(
  rt: RuntimeSettings,
  endpoints: readonly string[],
): Promise<EtcdExchangeOptions> {
  const e = rt.etcd;
  return {
    endpoints,
    ...(e.prefix === undefined ? {} : { prefix: e.prefix }),
    ...(e.leaseTtlSeconds === undefined ? {} : { leaseTtlSeconds: e.leaseTtlSeconds }),
    ...(e.ca === undefined
      ? {}
      : {
          tls: {
            ca: await readSecretFile(e.ca, 'ca'),
            ...(e.cert === undefined ? {} : { cert: await readSecretFile(e.cert, 'cert') }),
            ...(e.key === undefined ? {} : { key: await readSecretFile(e.key, 'key') }),
          },
        }),
    ...(e.username === undefined
      ? {}
      : {
          auth: {
            username: e.username,
            password:
              e.passwordFile === undefined ? '' : await readSecretFile(e.passwordFile, 'password-file'),
          },
        }),
  };
}

/** Build the exchange `runtime.exchange` names. Nothing is contacted until it is used. */
export async function createExchange(rt: RuntimeSettings): Promise<Exchange> {
  const spec = rt.exchange;
  // The runner debounces changes again (runtime.debounce-ms); the watch's own
  // debounce only collapses the inotify events of one atomic write, so it is
  // short: each of a new link's three exchange hops waited for both.
  if (spec.kind === 'dir')
    return new DirectoryExchange(spec.path, { debounceMs: Math.min(rt.debounceMs, 20) });
  const options = await etcdOptions(rt, spec.endpoints);
  const { EtcdExchange } = await import('../exchange/etcd-exchange.js');
  return new EtcdExchange(options);
}
