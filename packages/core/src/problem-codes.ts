/**
 * Every problem and error code wg-gateway raises, with its cause and what to
 * do: the single source of docs/problem-codes.md (written by
 * `scripts/gen-problem-codes.mjs`). A test scans the sources of every
 * package and fails when a code is raised that is not listed here, when an
 * entry is no longer raised, or when the generated page is stale.
 * @module
 */

/** Where a code shows up. */
export type ProblemCodeKind =
  /** A {@link Problem} in a reconcile/plan report: the gateway went on with the rest. */
  | 'problem'
  /** A thrown {@link WgGatewayError} (also a failed stage's `error.code`). */
  | 'error';

/** One documented code. */
export interface ProblemCodeInfo {
  readonly kind: ProblemCodeKind;
  /** The packages that raise it. */
  readonly raisedBy: readonly string[];
  /** What happened. */
  readonly cause: string;
  /** What the operator does about it. */
  readonly action: string;
}

const p = (raisedBy: string[], cause: string, action: string): ProblemCodeInfo => ({
  kind: 'problem',
  raisedBy,
  cause,
  action,
});
const e = (raisedBy: string[], cause: string, action: string): ProblemCodeInfo => ({
  kind: 'error',
  raisedBy,
  cause,
  action,
});

/** Every code, by name. */
export const PROBLEM_CODES: Readonly<Record<string, ProblemCodeInfo>> = {
  // Reconcile problems: one peering or remote unit is held back, the rest goes on.
  PEER_DATA_INVALID: p(
    ['core'],
    'A remote unit published peer data that does not decode (bad field, oversized, wrong type); the issues name the field.',
    "Fix or upgrade the remote unit so it republishes valid data. Only that peering (or unit) is held back; its last good data is kept if there was any. An invalid `ospf-timers` alone holds nothing back: it is ignored and that unit's links run the reference's OSPF hello 5 / dead 30.",
  ),
  ENDPOINT_NAME_UNRESOLVED: p(
    ['core'],
    "A remote unit's `ingress-address` is a host name that has not resolved to any address yet (no such name, DNS unreachable or timing out, no resolver).",
    'Check the name (`getent ahosts NAME` on this unit, or the servers in `runtime.resolver`). Its links have no endpoint meanwhile: the initiator side cannot reach the unit, only answer it. Publishing an IP instead avoids DNS altogether.',
  ),
  ENDPOINT_NAME_HELD: p(
    ['core'],
    "Resolving a remote unit's ingress host name failed; the last good address is kept (a DNS outage is not a departure).",
    'Check DNS from this unit. Nothing breaks while the peer keeps its address; if it moved, its links stay down until the name resolves again.',
  ),
  GROUP_DATA_INVALID: p(
    ['core'],
    'A unit of our own group published invalid group data (e.g. its tunnel MTU).',
    "Fix that unit's config and let it reconcile; the invalid value is ignored meanwhile.",
  ),
  IMPORT_REFUSED: p(
    ['core'],
    'A peer advertised a prefix the import policy refuses (outside `import.allow`, or overlapping one of ours); the issue names the prefix.',
    "If the prefix is legitimate, allow it under the peering's `import.allow`; otherwise ask the remote side to stop advertising it. Its other prefixes are still imported.",
  ),
  LINK_ROUTING_DOWN: p(
    ['cli'],
    '`status`: an open link has no Full OSPF adjacency for both address families (BFD declared the path dead, or OSPF is stuck).',
    'Its flows use the other tunnels meanwhile. Check the tunnel (handshake age, `wg show`), the path between the units, and `birdc show ospf neighbors` / `show bfd sessions`; see docs/troubleshooting.md.',
  ),
  MTU_TOO_SMALL: p(
    ['core'],
    "A peering's tunnel MTU is below IPv6's minimum (1280); OSPFv3 cannot run over it.",
    'Raise `mtu` (or the underlay MTU) on both sides; see docs/troubleshooting.md#mtu.',
  ),
  KEY_MISSING: p(
    ['core'],
    'A link in the state has no key record, so its interface cannot be configured.',
    'Restore the state file from its `.prev` copy or a backup (docs/backup-restore.md); otherwise the link is re-created when its peering is removed and added again.',
  ),
  ROUTER_ID_UNKNOWN: p(
    ['core'],
    'No IPv4 address was found to use as the OSPF router id (an IPv6-only ingress).',
    'Set `router-id` in the config.',
  ),
  VIP_INTERFACE_UNKNOWN: p(
    ['core'],
    'No local interface holds or routes to the configured VIPs, so Keepalived is not configured.',
    'Add an address in the VIP subnet to the LAN interface, or fix `vips`.',
  ),
  PUBLISH_SKIPPED: p(
    ['core'],
    "The exchange is unreachable, so this unit's data was not published this round (apply went on with the data held).",
    'Bring the exchange back (see EXCHANGE_UNREACHABLE); the next reconcile publishes again.',
  ),
  ROUTE_RELEASE_FAILED: p(
    ['core'],
    "A link interface was deleted while a kernel route still used it: Linux then drops the whole IPv4 multipath route until BIRD installs it again (a short loss on the peering's other tunnels).",
    "Check that `ip` runs in the unit's namespace and the unit has CAP_NET_ADMIN; the message names the failed `ip route` edit.",
  ),
  REMOTE_DATA_HELD: p(
    ['core'],
    "A remote unit's entry is invalid or missing, so its last good data is kept (see `wg_gateway_remote_data_held`).",
    'Look at the remote unit: is it running, can it reach the exchange, is its data valid? Nothing changes locally until `remote-grace-seconds` runs out.',
  ),
  REMOTE_UNIT_DEPARTED: p(
    ['core'],
    'A remote unit has been missing from a reachable exchange for longer than `remote-grace-seconds`; its links are closed.',
    'Expected after decommissioning a unit. Otherwise restart the remote gateway or restore its exchange lease; links reopen when it publishes again.',
  ),
  EXCHANGE_UNREACHABLE: p(
    ['core', 'runtime'],
    "The exchange (etcd, the exchange directory) could not be read at all; every remote unit's last good data is kept.",
    'Bring etcd back or fix the network/TLS/credentials to it (`wg_gateway_exchange_up`); tunnels keep running meanwhile. See docs/failure-modes.md.',
  ),
  APPLY_FAILED: p(
    ['core'],
    'Applying one interface change failed; the report names the interface.',
    'Read the error under it (backend code and stderr); the next reconcile retries the change.',
  ),
  PLAN_FAILED: p(
    ['cli'],
    '`wg-gateway status` could not compute the plan (config, state or exchange error).',
    'Run `wg-gateway plan` to see the full error and its hint.',
  ),

  // Configuration and state.
  CONFIG_INVALID: e(
    ['core', 'runtime'],
    'The config file or group config is invalid; every bad field is listed.',
    'Fix the fields named in the message; nothing was changed. `wg-gateway plan` checks a config without applying it.',
  ),
  PEERING_UNKNOWN: e(
    ['runtime', 'cli'],
    '`keys rotate --peering ID` (or `rotateKeys()`) named a peering the config does not have.',
    'Name one of the configured `peerings[].id` (listed in the hint), or leave `--peering` out to rotate every peering.',
  ),
  CONFIG_UNREADABLE: e(
    ['runtime'],
    'The config file cannot be read (missing, permissions).',
    'Check the path given to `--config` and its permissions.',
  ),
  STATE_INVALID: e(
    ['core', 'runtime'],
    'The state file cannot be decoded (corrupt, or a version this release does not know).',
    'Restore `state.json.prev` or a backup (docs/backup-restore.md); a state from a newer release needs that release (docs/upgrading.md).',
  ),
  STATE_LOCKED: e(
    ['runtime'],
    "Another process holds the state file's lock (another `wg-gateway apply`/`run` on this unit).",
    'Stop the other process, or remove the lock file if the pid it names is not wg-gateway.',
  ),
  PORT_EXHAUSTED: e(
    ['core'],
    'No free UDP port of the needed parity is left in `port-range`.',
    'Widen `port-range` (and the firewall), lower `tunnels`, or wait for closed links to leave quarantine.',
  ),
  INVALID_DAEMON_LIST: e(
    ['core'],
    'The daemon list passed to the gateway is malformed (unknown or repeated stage).',
    'Fix the code that builds the daemon list (SDK users); the CLI never builds a bad one.',
  ),
  RENDER_INVALID: e(
    ['core'],
    'A value that goes into a rendered file (BIRD, Keepalived, wg-quick) is unsafe (quotes, newlines).',
    'Fix the config field named in the message.',
  ),
  PREFLIGHT_FAILED: e(
    ['runtime'],
    'A prerequisite is missing (program, root, kernel feature) before anything was changed.',
    'Install or enable what the message names (docs/site-to-site.md lists the packages).',
  ),
  DECOMMISSION_UNSUPPORTED: e(
    ['cli'],
    '`wg-gateway decommission`: the configured exchange has no `withdraw()` (a custom exchange).',
    'Withdraw by hand as docs/decommissioning.md shows, then delete the interfaces.',
  ),
  INIT_FAILED: e(
    ['cli'],
    '`wg-gateway init` could not write the sample config (the file exists, or the path is not writable).',
    'Pass `--force` to overwrite, or `--config OTHER_FILE`.',
  ),
  USAGE: e(
    ['cli'],
    'The command line is wrong (unknown option, option not allowed with this command).',
    'See `wg-gateway <command> --help`.',
  ),
  UNEXPECTED: e(
    ['core', 'cli'],
    'An error that is not a wg-gateway error (a bug or an unexpected system failure).',
    'Report it with the message and the log lines around it.',
  ),
  FORWARDING_FAILED: e(
    ['runtime'],
    'IP forwarding could not be switched on.',
    'Run as root, or set the sysctl named in the message in /etc/sysctl.d/.',
  ),
  MULTIPATH_HASH_FAILED: e(
    ['runtime'],
    'The multipath hash policy sysctl (`net.ipv4/ipv6.fib_multipath_hash_policy`) could not be set.',
    'Run as root on a kernel that knows the policy, or set `runtime.host.multipath-hash-policy` to another value or `off` (docs/tuning.md).',
  ),
  MSS_CLAMP_CONFIG_INVALID: e(
    ['runtime'],
    'The rendered MSS-clamping rule set was refused by `nft -c`.',
    'The previous table stays loaded; check that nftables is installed and the kernel has nf_tables, or set `runtime.host.mss-clamping: off`.',
  ),
  MSS_CLAMP_LOAD_FAILED: e(
    ['runtime'],
    '`nft -f` could not load the MSS-clamping table.',
    'Run as root with nftables installed; `nft list table inet wg_gateway_mss` shows what is loaded. Or set `runtime.host.mss-clamping: off`.',
  ),
  MSS_CLAMP_DELETE_FAILED: e(
    ['runtime'],
    'The MSS-clamping table could not be removed (`mss-clamping: off`).',
    'Remove it by hand: `nft delete table inet wg_gateway_mss`.',
  ),

  // Exchange.
  EXCHANGE_FAILED: e(
    ['runtime'],
    'An exchange operation other than a read failed (publish, withdraw, watch).',
    "Check etcd health and that the credentials may write this unit's keys (docs/site-to-site.md#etcd).",
  ),
  ETCD_CREDENTIALS_UNREADABLE: e(
    ['runtime'],
    'A TLS certificate, key, CA or password file named under `runtime.exchange.etcd` cannot be read.',
    'Fix the path or permissions (0600, readable by root).',
  ),

  // Backends.
  BACKEND_FAILED: e(
    ['core', 'backend-wgquick'],
    'The WireGuard backend failed an operation.',
    'Read the message and hint; `wg-gateway status` shows what is present.',
  ),
  BACKEND_COMMAND_FAILED: e(
    ['backend-wgquick'],
    'A command of the wgquick backend (`wg`, `wg-quick`, `ip`) exited non-zero; its stderr is in the message.',
    'Run the command by hand to see more.',
  ),
  BACKEND_PORT_TAKEN: e(
    ['backend-wgquick'],
    "A link's UDP listen port is used by another program.",
    'Free the port or move `port-range` away from it.',
  ),
  BACKEND_NOT_OURS: e(
    ['backend-wgquick'],
    'An interface or config file with a gateway name exists but was not written by wg-gateway; it is left alone.',
    'Remove or rename it by hand if it is stale.',
  ),
  BACKEND_CONFIG_MISSING: e(
    ['backend-wgquick'],
    'The wg-quick config file of an existing link interface is missing, so it cannot be updated.',
    'Delete the interface (`ip link del dev wgNNNNN`); the next apply recreates it.',
  ),
  BACKEND_NETLINK: e(
    ['backend-netlink'],
    'A netlink or WireGuard-UAPI request of the netlink backend failed (errno in the message).',
    'Check the errno; EPERM: run as root; ENODEV: the interface vanished, the next reconcile re-creates it.',
  ),
  BACKEND_CLOSED: e(['core'], 'A backend was used after `close()`.', 'A bug in the caller (SDK users).'),
  BACKEND_NOT_SUPPORTED: e(
    ['core'],
    'The backend does not support the requested operation.',
    'Pick a backend that does (docs/backends.md).',
  ),
  BACKEND_UNKNOWN: e(
    ['runtime'],
    '`backend` names no registered backend.',
    'Use `wgquick`, `netlink` or `dry-run`, or register yours (docs/backends.md).',
  ),
  BACKEND_NAME_INVALID: e(
    ['runtime'],
    'A backend registry entry has an invalid name.',
    'Fix the registration (SDK users).',
  ),
  BACKEND_NOT_INSTALLED: e(
    ['runtime'],
    "The backend's package is not installed.",
    'Install the package the message names.',
  ),
  BACKEND_FACTORY_MISSING: e(
    ['testkit'],
    'A remote (wire) backend module exports no factory.',
    'Export the factory the testkit docs describe.',
  ),
  NOT_SUPPORTED: e(['testkit'], 'The reference-style test backend does not do this.', 'Only in tests.'),
  DRY_RUN: e(
    ['runtime'],
    'A read-only (dry-run) gateway was asked to write or reload a daemon config.',
    'Use a backend that touches the host (wgquick, netlink) to apply.',
  ),
  DAEMON_CONFIG_UNREADABLE: e(
    ['runtime'],
    'An installed BIRD/Keepalived config cannot be read.',
    'Check the path and permissions in `runtime.bird`/`runtime.keepalived`.',
  ),

  // BIRD.
  BIRD_START_FAILED: e(
    ['runtime'],
    'BIRD did not start.',
    'Run `bird -p -c <config>` to see why; check the socket path is free.',
  ),
  BIRD_STOP_FAILED: e(['runtime'], 'BIRD did not stop in time.', 'Kill the pid named in the message.'),
  BIRD_RELOAD_FAILED: e(
    ['runtime'],
    'BIRD did not accept `configure`.',
    'The running BIRD keeps its previous config; run `birdc configure check` to see why.',
  ),
  BIRD_CONFIG_INVALID: e(
    ['runtime'],
    'The rendered BIRD config was refused by `bird -p`.',
    'BIRD keeps its previous config; fix the input that produced it (a bug if the config is valid).',
  ),
  BIRD_MAIN_CONFIG_MISSING: e(
    ['runtime'],
    'Include mode: the main BIRD config does not exist.',
    'Write it (include mode never creates it) or switch BIRD to full mode.',
  ),
  BIRD_NOT_INCLUDED: e(
    ['runtime'],
    "Include mode: the main BIRD config does not include the gateway's fragment.",
    'Add the include line named in the message (docs/daemons.md).',
  ),
  BIRD_SYSTEMD_FAILED: e(
    ['runtime'],
    'systemd mode: `systemctl` on the BIRD unit failed.',
    'See `journalctl -u <unit>`.',
  ),
  BIRD_CONNECT_FAILED: e(
    ['runtime'],
    "Cannot connect to BIRD's control socket.",
    'Is BIRD running? Check `runtime.bird.socket` and its permissions.',
  ),
  BIRD_COMMAND_FAILED: e(
    ['runtime'],
    'BIRD answered a control command with an error.',
    'Run the command in `birdc` to see more.',
  ),
  BIRD_SOCKET_CLOSED: e(
    ['runtime'],
    'BIRD closed its control socket mid-command (restarted or crashed).',
    "Check BIRD's log; the supervisor restarts it in process mode.",
  ),
  BIRD_PROTOCOL: e(
    ['runtime'],
    "BIRD's control socket spoke something unexpected.",
    "Check that the socket is BIRD 2's.",
  ),
  BIRD_TIMEOUT: e(
    ['runtime'],
    'BIRD did not answer a control command in time.',
    "Check BIRD's load and log.",
  ),
  BIRD_BAD_COMMAND: e(
    ['runtime'],
    'A control command or protocol name was refused before sending (not one line, bad name).',
    'A bug in the caller.',
  ),

  // Keepalived.
  KEEPALIVED_START_FAILED: e(
    ['runtime'],
    'Keepalived did not start.',
    'Run `keepalived -t -f <config>` and read its log.',
  ),
  KEEPALIVED_STOP_FAILED: e(
    ['runtime'],
    'Keepalived did not stop in time.',
    'Kill the pid named in the message.',
  ),
  KEEPALIVED_RELOAD_FAILED: e(
    ['runtime'],
    'Keepalived did not reload its config.',
    'Read its log; it keeps the previous config.',
  ),
  KEEPALIVED_CONFIG_INVALID: e(
    ['runtime'],
    'The rendered Keepalived config was refused by `keepalived -t`.',
    'Keepalived keeps its previous config; fix the VIP/priority fields that produced it.',
  ),
  KEEPALIVED_MAIN_CONFIG_MISSING: e(
    ['runtime'],
    'Include mode: the main Keepalived config does not exist.',
    'Write it or switch Keepalived to full mode.',
  ),
  KEEPALIVED_NOT_INCLUDED: e(
    ['runtime'],
    "Include mode: the main Keepalived config does not include the gateway's fragment.",
    'Add the include line named in the message (docs/daemons.md).',
  ),
  KEEPALIVED_SYSTEMD_FAILED: e(
    ['runtime'],
    'systemd mode: `systemctl` on the Keepalived unit failed.',
    'See `journalctl -u <unit>`.',
  ),
  KEEPALIVED_BAD_PATH: e(
    ['runtime'],
    'A VRRP state path has blanks or quotes (Keepalived cannot quote them).',
    'Use a state directory path without blanks or quotes.',
  ),

  // Lab and testkit.
  LAB_ERROR: e(
    ['lab'],
    'The lab could not build or check its topology.',
    'Read the part named in the message; `wg-gateway-lab down` cleans up.',
  ),
  LAB_MISSING: e(
    ['cli'],
    '`wg-gateway lab` found no lab package.',
    'Install `@wg-gateway/lab` next to `@wg-gateway/cli`, or run scripts/install.sh in a checkout.',
  ),
  SUITE_PREREQUISITES: e(
    ['testkit'],
    'A testkit suite is missing a prerequisite (root, a program).',
    'Install what the message names, or run where it exists.',
  ),
  ERROR: e(['testkit'], 'A remote (wire) backend threw an error that carried no code.', 'Only in tests.'),
};

