import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { NodeKeySource, seededKeySource } from '../src/keys.js';
import { isWireGuardKey } from '../src/peer-data.js';

describe('keys', () => {
  it('derives the same public key as `wg pubkey`', () => {
    const keys = new NodeKeySource();
    for (let i = 0; i < 5; i++) {
      const pair = keys.generate();
      const wg = execFileSync('wg', ['pubkey'], { input: `${pair.privateKey}\n` })
        .toString()
        .trim();
      expect(pair.publicKey).toBe(wg);
      expect(isWireGuardKey(pair.privateKey)).toBe(true);
      expect(isWireGuardKey(pair.publicKey)).toBe(true);
    }
  });

  it('derives the public key of a key made by `wg genkey`', () => {
    const priv = execFileSync('wg', ['genkey']).toString().trim();
    const pub = execFileSync('wg', ['pubkey'], { input: `${priv}\n` })
      .toString()
      .trim();
    expect(new NodeKeySource().publicKeyOf(priv)).toBe(pub);
  });

  it('clamps generated private keys like wg genkey', () => {
    const raw = Buffer.from(new NodeKeySource(() => Buffer.alloc(32, 0xff)).generate().privateKey, 'base64');
    expect((raw[0] ?? 1) & 7).toBe(0);
    expect((raw[31] ?? 128) & 128).toBe(0);
    expect((raw[31] ?? 0) & 64).toBe(64);
  });

  it('seeded sources repeat, different seeds differ', () => {
    const a = seededKeySource('x').generate();
    expect(seededKeySource('x').generate()).toEqual(a);
    expect(seededKeySource('y').generate()).not.toEqual(a);
  });

  it('refuses a malformed private key without echoing it', () => {
    const secret = 'c2VjcmV0';
    expect(() => new NodeKeySource().publicKeyOf(secret)).toThrow(/32 bytes/);
    try {
      new NodeKeySource().publicKeyOf(secret);
    } catch (e) {
      expect((e as Error).message).not.toContain(secret);
    }
  });
});
