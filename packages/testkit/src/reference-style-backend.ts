/**
 * The reference charm's way of reading WireGuard state, for benchmarks only:
 * per interface `wg showconf IF`, `wg pubkey` fed the private key, and
 * `ip -j link show IF` (three processes per interface per reconcile).
 * It observes; it cannot apply.
 * @module
 */
import { execFile } from 'node:child_process';
import {
  type BackendCapabilities,
  BaseBackend,
  canonicalCidr,
  type InterfaceChange,
  isManaged,
  type ObservedInterface,
  WgGatewayError,
} from '@wg-gateway/core';

const run = (argv: readonly string[], input?: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    const child = execFile(file as string, args, { maxBuffer: 16 * 1024 * 1024 }, (e, stdout) =>
      e ? reject(new Error(`${argv.join(' ')} failed`)) : resolve(String(stdout)),
    );
    // A command that does not read its stdin may close it first: ignore EPIPE.
    child.stdin?.on('error', () => undefined);
    if (input === undefined) child.stdin?.end();
    else child.stdin?.end(input);
  });

const field = (text: string, key: string): string | undefined =>
  new RegExp(`^${key}\\s*=\\s*(.+)$`, 'mi').exec(text)?.[1]?.trim();

/**
 * Observe like the reference: one `wg show interfaces`, then for each
 * interface, one after the other, `wg showconf`, `wg pubkey`, `ip -j link show`.
 * Addresses are not read back (the reference does not); they are reported empty.
 */
export class ReferenceStyleBackend extends BaseBackend {
  readonly name = 'reference-style';
  readonly capabilities: BackendCapabilities = {
    kernel: true,
    userspace: true,
    livePeerUpdate: false,
    facts: false,
    programs: [
      { program: 'wg', debianPackage: 'wireguard-tools', why: 'wg showconf' },
      { program: 'ip', debianPackage: 'iproute2', why: 'ip link show' },
    ],
  };

  protected async observeInterfaces(): Promise<readonly ObservedInterface[]> {
    const names = (await run(['wg', 'show', 'interfaces'])).split(/\s+/).filter(Boolean);
    const out: ObservedInterface[] = [];
    for (const name of names) {
      const conf = await run(['wg', 'showconf', name]);
      const privateKey = field(conf, 'PrivateKey') ?? '';
      const publicKey = (await run(['wg', 'pubkey'], privateKey)).trim();
      const link = (
        JSON.parse(await run(['ip', '-j', 'link', 'show', name])) as {
          mtu: number;
          flags: string[];
          ifalias?: string;
        }[]
      )[0];
      if (!link || !isManaged(name, link.ifalias)) continue;
      const peer = conf.split(/^\[Peer\]/m)[1] ?? '';
      const endpoint = field(peer, 'Endpoint');
      out.push({
        name,
        listenPort: Number(field(conf, 'ListenPort') ?? 0),
        publicKey,
        mtu: link.mtu,
        addresses: [],
        up: link.flags.includes('UP'),
        peers: peer
          ? [
              {
                publicKey: field(peer, 'PublicKey') ?? '',
                ...(endpoint === undefined ? {} : { endpoint }),
                allowedIps: (field(peer, 'AllowedIPs') ?? '')
                  .split(',')
                  .map((s) => s.trim())
                  .filter(Boolean)
                  .map(canonicalCidr)
                  .sort(),
                persistentKeepalive: Number(field(peer, 'PersistentKeepalive') ?? 0),
                rxBytes: 0,
                txBytes: 0,
              },
            ]
          : [],
      });
    }
    return out;
  }

  /** Every change fails: this class only measures the reference's observe. */
  protected async applyChange(change: InterfaceChange): Promise<void> {
    throw new WgGatewayError(
      'NOT_SUPPORTED',
      `[testkit] [reference-style] cannot ${change.action} ${change.name}`,
      {
        hint: 'use it to benchmark observe only',
      },
    );
  }
}