/** The entry for `code`, if it is documented. */
export function problemCodeInfo(code: string): ProblemCodeInfo | undefined {
  return Object.hasOwn(PROBLEM_CODES, code) ? PROBLEM_CODES[code] : undefined;
}

const cell = (s: string) => s.replaceAll('|', '\\|');

/** docs/problem-codes.md, as `scripts/gen-problem-codes.mjs` writes it. */
export function renderProblemCodeReference(): string {
  const lines = [
    '# Problem and error codes',
    '',
    '<!-- Generated by scripts/gen-problem-codes.mjs from packages/core/src/problem-codes.ts: do not edit. -->',
    '',
    'Every code wg-gateway reports. **problem**: listed under `problems` in a',
    'report, `wg-gateway plan`/`status` and the `wg_gateway_problems{code}` metric; the',
    'gateway went on with everything else. **error**: thrown (the CLI prints it',
    'with a hint and exits non-zero; a failed reconcile stage carries it as',
    '`error.code`).',
    '',
    '| Code | Kind | Raised by | Cause | What to do |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const code of Object.keys(PROBLEM_CODES).sort()) {
    const i = PROBLEM_CODES[code] as ProblemCodeInfo;
    lines.push(
      `| \`${code}\` | ${i.kind} | ${i.raisedBy.join(', ')} | ${cell(i.cause)} | ${cell(i.action)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
