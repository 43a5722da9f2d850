/**
 * The name-resolver port: how the gateway turns a peer's ingress host name
 * into addresses. Resolution is I/O, so core only sees this interface;
 * runtime supplies one built on `node:dns` (with a timeout and a bounded
 * cache), tests a fake.
 * @module
 */

/** One address a name resolved to. */
export interface ResolvedAddress {
  /** Canonical IP address text. */
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves host names to addresses (A and AAAA). */
export interface NameResolver {
  /**
   * Every address `name` has now, in the resolver's order. Rejects with an
   * error whose message says why (no such name, timeout, server failure);
   * an empty answer counts as a failure too.
   */
  lookup(name: string): Promise<readonly ResolvedAddress[]>;
}

/**
 * The address to use of a name's answers: the first of the `prefer`red
 * family, else the first of the other. The gateway prefers the family of its
 * own ingress address (its underlay speaks that family for sure) and IPv4
 * when its own ingress is a name too.
 */
export function pickAddress(answers: readonly ResolvedAddress[], prefer: 4 | 6): string | undefined {
  return (answers.find((a) => a.family === prefer) ?? answers[0])?.address;
}
