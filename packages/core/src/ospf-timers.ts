/**
 * OSPF hello/dead timers per link, negotiated through peer data. Both ends of
 * a link must run the same hello and dead intervals or no adjacency forms, so
 * each unit publishes the timers it asks for (`ospf-timers`, `HELLO/DEAD` in
 * seconds) and both ends of every link compute the same pair from the two
 * published values with a symmetric rule: the slower of the two. A unit that
 * publishes none (the reference, earlier wg-gateway versions) counts as the
 * reference's hello 5 / dead 30.
 * @module
 */

/** Hello and dead interval of one OSPF interface, in seconds. */
export interface OspfTimers {
  readonly helloSeconds: number;
  readonly deadSeconds: number;
}

/** The reference's timers: what a unit that publishes none runs. */
export const REFERENCE_OSPF_TIMERS: OspfTimers = Object.freeze({ helloSeconds: 5, deadSeconds: 30 });

/** Bounds of a published or configured timer (BIRD's own: 16-bit). */
export const OSPF_TIMER_RANGE = {
  hello: { min: 1, max: 65535 },
  dead: { min: 2, max: 65535 },
} as const;

const WIRE = /^\s*(\d{1,5})\s*\/\s*(\d{1,5})\s*$/;

/**
 * Parse a published `HELLO/DEAD` value (`1/4`): integers, hello 1–65535,
 * dead greater than hello and at most 65535.
 */
export function parseOspfTimers(
  text: string,
): { ok: true; value: OspfTimers } | { ok: false; error: string } {
  const m = WIRE.exec(text);
  const hello = Number(m?.[1]);
  const dead = Number(m?.[2]);
  const { hello: h, dead: d } = OSPF_TIMER_RANGE;
  if (!m || !(hello >= h.min && hello <= h.max && dead > hello && dead <= d.max)) {
    return {
      ok: false,
      error: `must be HELLO/DEAD in seconds (e.g. 1/4): hello ${h.min}-${h.max}, dead greater than hello and at most ${d.max}`,
    };
  }
  return { ok: true, value: { helloSeconds: hello, deadSeconds: dead } };
}

/** The wire form of {@link parseOspfTimers}: `1/4`. */
export function formatOspfTimers(t: OspfTimers): string {
  return `${t.helloSeconds}/${t.deadSeconds}`;
}

/**
 * The timers a link runs, from what its two ends ask for; absent (a unit
 * that publishes none, or an invalid value) counts as
 * {@link REFERENCE_OSPF_TIMERS}. The rule is symmetric, so both ends compute
 * the same pair: the larger hello and the larger dead (still dead > hello,
 * since the larger dead is at least the dead of the side with the larger
 * hello). The slower side wins: a unit that asks for the reference's timers,
 * or has not been upgraded, keeps them on its links.
 */
export function negotiateOspfTimers(a: OspfTimers | undefined, b: OspfTimers | undefined): OspfTimers {
  const x = a ?? REFERENCE_OSPF_TIMERS;
  const y = b ?? REFERENCE_OSPF_TIMERS;
  if (x.helloSeconds >= y.helloSeconds && x.deadSeconds >= y.deadSeconds) return x;
  if (y.helloSeconds >= x.helloSeconds && y.deadSeconds >= x.deadSeconds) return y;
  return {
    helloSeconds: Math.max(x.helloSeconds, y.helloSeconds),
    deadSeconds: Math.max(x.deadSeconds, y.deadSeconds),
  };
}
