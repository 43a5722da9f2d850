/**
 * Checks on the model values a renderer writes. Templates render with
 * `noEscape`, so a value with a quote, brace or newline could change the
 * meaning of a config file; every value is checked against what it may be.
 * @module
 */
import { parseAddress, parsePrefix } from '../prefix.js';
import { RenderError } from './render-error.js';

/** Linux interface names we write: 1–15 safe characters. */
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
/** Names of BIRD/Keepalived objects (protocols, scripts, instances, groups). */
const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Base64 of 32 bytes. */
const KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
/** `host:port`, IPv6 in brackets; host names allowed. */
const ENDPOINT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
/** An absolute path without spaces, quotes or control characters. */
const PATH = /^\/[A-Za-z0-9_./+@-]*$/;

/** Checks for one rendered file; errors name the file. */
export class Guard {
  readonly #file: string;
  /** @param file the file being rendered, for error messages. */
  constructor(file: string) {
    this.#file = file;
  }

  /** Throw a {@link RenderError} for this file. */
  fail(message: string): never {
    throw new RenderError(this.#file, message);
  }

  /** A prefix of the given family (any when absent), returned in canonical form. */
  prefix(field: string, text: string, family?: 4 | 6): string {
    const p = parsePrefix(text);
    if (!p.ok) this.fail(`${field}: ${JSON.stringify(text)} is not a prefix (${p.error})`);
    if (family !== undefined && p.value.family !== family) {
      this.fail(`${field}: ${p.value.text} is not an IPv${family} prefix`);
    }
    return p.value.text;
  }

  /** `address/length` kept as written (an interface address, not a network). */
  cidr(field: string, text: string, family?: 4 | 6): string {
    const slash = text.indexOf('/');
    const address = parseAddress(slash < 0 ? text : text.slice(0, slash));
    if (slash < 0 || !address.ok) this.fail(`${field}: ${JSON.stringify(text)} is not address/length`);
    this.prefix(field, text, family);
    return `${address.value.text}${text.slice(slash)}`;
  }

  /** An IPv4 address (a router id). */
  ipv4(field: string, text: string): string {
    const a = parseAddress(text);
    if (!a.ok || a.value.family !== 4) this.fail(`${field}: ${JSON.stringify(text)} is not an IPv4 address`);
    return a.value.text;
  }

  /** An integer in `[min, max]`. */
  int(field: string, value: number, min: number, max: number): number {
    if (!Number.isInteger(value) || value < min || value > max) {
      this.fail(`${field}: ${value} is not an integer in ${min}-${max}`);
    }
    return value;
  }

  /** A Linux interface name. */
  ifname(field: string, text: string): string {
    if (!IFNAME.test(text)) this.fail(`${field}: ${JSON.stringify(text)} is not an interface name`);
    return text;
  }

  /** A BIRD/Keepalived object name. */
  symbol(field: string, text: string): string {
    if (!SYMBOL.test(text)) this.fail(`${field}: ${JSON.stringify(text)} is not a valid name`);
    return text;
  }

  /** An absolute file path. */
  path(field: string, text: string): string {
    if (!PATH.test(text) || text.includes('/../')) {
      this.fail(`${field}: ${JSON.stringify(text)} is not an absolute path of safe characters`);
    }
    return text;
  }

  /** A public key; the value goes into the message. */
  publicKey(field: string, text: string): string {
    if (!KEY.test(text)) this.fail(`${field}: ${JSON.stringify(text)} is not a WireGuard key`);
    return text;
  }

  /** A private key; the value never goes into the message. */
  privateKey(field: string, text: string): string {
    if (!KEY.test(text)) this.fail(`${field}: not a WireGuard key (value withheld)`);
    return text;
  }

  /** A WireGuard endpoint `host:port`. */
  endpoint(field: string, text: string): string {
    const m = ENDPOINT.exec(text);
    const host = m?.[1] ?? '';
    const bad =
      !m ||
      Number(m[2]) < 1 ||
      Number(m[2]) > 65535 ||
      (host.startsWith('[') && !parseAddress(host.slice(1, -1)).ok);
    if (bad) this.fail(`${field}: ${JSON.stringify(text)} is not host:port`);
    return text;
  }
}
