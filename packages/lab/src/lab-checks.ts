/**
 * Waiting for a lab to converge, and pings between site clients.
 * @module
 */
import type { Lab } from './lab.js';
import { formatStatus, isConverged, labStatus, type UnitStatus, vipHolders } from './lab-status.js';
import { waitFor } from './wait.js';

/** Options of {@link waitConverged}. */
export interface ConvergeOptions {
  /** Give up after this long (default 90 s). */
  readonly timeoutMs?: number;
  /** Units to leave out (stopped on purpose). */
  readonly except?: readonly string[];
  /** Progress lines (every few seconds). */
  readonly onProgress?: (line: string) => void;
  /** Poll interval (default 1 s; a timing measurement polls faster). */
  readonly intervalMs?: number;
}

/**
 * Wait until every unit has its expected links handshaked and every remote
 * prefix as a BIRD route with full ECMP, and every VIP is held by exactly
 * one unit. Resolves to the last status and
 * whether it converged.
 */
export async function waitConverged(
  lab: Lab,
  options: ConvergeOptions = {},
): Promise<{ converged: boolean; status: UnitStatus[]; ms: number }> {
  const start = Date.now();
  let status: UnitStatus[] = [];
  let lastSaid = 0;
  const converged = await waitFor(
    async () => {
      status = (await labStatus(lab)).filter((s) => !options.except?.includes(s.unit));
      const done = status.filter(isConverged).length;
      // Every VIP held by exactly one (running) unit: VRRP elected its masters.
      let vips = 0;
      let held = 0;
      for (const site of lab.plan.sites) {
        for (const units of (await vipHolders(lab, site, options.except)).values()) {
          vips += 1;
          if (units.length === 1) held += 1;
        }
      }
      if (options.onProgress && Date.now() - lastSaid >= 3000) {
        lastSaid = Date.now();
        const links = status.reduce((n, s) => n + s.interfaces.filter((i) => i.handshake > 0).length, 0);
        const want = status.reduce((n, s) => n + s.expectedInterfaces, 0);
        options.onProgress(
          `  ${((Date.now() - start) / 1000).toFixed(0)}s: ${done}/${status.length} units converged, ${links}/${want} tunnels handshaked, ${held}/${vips} VIPs held`,
        );
      }
      return done === status.length && held === vips;
    },
    { timeoutMs: options.timeoutMs ?? 90_000, intervalMs: options.intervalMs ?? 1000 },
  );
  return { converged, status, ms: Date.now() - start };
}

/**
 * Wait until BIRD's own routes carry every remote prefix with full ECMP on
 * every unit, no early route standing in (the hand-over after a link came
 * up; see the runtime's early routes). A failover measurement starts from
 * here: BIRD's routes list the next hops in another order than the early
 * ones, so the hand-over can move a flow to another tunnel.
 */
export function waitSettled(
  lab: Lab,
  options: { readonly timeoutMs?: number; readonly except?: readonly string[] } = {},
): Promise<boolean> {
  return waitFor(
    async () =>
      (await labStatus(lab))
        .filter((s) => !options.except?.includes(s.unit))
        .every((u) => u.missing.length === 0 && u.routes.every((r) => r.source === 'bird')),
    { timeoutMs: options.timeoutMs ?? 30_000, intervalMs: 250 },
  );
}

/** One ping from site `from`'s client to `address`. Equivalent to: `ping -c 1 -W 1 ADDRESS`. */
export async function pingOnce(
  lab: Lab,
  from: string,
  address: string,
  timeoutSeconds = 1,
): Promise<boolean> {
  const r = await lab
    .ns(`${from}-cl`)
    .tryExec(
      ['ping', '-n', '-q', '-c', '1', '-W', String(timeoutSeconds), address],
      (timeoutSeconds + 5) * 1000,
    );
  return r.ok;
}

/** Ping until one answer arrives or `timeoutMs` passes. */
export function waitPing(lab: Lab, from: string, address: string, timeoutMs = 30_000): Promise<boolean> {
  return waitFor(() => pingOnce(lab, from, address), { timeoutMs, intervalMs: 200 });
}

/** The client addresses (without length) of a site. */
export function clientAddresses(lab: Lab, site: string): string[] {
  const s = lab.plan.sites.find((x) => x.name === site);
  return (s?.clientAddresses ?? []).map((a) => a.split('/')[0] ?? a);
}

/** Ping every other site's client from every site's client (waiting up to `timeoutMs` per pair); one line per pair. */
export async function pingMatrix(lab: Lab, timeoutMs = 20_000): Promise<{ ok: boolean; lines: string[] }> {
  const lines: string[] = [];
  let ok = true;
  for (const a of lab.plan.sites) {
    for (const b of lab.plan.sites) {
      if (a === b) continue;
      for (const addr of clientAddresses(lab, b.name)) {
        const good = await waitPing(lab, a.name, addr, timeoutMs);
        ok &&= good;
        lines.push(`  ${a.name}-client → ${b.name}-client ${addr.padEnd(16)} ${good ? 'ok' : 'FAILED'}`);
      }
    }
  }
  return { ok, lines };
}

export { formatStatus };
