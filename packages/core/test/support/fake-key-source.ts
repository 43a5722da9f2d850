import { createHash } from 'node:crypto';
import type { KeyPair, KeySource } from '../../src/keys.js';

/**
 * A FAKE key source for simulations: keys are unique 32-byte strings and the
 * "public key" is a hash of the private one (not X25519), so thousands of
 * keys cost microseconds. Never for real units.
 */
export class FakeKeySource implements KeySource {
  #n = 0;
  readonly #seed: string;
  constructor(seed: string) {
    this.#seed = seed;
  }
  generate(): KeyPair {
    this.#n += 1;
    const privateKey = createHash('sha256').update(`${this.#seed}/${this.#n}`).digest('base64');
    return { privateKey, publicKey: this.publicKeyOf(privateKey) };
  }
  publicKeyOf(privateKey: string): string {
    return createHash('sha256').update(`pub/${privateKey}`).digest('base64');
  }
}
