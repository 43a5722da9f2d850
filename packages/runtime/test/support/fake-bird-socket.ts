/**
 * A fake BIRD control socket for tests: greets like bird 2.0.12 and answers
 * each command with a recorded reply (test/fixtures/bird), `syntax-error`
 * for any command it has no reply for. Replies are split in two writes to
 * exercise the client's reassembly.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The recorded reply text of a fixture. */
export const birdFixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/bird/${name}.reply`, import.meta.url), 'utf8');

export interface FakeBirdSocket {
  readonly socketPath: string;
  /** Every command received, in order. */
  readonly received: string[];
  close(): Promise<void>;
}

/**
 * Start the fake; `reply(cmd)` names the fixture to answer with (undefined:
 * syntax error), or gives the reply text itself (`{ text }`, e.g. a fixture
 * with its protocols renamed).
 */
export async function startFakeBirdSocket(
  reply: (cmd: string) => string | { readonly text: string } | undefined,
): Promise<FakeBirdSocket> {
  const dir = await mkdtemp(join(tmpdir(), 'wb-fakebird-'));
  const socketPath = join(dir, 'bird.ctl');
  const received: string[] = [];
  const server = createServer((conn) => {
    conn.write(birdFixture('greeting'));
    let buf = '';
    conn.on('data', (d) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const cmd = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        received.push(cmd);
        const r = reply(cmd);
        const text = typeof r === 'object' ? r.text : birdFixture(r ?? 'syntax-error');
        conn.write(text.slice(0, 7));
        setTimeout(() => conn.write(text.slice(7)), 5);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    received,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
