/**
 * Collapse a burst of calls into one.
 * @module
 */

/** A debounced function and its cancel. */
export interface Debounced {
  (): void;
  cancel(): void;
}

/**
 * Call `fn` once, `ms` after the first call of a burst; calls meanwhile join
 * it. (Waiting for quiet instead could starve under a steady stream.) The
 * timer does not keep the process alive.
 */
export function debounce(fn: () => void, ms: number): Debounced {
  let timer: NodeJS.Timeout | undefined;
  const call = (() => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      fn();
    }, ms);
    timer.unref();
  }) as Debounced;
  call.cancel = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  return call;
}
