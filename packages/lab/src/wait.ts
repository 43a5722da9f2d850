/**
 * Bounded waiting: every wait in the lab has a deadline and a poll count.
 * @module
 */

/** Options of {@link waitFor}. */
export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Called after every unsuccessful poll with the elapsed time. */
  readonly onPoll?: (elapsedMs: number) => void;
}

/** Poll `check` until it returns true or the deadline passes; resolves to whether it did. */
export async function waitFor(check: () => Promise<boolean>, options: WaitOptions): Promise<boolean> {
  const start = Date.now();
  const interval = options.intervalMs ?? 500;
  const maxPolls = Math.ceil(options.timeoutMs / interval) + 1;
  for (let i = 0; i < maxPolls; i++) {
    if (await check().catch(() => false)) return true;
    const elapsed = Date.now() - start;
    if (elapsed >= options.timeoutMs) return false;
    options.onPoll?.(elapsed);
    await sleep(Math.min(interval, options.timeoutMs - elapsed));
  }
  return false;
}

/** Resolve after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
