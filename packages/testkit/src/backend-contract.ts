/**
 * The backend contract suite: the cases every {@link WireGuardBackend} must
 * pass, run in this process against whatever `create()` returns. It needs
 * no root and no WireGuard: an in-memory backend passes it, and so must
 * yours before it runs the system suite ({@link backendSystemSuite}).
 * @module
 */
import { NodeKeySource, type WireGuardBackend } from '@wg-gateway/core';
import { afterAll, beforeAll, describe } from 'vitest';
import { declareContractCases } from './contract-cases.js';

/** What the contract suite runs against. */
export interface BackendContractSpec {
  /** Name in test titles, e.g. `memory`. */
  readonly name: string;
  /**
   * Make a fresh backend that manages nothing yet. Called once for the
   * suite and once more for the lifecycle case.
   */
  readonly create: () => WireGuardBackend | Promise<WireGuardBackend>;
  /** Backend-specific cases, declared after the shared ones; `backend()` is the suite's backend. */
  readonly additionalTests?: (ctx: { readonly backend: () => WireGuardBackend }) => void;
}

/**
 * Declare the contract suite (a vitest `describe`) for one backend.
 *
 * @example
 * ```ts
 * import { backendContractSuite } from '@wg-gateway/testkit';
 * backendContractSuite({ name: 'memory', create: () => new MemoryBackend() });
 * ```
 */
export function backendContractSuite(spec: BackendContractSpec): void {
  describe(`WireGuard backend contract: ${spec.name}`, () => {
    let backend: WireGuardBackend | undefined;
    const current = (): WireGuardBackend => {
      if (backend === undefined) throw new Error(`${spec.name}: create() did not return a backend`);
      return backend;
    };
    beforeAll(async () => {
      backend = await spec.create();
    });
    afterAll(async () => {
      await backend?.close();
    });
    declareContractCases({
      backend: current,
      create: async () => spec.create(),
      keys: new NodeKeySource(),
    });
    spec.additionalTests?.({ backend: current });
  });
}
