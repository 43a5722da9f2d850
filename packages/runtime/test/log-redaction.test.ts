import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED } from '../src/log.js';

describe('createLogger', () => {
  it('writes JSON lines and never a private key, whatever shape carries it', () => {
    const lines: string[] = [];
    const log = createLogger({
      destination: { write: (s: string) => void lines.push(s) },
      base: { unit: 'dc1/0' },
    });
    const priv = () => randomBytes(32).toString('base64');
    const secrets = [priv(), priv(), priv(), priv(), priv(), priv(), priv()];
    const publicKey = randomBytes(32).toString('base64');
    const [s0 = '', s1 = '', s2 = '', s3 = '', s4 = '', s5 = '', s6 = ''] = secrets;

    log.info({ privateKey: s0, publicKey }, 'top level');
    log.info({ key: { privateKey: s1, publicKey } }, 'one level down');
    log.info({ state: { keys: [{ peering: 'p', privateKey: s2, publicKey }] } }, 'in the state');
    log.warn({ deep: { a: { b: { c: [{ PrivateKey: s3 }] } } } }, 'deep, UAPI spelling');
    log.error({ conf: { private_key: s4 } }, 'snake case');
    log.child({ link: { peer: { self: { privateKey: s5 } } } }).info('child bindings');
    log.info({ changes: [{ set: { interface: 'wg50001', privateKey: s6 } }] }, 'a change');

    expect(lines).toHaveLength(7);
    const out = lines.join('');
    for (const s of secrets) expect(out).not.toContain(s);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed[0]).toMatchObject({
      privateKey: REDACTED,
      publicKey,
      unit: 'dc1/0',
      msg: 'top level',
      level: 30,
    });
    expect(parsed[2]).toMatchObject({ state: { keys: [{ peering: 'p', privateKey: REDACTED, publicKey }] } });
    expect(parsed[3]).toMatchObject({ deep: { a: { b: { c: [{ PrivateKey: REDACTED }] } } } });
    expect(parsed[4]).toMatchObject({ conf: { private_key: REDACTED } });
    // Public keys are not secrets and stay visible.
    expect(out).toContain(publicKey);
  });

  it('honours the level', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', destination: { write: (s: string) => void lines.push(s) } });
    log.info('hidden');
    log.warn('shown');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['shown']);
  });
});
