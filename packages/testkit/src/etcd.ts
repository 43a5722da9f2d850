/**
 * Start a real etcd (Debian `etcd-server`) on free loopback ports with a temp
 * data dir, as a plain child process.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running etcd. */
export interface EtcdProcess {
  /** Client URL, `http://127.0.0.1:PORT` (or https with TLS). */
  readonly endpoint: string;
  readonly process: ChildProcess;
  /** Last lines etcd logged, for failure messages. */
  log(): string;
  /** SIGKILL it and remove the data dir. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL it, stay down `downMs`, start it again on the same ports and data dir. */
  restart(downMs?: number): Promise<void>;
}

/** TLS files for {@link startEtcd}: server cert, key and the CA that signed it. */
export interface EtcdTls {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  /** Require client certificates signed by the CA. */
  readonly clientCertAuth?: boolean;
}

/** The etcd binary (Debian `etcd-server`); `ETCD_BIN` overrides it. */
export const ETCD_BIN = process.env.ETCD_BIN ?? '/usr/bin/etcd';

/** A loopback TCP port free right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Start etcd and wait (bounded) until `/health` answers healthy. */
export async function startEtcd(
  options: { tls?: EtcdTls; healthTimeoutMs?: number } = {},
): Promise<EtcdProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'we-etcd-'));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const scheme = options.tls ? 'https' : 'http';
  const endpoint = `${scheme}://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name=we',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${endpoint}`,
    `--advertise-client-urls=${endpoint}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=we=${peer}`,
    '--initial-cluster-state=new',
    '--log-level=warn',
  ];
  if (options.tls) {
    args.push(`--cert-file=${options.tls.certFile}`, `--key-file=${options.tls.keyFile}`);
    if (options.tls.clientCertAuth)
      args.push('--client-cert-auth', `--trusted-ca-file=${options.tls.caFile}`);
  }
  let logTail = '';
  const collect = (b: Buffer) => {
    logTail = (logTail + b.toString()).slice(-4000);
  };
  const healthTimeoutMs = options.healthTimeoutMs ?? 30_000;
  let child: ChildProcess;
  let exited = false;
  let stopped = false;
  const launch = () => {
    exited = false;
    child = spawn(ETCD_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('exit', () => {
      exited = true;
    });
  };
  const kill = async () => {
    if (exited) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  };
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await kill();
    await rm(dataDir, { recursive: true, force: true });
  };
  // Health over the client port; with TLS a successful TCP connect is enough,
  // the exchange's own first call then proves TLS end to end.
  const waitHealthy = async () => {
    const deadline = Date.now() + healthTimeoutMs;
    for (let i = 0; i < 300 && Date.now() < deadline; i++) {
      if (exited) break;
      if (await healthy(options.tls ? undefined : endpoint, clientPort)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    await stop();
    throw new Error(`etcd did not become healthy on ${endpoint}:\n${logTail}`);
  };
  launch();
  await waitHealthy();
  return {
    endpoint,
    get process() {
      return child;
    },
    log: () => logTail,
    stop,
    async restart(downMs = 0) {
      await kill();
      await new Promise((r) => setTimeout(r, downMs));
      launch();
      await waitHealthy();
    },
  };
}

async function healthy(httpEndpoint: string | undefined, port: number): Promise<boolean> {
  if (httpEndpoint) {
    try {
      const res = await fetch(`${httpEndpoint}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { health?: string };
      return res.ok && body.health === 'true';
    } catch {
      return false;
    }
  }
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
