/**
 * The daemons whose configs the gateway renders, as a list: each entry is a
 * renderer from the desired system plus the configurator that checks,
 * installs and reloads its text, under a stage name that keys the report
 * and the plan. BIRD and Keepalived are two such entries; adding a daemon
 * (an nftables rule set, FRR) is adding one entry.
 * @module
 */

import { birdIncludeFragment } from './bird-fragment.js';
import { InvalidDaemonListError } from './daemon-list-error.js';
import type { DesiredSystem } from './desired.js';
import type { DaemonConfigurator } from './gateway-ports.js';
import { GATEWAY_STAGES } from './gateway-report.js';
import { renderBirdConfig } from './render/bird.js';
import { renderKeepalivedConfig } from './render/keepalived.js';

/**
 * When a daemon is configured in a reconcile: after the WireGuard apply
 * (routing daemons need the interfaces) or before it (a firewall opens a new
 * tunnel's port before its first handshake).
 */
export type DaemonOrder = 'before-apply' | 'after-apply';

/** One daemon the gateway configures. */
export interface DaemonSpec {
  /** Stage name in timings and failures, and key of `report.daemons` and `plan.daemons` (`bird`). */
  readonly stage: string;
  /** The config text for `desired`; undefined means the daemon is not wanted (Keepalived without VIPs). */
  render(desired: DesiredSystem): string | undefined;
  /** Checks, installs and reloads what {@link render} returns. */
  readonly configurator: DaemonConfigurator;
  /** Default `after-apply`; daemons of one order run in list order. */
  readonly order?: DaemonOrder;
}

/** Options of {@link birdDaemon}. */
export interface BirdDaemonOptions {
  /**
   * Render only our fragment for a hand-written bird.conf that includes it
   * (see {@link birdIncludeFragment}): no router id, device or kernel protocol.
   */
  readonly include?: boolean;
}

/** BIRD as a {@link DaemonSpec}: stage `bird`, rendered by `renderBirdConfig`. */
export function birdDaemon(configurator: DaemonConfigurator, options: BirdDaemonOptions = {}): DaemonSpec {
  return {
    stage: 'bird',
    configurator,
    render: (desired) => {
      const text = renderBirdConfig(desired.bird);
      return options.include ? birdIncludeFragment(text) : text;
    },
  };
}

/** Keepalived as a {@link DaemonSpec}: stage `keepalived`, not wanted without VIPs. */
export function keepalivedDaemon(configurator: DaemonConfigurator): DaemonSpec {
  return {
    stage: 'keepalived',
    configurator,
    render: (desired) => (desired.keepalived ? renderKeepalivedConfig(desired.keepalived) : undefined),
  };
}

/**
 * Check a daemon list: stage names are unique, lower-case words, and not
 * one of the gateway's own stages. Throws {@link InvalidDaemonListError}.
 */
export function checkDaemonList(daemons: readonly DaemonSpec[]): void {
  const seen = new Set<string>();
  for (const [i, d] of daemons.entries()) {
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(d.stage)) {
      throw new InvalidDaemonListError(i, d.stage, 'must be a lower-case word of at most 32 characters');
    }
    if ((GATEWAY_STAGES as readonly string[]).includes(d.stage)) {
      throw new InvalidDaemonListError(i, d.stage, "is one of the gateway's own stages");
    }
    if (seen.has(d.stage)) throw new InvalidDaemonListError(i, d.stage, 'is used twice');
    seen.add(d.stage);
  }
}
