/**
 * The state store across real processes: the lock between two node
 * processes, stale-lock takeover, and SIGKILL between write and rename.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { decodeState, type UnitState } from '@wg-gateway/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStateStore, PAUSE_BEFORE_RENAME_ENV } from '../src/state/file-state-store.js';
import { StateLockError } from '../src/state/state-errors.js';

const SRC = resolve(import.meta.dirname, '../src/state/file-state-store.ts');
const REPO = resolve(import.meta.dirname, '../../..');
/** A small valid state; the port counter tells versions apart. */
const sampleState = (portCounter: number): UnitState => ({
  keys: [
    {
      peering: 'ab',
      privateKey: 'YFx0Qq3SXhYxR1uo2pT2R6I3k8dAXW3cYkCb7tOsT3A=',
      publicKey: 'kQ4lWkCZPqvC5i1A2kA9yTJcT4dPmNrLqdU6b3hE0Bo=',
      retired: false,
      createdAt: 1_700_000_000_000,
    },
  ],
  links: [],
  portCounter,
  quarantine: [],
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let root: string;
let script: string;
const children: ChildProcess[] = [];
let seq = 0;
const newPath = () => join(root, `case-${seq++}`, 'state.json');

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'we-stproc-'));
  script = join(root, 'child.mts');
  // A second wg-gateway process, reduced to what each test needs.
  await writeFile(
    script,
    `import { FileStateStore } from ${JSON.stringify(SRC)};
const [path, action, arg] = process.argv.slice(2);
const say = (s) => process.stdout.write(s + '\\n');
if (action === 'hold') {
  await new FileStateStore(path).lock();
  say('locked');
  setInterval(() => undefined, 60_000);
} else if (action === 'try') {
  try {
    const release = await new FileStateStore(path, { lockTimeoutMs: Number(arg) }).lock();
    say('locked');
    await release();
  } catch (e) {
    say(JSON.stringify({ name: e.name, code: e.code, holderPid: e.holderPid }));
  }
} else if (action === 'count') {
  // lock, read, write back +1, unlock; a lost update shows a broken lock.
  const store = new FileStateStore(path, { lockTimeoutMs: 60_000 });
  for (let i = 0; i < Number(arg); i++) {
    const release = await store.lock();
    const state = await store.load();
    await new Promise((r) => setTimeout(r, Math.random() * 5));
    await store.save({ ...state, portCounter: state.portCounter + 1 });
    await release();
  }
  say('counted');
} else if (action === 'save') {
  await new FileStateStore(path).save(JSON.parse(arg));
  say('saved');
}
`,
  );
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
});

/** Run the child; resolves once its stdout has a line matching `until` (bounded). */
async function child(
  args: string[],
  until: RegExp,
  env: NodeJS.ProcessEnv = {},
): Promise<{ proc: ChildProcess; out: () => string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  let out = '';
  proc.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  proc.stderr?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const deadline = Date.now() + 30_000;
  while (!until.test(out)) {
    if (Date.now() > deadline) throw new Error(`child ${args.join(' ')} did not print ${until}:\n${out}`);
    if (proc.exitCode !== null && !until.test(out)) throw new Error(`child exited ${proc.exitCode}:\n${out}`);
    await sleep(20);
  }
  return { proc, out: () => out };
}

const exit = (proc: ChildProcess) =>
  proc.exitCode !== null || proc.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => proc.once('exit', r));

async function kill9(proc: ChildProcess): Promise<void> {
  const gone = exit(proc);
  proc.kill('SIGKILL');
  await gone;
}

describe('FileStateStore lock across processes', () => {
  it('keeps a second process out while held, and lets it in after the release', async () => {
    const store = new FileStateStore(newPath());
    const release = await store.lock();
    expect((await readFile(store.lockPath, 'utf8')).trim()).toBe(String(process.pid));
    const refused = await child([store.path, 'try', '300'], /\}/);
    expect(JSON.parse(refused.out().trim())).toEqual({
      name: 'StateLockError',
      code: 'STATE_LOCKED',
      holderPid: process.pid,
    });
    await release();
    await release();
    await expect(stat(store.lockPath)).rejects.toThrow(/ENOENT/);
    const admitted = await child([store.path, 'try', '300'], /locked|\}/);
    expect(admitted.out().trim()).toBe('locked');
  });

  it('times out naming the live holder, then takes over the lock once that holder is SIGKILLed', async () => {
    const store = new FileStateStore(newPath(), { lockTimeoutMs: 300 });
    const holder = await child([store.path, 'hold'], /locked/);
    const err = await store.lock().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateLockError);
    expect((err as StateLockError).holderPid).toBe(holder.proc.pid);
    expect((err as Error).message).toContain(String(holder.proc.pid));

    await kill9(holder.proc);
    // The dead holder's file is still there; it is stale now.
    expect((await readFile(store.lockPath, 'utf8')).trim()).toBe(String(holder.proc.pid));
    const release = await store.lock();
    expect((await readFile(store.lockPath, 'utf8')).trim()).toBe(String(process.pid));
    await release();
  });
});

describe('FileStateStore lock under contention', () => {
  it('loses no update when several processes read-modify-write under the lock', async () => {
    const store = new FileStateStore(newPath());
    await store.save(sampleState(0));
    const workers = await Promise.all([1, 2, 3].map(() => child([store.path, 'count', '15'], /^/)));
    await Promise.all(workers.map((w) => exit(w.proc)));
    for (const w of workers) expect(w.out()).toContain('counted');
    expect((await store.load())?.portCounter).toBe(45);
    await expect(stat(store.lockPath)).rejects.toThrow(/ENOENT/);
  });
});

describe('FileStateStore crash between write and rename', () => {
  it('keeps the old state valid after SIGKILL before the rename, and the next save removes the leftover temp file', async () => {
    const store = new FileStateStore(newPath());
    await store.save(sampleState(50001));
    const marker = join(root, `marker-${seq}`);
    const saver = await child([store.path, 'save', JSON.stringify(sampleState(50099))], /^/, {
      [PAUSE_BEFORE_RENAME_ENV]: marker,
    });
    let temp = '';
    for (let i = 0; i < 600 && temp === ''; i++) {
      temp = await readFile(marker, 'utf8').catch(() => '');
      if (temp === '') await sleep(50);
    }
    expect(temp, saver.out()).not.toBe('');
    // Paused right before rename: the new state is complete in the temp file.
    expect(decodeState(await readFile(temp, 'utf8'))).toEqual(sampleState(50099));
    await kill9(saver.proc);
    expect(saver.proc.signalCode).toBe('SIGKILL');

    expect(await store.load()).toEqual(sampleState(50001));
    expect(decodeState(await readFile(store.path, 'utf8'))).toEqual(sampleState(50001));
    expect(await readdir(join(store.path, '..'))).toContain(basename(temp));

    await store.save(sampleState(50003));
    expect(await store.load()).toEqual(sampleState(50003));
    expect((await readdir(join(store.path, '..'))).sort()).toEqual(['state.json', 'state.json.prev']);
    expect(decodeState(await readFile(store.prevPath, 'utf8'))).toEqual(sampleState(50001));
  });

  it('completes the same save when nothing interrupts it', async () => {
    const store = new FileStateStore(newPath());
    await store.save(sampleState(50001));
    const saver = await child([store.path, 'save', JSON.stringify(sampleState(50099))], /saved/);
    await exit(saver.proc);
    expect(await store.load()).toEqual(sampleState(50099));
  });
});
