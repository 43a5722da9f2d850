import { describe, expect, it } from 'vitest';
import type { BackendCapabilities } from '../src/backend.js';
import {
  BackendClosedError,
  BackendError,
  BackendNotSupportedError,
  BaseBackend,
  type ChangeStep,
} from '../src/base-backend.js';
import type { InterfaceChange } from '../src/changes.js';
import type { ObservedInterface } from '../src/observed.js';

/** A fake backend that counts lifecycle calls and fails the changes it is told to. */
class FakeBackend extends BaseBackend<string> {
  readonly name = 'fake';
  readonly capabilities: BackendCapabilities = {
    kernel: false,
    userspace: false,
    livePeerUpdate: true,
    facts: false,
    programs: [],
  };
  opens = 0;
  shutdowns = 0;
  prepares = 0;
  failOpen = false;
  constructor(readonly failing: ReadonlySet<string> = new Set()) {
    super();
  }
  protected override async open(): Promise<void> {
    this.opens += 1;
    if (this.failOpen) throw new Error('cannot open');
  }
  protected override async shutdown(): Promise<void> {
    this.shutdowns += 1;
  }
  protected override async prepareApply(): Promise<string> {
    this.prepares += 1;
    return 'prepared';
  }
  protected async observeInterfaces(): Promise<readonly ObservedInterface[]> {
    return [];
  }
  protected async applyChange(change: InterfaceChange, step: ChangeStep, prepared: string): Promise<void> {
    expect(prepared).toBe('prepared');
    step.operations += 2;
    step.secrets.push('SECRETKEY');
    if (this.failing.has(change.name)) throw new Error(`boom with SECRETKEY on ${change.name}`);
  }
}

const del = (name: string): InterfaceChange => ({ action: 'delete', name });

describe('BaseBackend', () => {
  it('opens once on first use, lazily, and closes once', async () => {
    const b = new FakeBackend();
    expect(b.opens).toBe(0);
    await Promise.all([b.observe(), b.observe(), b.apply([])]);
    expect(b.opens).toBe(1);
    await Promise.all([b.close(), b.close()]);
    await b.close();
    expect(b.shutdowns).toBe(1);
  });

  it('does not shut down a backend that never opened', async () => {
    const b = new FakeBackend();
    await b.close();
    expect([b.opens, b.shutdowns]).toEqual([0, 0]);
  });

  it('retries a failed open on the next call', async () => {
    const b = new FakeBackend();
    b.failOpen = true;
    await expect(b.observe()).rejects.toThrow('cannot open');
    b.failOpen = false;
    await expect(b.observe()).resolves.toEqual([]);
    expect(b.opens).toBe(2);
  });

  it('raises a typed error for every call after close', async () => {
    const b = new FakeBackend();
    await b.close();
    await expect(b.observe()).rejects.toBeInstanceOf(BackendClosedError);
    await expect(b.apply([])).rejects.toThrow('[core] [fake] apply() called after close()');
    await expect(b.facts({ pathMtuTo: [], interfaceOf: [], routerId: false })).rejects.toBeInstanceOf(
      BackendClosedError,
    );
  });

  it('raises "not supported" for a method whose capability is missing', async () => {
    const err = await new FakeBackend()
      .facts({ pathMtuTo: [], interfaceOf: [], routerId: false })
      .catch((e) => e);
    expect(err).toBeInstanceOf(BackendNotSupportedError);
    expect(err.message).toContain('The `facts` method is not supported by this backend');
  });

  it('reports each change, keeps going after a failure and scrubs its secrets', async () => {
    const b = new FakeBackend(new Set(['wg2']));
    const report = await b.apply([del('wg1'), del('wg2'), del('wg3')]);
    expect(b.prepares).toBe(1);
    expect(report.operations).toBe(6);
    expect(report.results.map((r) => [r.name, r.ok, r.operations])).toEqual([
      ['wg1', true, 2],
      ['wg2', false, 2],
      ['wg3', true, 2],
    ]);
    const error = report.results[1]?.error;
    expect(error).toBeInstanceOf(BackendError);
    expect(error?.message).toBe('[fake] delete wg2: boom with (private key) on wg2');
  });

  it('answers an empty plan without preparing anything', async () => {
    const b = new FakeBackend();
    expect(await b.apply([])).toEqual({ results: [], operations: 0 });
    expect(b.prepares).toBe(0);
  });
});
