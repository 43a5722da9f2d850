/**
 * WireGuard keys (X25519) behind an injectable key source, so `reconcile()`
 * stays deterministic in tests and randomness enters only through this port.
 * @module
 */
import { createHash, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';

/** A key pair, base64 as `wg genkey` / `wg pubkey` print them. */
export interface KeyPair {
  readonly privateKey: string;
  readonly publicKey: string;
}

/** The port through which reconcile gets new keys and derives public keys. */
export interface KeySource {
  /** A fresh key pair. */
  generate(): KeyPair;
  /** The public key of a private key (what `wg pubkey` prints). */
  publicKeyOf(privateKey: string): string;
}

// PKCS#8 DER header of an X25519 private key; the 32 raw bytes follow it.
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const CACHE_LIMIT = 4096;

/** Clamp a raw scalar the way `wg genkey` does. */
function clamp(raw: Buffer): Buffer {
  const k = Buffer.from(raw);
  k[0] = (k[0] as number) & 248;
  k[31] = ((k[31] as number) & 127) | 64;
  return k;
}

/**
 * X25519 through node:crypto. Derived public keys are cached (derivation
 * costs most of a millisecond and observe/reconcile ask for the same keys).
 */
export class NodeKeySource implements KeySource {
  readonly #cache = new Map<string, string>();
  readonly #random: (n: number) => Buffer;

  /** @param random byte source; defaults to `crypto.randomBytes`. */
  constructor(random: (n: number) => Buffer = randomBytes) {
    this.#random = random;
  }

  generate(): KeyPair {
    const privateKey = clamp(this.#random(32)).toString('base64');
    return { privateKey, publicKey: this.publicKeyOf(privateKey) };
  }

  publicKeyOf(privateKey: string): string {
    const hit = this.#cache.get(privateKey);
    if (hit !== undefined) return hit;
    const raw = Buffer.from(privateKey, 'base64');
    if (raw.length !== 32) throw new TypeError('[core] a WireGuard private key is 32 bytes of base64');
    const key = createPrivateKey({ key: Buffer.concat([PKCS8_X25519, raw]), format: 'der', type: 'pkcs8' });
    const jwk = createPublicKey(key).export({ format: 'jwk' });
    const publicKey = Buffer.from(jwk.x as string, 'base64url').toString('base64');
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.delete(this.#cache.keys().next().value as string);
    this.#cache.set(privateKey, publicKey);
    return publicKey;
  }
}

/**
 * A key source whose keys follow from a seed: the same seed gives the same
 * keys. For tests and simulations only; never for real units.
 */
export function seededKeySource(seed: string): NodeKeySource {
  let counter = 0;
  return new NodeKeySource((n) => {
    counter += 1;
    return createHash('sha256').update(`${seed}/${counter}`).digest().subarray(0, n);
  });
}
