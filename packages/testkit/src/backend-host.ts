/**
 * The backend host: a child process (started inside a namespace) that builds
 * one backend from a {@link BackendSpec} (a factory's module and export) in `process.argv[2]` and serves its
 * methods over the Node IPC channel. Exits when the parent goes away.
 * @module
 */
import type { FactsQuery, InterfaceChange, WireGuardBackend } from '@wg-gateway/core';
import {
  type BackendSpec,
  type CallMessage,
  loadBackend,
  type ReplyMessage,
  reportToWire,
  toWire,
} from './backend-wire.js';

const send = (m: ReplyMessage): void => {
  process.send?.(m);
};

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as BackendSpec;
  let backend: WireGuardBackend;
  try {
    backend = await loadBackend(spec);
  } catch (e) {
    send({ id: 0, ok: false, error: toWire(e) });
    process.disconnect?.();
    return;
  }
  send({ id: 0, ok: true, value: { name: backend.name, capabilities: backend.capabilities } });
  process.on('message', (raw) => {
    const m = raw as CallMessage;
    void (async () => {
      try {
        let value: unknown;
        if (m.method === 'observe') value = await backend.observe();
        else if (m.method === 'apply') value = reportToWire(await backend.apply(m.arg as InterfaceChange[]));
        else if (m.method === 'facts') value = await backend.facts(m.arg as FactsQuery);
        else value = await backend.close();
        send({ id: m.id, ok: true, value: value ?? null });
        if (m.method === 'close') process.disconnect?.();
      } catch (e) {
        send({ id: m.id, ok: false, error: toWire(e) });
      }
    })();
  });
  process.on('disconnect', () => process.exit(0));
}

void main();
