/**
 * Netlink attributes (TLV, `struct nlattr`): the few encoders and the one
 * decoder the WireGuard codec and the rtnetlink helpers need. Host byte order
 * (netlink is host-endian; every Linux target we run on is little-endian).
 * @module
 */

/** Set on the type of an attribute that holds attributes. */
export const NLA_F_NESTED = 0x8000;
/** Set on the type of an attribute whose payload is in network byte order. */
export const NLA_F_NET_BYTEORDER = 0x4000;
/** The bits of `nla_type` that are the type itself. */
export const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

const HEADER = 4;
const align4 = (n: number): number => (n + 3) & ~3;

/** One decoded attribute: its type (flags masked off), whether it was marked nested, its payload. */
export interface Attr {
  readonly type: number;
  readonly nested: boolean;
  readonly data: Buffer;
}

/** Encode one attribute: header, payload, zero padding to 4 bytes. */
export function attr(type: number, payload: Buffer): Buffer {
  const len = HEADER + payload.length;
  const out = Buffer.alloc(align4(len));
  out.writeUInt16LE(len, 0);
  out.writeUInt16LE(type, 2);
  payload.copy(out, HEADER);
  return out;
}

/** Encode a nested attribute, marked with NLA_F_NESTED (the WireGuard family's strict policy requires it). */
export function nested(type: number, children: readonly Buffer[]): Buffer {
  return attr(type | NLA_F_NESTED, Buffer.concat(children));
}

/** Encode a u8 attribute. */
export function u8Attr(type: number, value: number): Buffer {
  return attr(type, Buffer.from([value & 0xff]));
}

/** Encode a u16 attribute. */
export function u16Attr(type: number, value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(value, 0);
  return attr(type, b);
}

/** Encode a u32 attribute. */
export function u32Attr(type: number, value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0, 0);
  return attr(type, b);
}

/** Encode a NUL-terminated string attribute. */
export function strAttr(type: number, value: string): Buffer {
  return attr(type, Buffer.from(`${value}\0`, 'utf8'));
}

/**
 * Decode a run of attributes. Stops at a truncated or malformed header rather
 * than reading past the buffer.
 */
export function parseAttrs(buf: Buffer): Attr[] {
  const out: Attr[] = [];
  let off = 0;
  while (off + HEADER <= buf.length) {
    const len = buf.readUInt16LE(off);
    const rawType = buf.readUInt16LE(off + 2);
    if (len < HEADER || off + len > buf.length) break;
    out.push({
      type: rawType & NLA_TYPE_MASK,
      nested: (rawType & NLA_F_NESTED) !== 0,
      data: buf.subarray(off + HEADER, off + len),
    });
    off += align4(len);
  }
  return out;
}

/** Read a NUL-terminated string payload. */
export function readStr(data: Buffer): string {
  const end = data.indexOf(0);
  return data.toString('utf8', 0, end < 0 ? data.length : end);
}
