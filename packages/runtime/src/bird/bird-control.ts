/**
 * A client for BIRD's control socket, spoken directly over the unix socket
 * (what `birdc -s SOCKET` does, without spawning birdc).
 * @module
 */
import { connect, type Socket } from 'node:net';
import { DaemonError } from '../system/daemon-error.js';
import { type BirdReply, BirdReplyParser, isErrorCode } from './bird-reply.js';
import {
  type BirdProtocol,
  type BirdProtocolDetail,
  type OspfNeighbor,
  parseOspfNeighbors,
  parseProtocols,
  parseProtocolsAll,
  parseRouteCount,
  type RouteCount,
} from './bird-status.js';

/** Options of {@link BirdControl.connect}. */
export interface BirdControlOptions {
  /** Bound on connecting and on each command's reply (default 5 s). */
  readonly timeoutMs?: number;
}

/** A command BIRD answered with an error code (8xxx/9xxx). */
export class BirdCommandError extends DaemonError {
  readonly replyCode: number;
  constructor(command: string, reply: BirdReply) {
    super('BIRD_COMMAND_FAILED', 'bird', `"${command}" failed with ${reply.code}`, {
      output: reply.lines.map((l) => l.text).join('\n'),
      hint: 'check the command arguments (protocol names) and that BIRD runs the expected config',
    });
    this.replyCode = reply.code;
  }
}

const NAME = /^[A-Za-z_][\w.-]*$/;

/** One connection to BIRD's control socket; commands are sent one at a time. */
export class BirdControl {
  readonly #socket: Socket;
  readonly #timeoutMs: number;
  readonly #parser = new BirdReplyParser();
  #waiting: ((r: BirdReply | Error) => void) | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closedError: Error | undefined;

  private constructor(socket: Socket, timeoutMs: number) {
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      for (const reply of this.#parser.push(chunk)) this.#deliver(reply);
    });
    const fail = (e: Error) => {
      this.#closedError ??= e;
      this.#deliver(e);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new DaemonError('BIRD_SOCKET_CLOSED', 'bird', 'control socket closed')));
  }

  /**
   * Connect to `socketPath` and wait for BIRD's greeting (`0001 BIRD x.y.z ready.`).
   * Equivalent to: `birdc -s SOCKET`.
   */
  static async connect(socketPath: string, options: BirdControlOptions = {}): Promise<BirdControl> {
    const timeoutMs = options.timeoutMs ?? 5000;
    const socket = connect(socketPath);
    const control = new BirdControl(socket, timeoutMs);
    try {
      const greeting = await control.#next('(greeting)');
      if (greeting.code !== 1) {
        throw new DaemonError('BIRD_PROTOCOL', 'bird', `unexpected greeting code ${greeting.code}`);
      }
      return control;
    } catch (cause) {
      socket.destroy();
      throw new DaemonError('BIRD_CONNECT_FAILED', 'bird', `cannot talk to BIRD on ${socketPath}`, {
        cause,
        hint: 'is BIRD running with this control socket (bird -s SOCKET)?',
      });
    }
  }

  #deliver(reply: BirdReply | Error): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.(reply);
  }

  #next(command: string): Promise<BirdReply> {
    return new Promise((resolve, reject) => {
      if (this.#closedError) {
        reject(this.#closedError);
        return;
      }
      const timer = setTimeout(() => {
        this.#waiting = undefined;
        // A late reply would desynchronise the stream: drop the connection.
        this.#socket.destroy();
        reject(new DaemonError('BIRD_TIMEOUT', 'bird', `no reply to "${command}" in ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      this.#waiting = (r) => {
        clearTimeout(timer);
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
    });
  }

  /** Send one CLI command and return its raw reply; an 8xxx/9xxx reply throws {@link BirdCommandError}. */
  request(command: string): Promise<BirdReply> {
    if (/[\r\n]/.test(command)) {
      return Promise.reject(new DaemonError('BIRD_BAD_COMMAND', 'bird', 'command must be one line'));
    }
    const run = async () => {
      const pending = this.#next(command);
      this.#socket.write(`${command}\n`);
      const reply = await pending;
      if (isErrorCode(reply.code)) throw new BirdCommandError(command, reply);
      return reply;
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** Equivalent to: `birdc show protocols`. */
  async protocols(): Promise<BirdProtocol[]> {
    return parseProtocols(await this.request('show protocols'));
  }

  /** Protocols with their channels and route counts. Equivalent to: `birdc show protocols all`. */
  async protocolsAll(): Promise<BirdProtocolDetail[]> {
    return parseProtocolsAll(await this.request('show protocols all'));
  }

  /** Equivalent to: `birdc show ospf neighbors [PROTOCOL]`. */
  async ospfNeighbors(protocol?: string): Promise<OspfNeighbor[]> {
    if (protocol !== undefined && !NAME.test(protocol)) {
      throw new DaemonError('BIRD_BAD_COMMAND', 'bird', `invalid protocol name ${JSON.stringify(protocol)}`, {
        hint: 'protocol names are BIRD identifiers such as ospf6',
      });
    }
    return parseOspfNeighbors(await this.request(`show ospf neighbors${protocol ? ` ${protocol}` : ''}`));
  }

  /** Routes per table. Equivalent to: `birdc show route count`. */
  async routeCount(): Promise<RouteCount[]> {
    return parseRouteCount(await this.request('show route count'));
  }

  /**
   * Reload the config file BIRD was started with; resolves to BIRD's message
   * (`Reconfigured`, `Reconfiguration in progress`, ...). Equivalent to: `birdc configure`.
   */
  async configure(): Promise<string> {
    const reply = await this.request('configure');
    return reply.lines.at(-1)?.text ?? '';
  }

  /** Close the connection. */
  close(): void {
    this.#socket.end();
    this.#socket.destroy();
  }
}

/** Connect, run `fn`, close. */
export async function withBirdControl<T>(
  socketPath: string,
  fn: (control: BirdControl) => Promise<T>,
  options: BirdControlOptions = {},
): Promise<T> {
  const control = await BirdControl.connect(socketPath, options);
  try {
    return await fn(control);
  } finally {
    control.close();
  }
}

/** Everything the metrics want from BIRD in one connection. */
export interface BirdStatusSnapshot {
  readonly protocols: BirdProtocolDetail[];
  readonly neighbors: OspfNeighbor[];
  readonly routes: RouteCount[];
}

/**
 * Protocols (with channels), OSPF neighbours and route counts, read over one
 * connection. Equivalent to: `birdc show protocols all; show ospf neighbors; show route count`.
 * Without OSPF protocols BIRD refuses `show ospf neighbors`; that yields no neighbours.
 */
export function readBirdStatus(
  socketPath: string,
  options: BirdControlOptions = {},
): Promise<BirdStatusSnapshot> {
  return withBirdControl(
    socketPath,
    async (c) => {
      const protocols = await c.protocolsAll();
      const hasOspf = protocols.some((p) => p.proto === 'OSPF');
      const neighbors = hasOspf ? await c.ospfNeighbors() : [];
      return { protocols, neighbors, routes: await c.routeCount() };
    },
    options,
  );
}
