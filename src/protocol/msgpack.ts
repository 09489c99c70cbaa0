/**
 * Terraform's value encoding: cty values as MessagePack, the `msgpack` bytes of a DynamicValue.
 *
 * Decoding: nil/bool/int/float/str map to JS; every integer and float form becomes a number (an integer that a
 * double cannot hold exactly throws); arrays → arrays; maps → plain objects (keys must be strings; a
 * '__proto__' key becomes an own property); EVERY extension type → Unknown holding the extension's exact bytes.
 * bin → string (UTF-8): cty writes bin only for the type JSON of a `dynamic` value ([type JSON, value]); it is
 * re-encoded as str, the one place where decode → encode does not give back the same bytes.
 *
 * Encoding is canonical the way Terraform's Go encoder (cty on vmihailenco/msgpack) writes: integers within ±2^63
 * in their smallest form, other numbers as float64, strings fixstr/str8/str16/str32, arrays and maps in their
 * smallest header, map keys sorted by code point (cty sorts attribute names and map keys), Unknown as its raw
 * bytes. So decoding what Terraform sent and encoding it again gives back the same bytes, refinements included.
 * Numbers cty cannot express as float64 arrive as decimal strings; this layer passes them through as strings.
 */

const PLAIN_UNKNOWN = [0xd4, 0x00, 0x00];

/** An unknown value: a msgpack extension. Type 0 is plain; Terraform 1.11 also sends type 12, refined. */
export class Unknown {
  /** A shared plain unknown (`d4 00 00`). Never mutate its bytes. */
  static readonly plain: Unknown = new Unknown();

  /** The whole extension, header included, exactly as received; encodeMsgpack writes it back verbatim. */
  readonly raw: Uint8Array;

  /** With no argument, a plain unknown. With bytes, they must be exactly one msgpack extension (copied). */
  constructor(raw?: Uint8Array) {
    const bytes = new Uint8Array(raw ?? PLAIN_UNKNOWN);
    if (bytes.length < 3 || extensionLength(bytes, 0) !== bytes.length) {
      throw new Error(
        `msgpack: Unknown needs the bytes of exactly one msgpack extension, got ${Buffer.from(bytes).toString('hex') || 'none'}`,
      );
    }
    this.raw = bytes;
  }

  /** The extension type: 0 for a plain unknown, 12 for a refined one. */
  get extType(): number {
    const b = this.raw[0];
    const at = b >= 0xd4 ? 1 : b === 0xc7 ? 2 : b === 0xc8 ? 3 : 5;
    return (this.raw[at] << 24) >> 24;
  }
}

export function isUnknown(value: unknown): value is Unknown {
  return value instanceof Unknown;
}

export type CtyValue =
  | null
  | boolean
  | number
  | string
  | Unknown
  | readonly CtyValue[]
  | { readonly [key: string]: CtyValue };

/** Total length of the extension starting at `at`, or -1 if the bytes there are no (complete) extension. */
function extensionLength(b: Uint8Array, at: number): number {
  const code = b[at];
  let total: number;
  if (code >= 0xd4 && code <= 0xd8) total = 2 + (1 << (code - 0xd4));
  else if (code === 0xc7) total = at + 1 < b.length ? 3 + b[at + 1] : Infinity;
  else if (code === 0xc8) total = at + 2 < b.length ? 4 + ((b[at + 1] << 8) | b[at + 2]) : Infinity;
  else if (code === 0xc9)
    total =
      at + 4 < b.length ? 6 + (((b[at + 1] << 24) | (b[at + 2] << 16) | (b[at + 3] << 8) | b[at + 4]) >>> 0) : Infinity;
  else return -1;
  return at + total <= b.length ? total : -1;
}

// ---------------------------------------------------------------------------------------------------------------
// Decoding

/**
 * Maps and arrays with at least this many entries are remembered by RecentContainers. A fleet tenant's list of 1,000
 * mailboxes reaches the plan walk's provider process five times; decoding it costs milliseconds each time, comparing
 * its bytes microseconds (figures: docs/performance.md, P5-1000).
 */
const LARGE_CONTAINER = 256;

/**
 * Under test (EXOFORM_TEST_FREEZE_DECODED=1, set by the Jest setup and inherited by terraform and the provider it
 * starts), every decoded map and array is frozen, not only the large shared ones: code that changes a decoded value
 * then fails in a small test instead of only on a tenant with 256 mailboxes. CtyValue is typed read-only too.
 */
const FREEZE_EVERY_CONTAINER = process.env.EXOFORM_TEST_FREEZE_DECODED === '1';

/**
 * The large maps and arrays decoded last, by their exact bytes. Terraform sends a big value (the `identities` of a
 * list of a thousand or 60,000 members) in up to five calls to one provider process: the state to refresh, then the config, prior and
 * proposed state to plan. cty's encoding is canonical, so the same bytes are the same value: it is decoded once and
 * shared. Shared values are frozen, so no caller can change one under another (a write throws). For the same reason
 * such a value sent back unchanged (in the refreshed or planned state) is encoded by copying its bytes.
 */
class RecentContainers {
  private readonly entries: Array<{ bytes: Buffer; value: CtyValue; reencodes: boolean }> = [];
  private static readonly KEEP = 2;

  /** The value whose encoding starts at `at` in `buf`, if it is one of the remembered ones. */
  find(buf: Buffer, at: number): { value: CtyValue; length: number } | undefined {
    for (const entry of this.entries) {
      const length = entry.bytes.length;
      if (at + length <= buf.length && buf.compare(entry.bytes, 0, length, at, at + length) === 0)
        return { value: entry.value, length };
    }
    return undefined;
  }

  /** The bytes a remembered value was decoded from, when encoding it gives them back (it holds no bin string). */
  bytesOf(value: CtyValue): Buffer | undefined {
    for (const entry of this.entries) if (entry.value === value && entry.reencodes) return entry.bytes;
    return undefined;
  }

  /**
   * `nested`: whether the value holds maps or arrays (each is frozen too); most large values are maps of strings.
   * `hasBin`: whether it holds a bin string, which is encoded back as str (see the top of this file).
   */
  remember(bytes: Buffer, value: CtyValue, nested: boolean, hasBin: boolean): void {
    if (nested) deepFreeze(value);
    else Object.freeze(value);
    this.entries.unshift({ bytes: Buffer.from(bytes), value, reencodes: !hasBin }); // a copy: the request's buffer is not kept alive
    this.entries.length = Math.min(this.entries.length, RecentContainers.KEEP);
  }
}

function deepFreeze(value: CtyValue): void {
  if (value === null || typeof value !== 'object' || value instanceof Unknown || Object.isFrozen(value)) return;
  for (const item of Array.isArray(value) ? value : Object.values(value)) deepFreeze(item);
  Object.freeze(value);
}

const recentContainers = new RecentContainers();

/** The keys of each large decoded map, in the order they were sent (see Decoder.map). */
const largeMapKeys = new WeakMap<object, readonly string[]>();

/**
 * A map's keys. For a large map decoded from Terraform (LARGE_CONTAINER entries or more) the list kept while decoding
 * it, in the order cty sent them (sorted by code point); otherwise Object.keys. Read-only: shared by every caller.
 */
export function mapKeys(map: { readonly [key: string]: CtyValue }): readonly string[] {
  return largeMapKeys.get(map) ?? Object.keys(map);
}

class Decoder {
  pos = 0;
  /** Maps and arrays, and bin strings, decoded so far, so large() knows whether a value holds any. */
  containers = 0;
  bins = 0;
  constructor(readonly buf: Buffer) {}

  /** A map or array header announcing `length` entries was just read; the container started at `start`. */
  large(start: number, length: number, decode: () => CtyValue): CtyValue {
    if (length < LARGE_CONTAINER) return decode();
    const known = recentContainers.find(this.buf, start);
    if (known) {
      this.pos = start + known.length;
      return known.value;
    }
    const [containers, bins] = [this.containers, this.bins];
    const value = decode();
    recentContainers.remember(
      this.buf.subarray(start, this.pos),
      value,
      this.containers - containers > 1,
      this.bins > bins,
    );
    return value;
  }

  need(n: number, reading: string): void {
    if (this.pos + n > this.buf.length) {
      throw new Error(`msgpack: truncated input at byte ${this.pos} while reading ${reading}`);
    }
  }

  uint(size: number, reading: string): number {
    this.need(size, reading);
    const { buf, pos } = this;
    this.pos += size;
    return size === 1 ? buf[pos] : size === 2 ? buf.readUInt16BE(pos) : buf.readUInt32BE(pos);
  }

  value(): CtyValue {
    const { buf } = this;
    this.need(1, 'a value');
    const start = this.pos;
    const b = buf[this.pos++];
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    if (b >= 0xa0 && b <= 0xbf) return this.str(b & 0x1f, 'fixstr');
    if (b >= 0x90 && b <= 0x9f) return this.array(b & 0x0f);
    if (b >= 0x80 && b <= 0x8f) return this.map(b & 0x0f);
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xd9:
        return this.str(this.uint(1, 'str8 length'), 'str8');
      case 0xda:
        return this.str(this.uint(2, 'str16 length'), 'str16');
      case 0xdb:
        return this.str(this.uint(4, 'str32 length'), 'str32');
      case 0xc4:
        this.bins++;
        return this.str(this.uint(1, 'bin8 length'), 'bin8');
      case 0xc5:
        this.bins++;
        return this.str(this.uint(2, 'bin16 length'), 'bin16');
      case 0xc6:
        this.bins++;
        return this.str(this.uint(4, 'bin32 length'), 'bin32');
      case 0xdc: {
        const n = this.uint(2, 'array16 length');
        return this.large(start, n, () => this.array(n));
      }
      case 0xdd: {
        const n = this.uint(4, 'array32 length');
        return this.large(start, n, () => this.array(n));
      }
      case 0xde: {
        const n = this.uint(2, 'map16 length');
        return this.large(start, n, () => this.map(n));
      }
      case 0xdf: {
        const n = this.uint(4, 'map32 length');
        return this.large(start, n, () => this.map(n));
      }
      case 0xcc:
        return this.uint(1, 'uint8');
      case 0xcd:
        return this.uint(2, 'uint16');
      case 0xce:
        return this.uint(4, 'uint32');
      case 0xd0:
        this.need(1, 'int8');
        return buf.readInt8(this.pos++);
      case 0xd1:
        this.need(2, 'int16');
        this.pos += 2;
        return buf.readInt16BE(this.pos - 2);
      case 0xd2:
        this.need(4, 'int32');
        this.pos += 4;
        return buf.readInt32BE(this.pos - 4);
      case 0xcf:
      case 0xd3:
        return this.int64(b === 0xd3);
      case 0xca:
        this.need(4, 'float32');
        this.pos += 4;
        return buf.readFloatBE(this.pos - 4);
      case 0xcb:
        this.need(8, 'float64');
        this.pos += 8;
        return buf.readDoubleBE(this.pos - 8);
    }
    const length = extensionLength(buf, start);
    if (length < 0) {
      if (b === 0xc1) throw new Error(`msgpack: invalid type code 0xc1 at byte ${start}`);
      throw new Error(`msgpack: truncated input at byte ${start} while reading an extension (unknown value)`);
    }
    this.pos = start + length;
    return new Unknown(buf.subarray(start, this.pos));
  }

  str(length: number, form: string): string {
    this.need(length, `${form} data (${length} bytes)`);
    const { buf } = this,
      start = this.pos,
      end = (this.pos += length);
    // Attribute names and most values are short ASCII; building those directly beats a UTF-8 decoder call.
    if (length <= 16) {
      let s = '';
      for (let i = start; i < end; i++) {
        const c = buf[i];
        if (c >= 0x80) return buf.toString('utf8', start, end);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return buf.toString('utf8', start, end);
  }

  int64(signed: boolean): number {
    const what = signed ? 'int64' : 'uint64';
    this.need(8, what);
    const at = this.pos;
    this.pos += 8;
    const hi = signed ? this.buf.readInt32BE(at) : this.buf.readUInt32BE(at);
    const lo = this.buf.readUInt32BE(at + 4);
    // |hi| below 2^21 keeps the value within ±2^53: the arithmetic is exact.
    if (hi < 0x200000 && hi >= -0x200000) return hi * 4294967296 + lo;
    const big = signed ? this.buf.readBigInt64BE(at) : this.buf.readBigUInt64BE(at);
    const n = Number(big);
    if (BigInt(n) !== big) {
      throw new Error(`msgpack: ${what} ${big} at byte ${at - 1} cannot be represented exactly as a JS number`);
    }
    return n;
  }

  array(length: number): readonly CtyValue[] {
    this.need(length, `${length} array elements`); // each element takes at least one byte
    this.containers++;
    const out = new Array<CtyValue>(length);
    for (let i = 0; i < length; i++) out[i] = this.value();
    return FREEZE_EVERY_CONTAINER ? Object.freeze(out) : out;
  }

  map(length: number): { readonly [key: string]: CtyValue } {
    this.need(length * 2, `${length} map entries`); // each entry takes at least two bytes
    this.containers++;
    const out: { [key: string]: CtyValue } = {};
    // A large map's keys are kept as they are read (mapKeys): Object.keys of a 60,000-key object costs ~10 ms a call.
    // cty sends them sorted, so each is greater than the one before; otherwise (a repeated key) Object.keys is used.
    const keys = length >= LARGE_CONTAINER ? new Array<string>(length) : undefined;
    let ascending = true;
    for (let i = 0; i < length; i++) {
      const at = this.pos;
      const key = this.value();
      if (typeof key !== 'string') {
        throw new Error(
          `msgpack: map key at byte ${at} is ${key === null ? 'nil' : typeof key}; cty maps and objects have string keys`,
        );
      }
      const value = this.value();
      // Keys come from the peer: '__proto__' must become an own property, not replace the prototype.
      if (key === '__proto__')
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
      if (keys) {
        if (i > 0 && !(key > keys[i - 1]!)) ascending = false;
        keys[i] = key;
      }
    }
    // Large maps are frozen (RecentContainers.remember), so the keys kept stay true.
    if (keys) largeMapKeys.set(out, ascending ? keys : Object.keys(out));
    return FREEZE_EVERY_CONTAINER ? Object.freeze(out) : out;
  }
}

export function decodeMsgpack(bytes: Uint8Array): CtyValue {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const d = new Decoder(buf);
  const value = d.value();
  if (d.pos !== buf.length) {
    throw new Error(`msgpack: ${buf.length - d.pos} unexpected bytes after the value, from byte ${d.pos}`);
  }
  return value;
}

/** The value of a tfplugin6.DynamicValue: msgpack when present, else JSON text (legacy state), else null. */
export function decodeDynamicValue(dv: { msgpack?: Uint8Array; json?: Uint8Array } | null | undefined): CtyValue {
  if (dv?.msgpack && dv.msgpack.length > 0) return decodeMsgpack(dv.msgpack);
  if (dv?.json && dv.json.length > 0)
    return JSON.parse(Buffer.from(dv.json.buffer, dv.json.byteOffset, dv.json.byteLength).toString('utf8'));
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Encoding

class Encoder {
  buf: Buffer;
  pos = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A header: the fix form when `length` fits under `fixLimit`, else code8 (if any) / code16 / code32. */
  header(length: number, fixBase: number, fixLimit: number, code8: number, code16: number, code32: number): void {
    this.ensure(5);
    const { buf } = this;
    if (length < fixLimit) buf[this.pos++] = fixBase | length;
    else if (code8 !== 0 && length <= 0xff) {
      buf[this.pos++] = code8;
      buf[this.pos++] = length;
    } else if (length <= 0xffff) {
      buf[this.pos++] = code16;
      this.pos = buf.writeUInt16BE(length, this.pos);
    } else {
      buf[this.pos++] = code32;
      this.pos = buf.writeUInt32BE(length, this.pos);
    }
  }

  value(v: CtyValue): void {
    if (v === null) {
      this.ensure(1);
      this.buf[this.pos++] = 0xc0;
    } else if (typeof v === 'string') {
      this.str(v);
    } else if (typeof v === 'number') {
      this.number(v);
    } else if (typeof v === 'boolean') {
      this.ensure(1);
      this.buf[this.pos++] = v ? 0xc3 : 0xc2;
    } else if (v instanceof Unknown) {
      this.ensure(v.raw.length);
      this.buf.set(v.raw, this.pos);
      this.pos += v.raw.length;
    } else if (Object.isFrozen(v) && this.copyDecoded(v)) {
      // A large value decoded from Terraform and sent back unchanged: its bytes were copied.
    } else if (Array.isArray(v)) {
      this.header(v.length, 0x90, 16, 0, 0xdc, 0xdd);
      for (let i = 0; i < v.length; i++) this.within(i, v[i]);
    } else if (typeof v === 'object' && !ArrayBuffer.isView(v)) {
      const map = v as { readonly [key: string]: CtyValue };
      const keys = Object.keys(map).sort(byCodePoint);
      this.header(keys.length, 0x80, 16, 0, 0xde, 0xdf);
      for (const key of keys) {
        this.str(key);
        this.within(key, map[key]);
      }
    } else {
      throw new EncodeError(`cannot encode ${describe(v)} (not a cty value; use null for a null attribute)`);
    }
  }

  /** Writes the bytes `v` was decoded from, if it is a remembered large value; false otherwise. */
  copyDecoded(v: CtyValue): boolean {
    const bytes = recentContainers.bytesOf(v);
    if (!bytes) return false;
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return true;
  }

  /** Encodes a child, adding its index or key to the path of any error. */
  within(step: string | number, v: CtyValue): void {
    try {
      this.value(v);
    } catch (e) {
      if (e instanceof EncodeError) e.path.unshift(step);
      throw e;
    }
  }

  str(s: string): void {
    // Short ASCII (attribute names, most values) needs no byte-length pass: write it straight after a fixstr header.
    if (s.length < 32) {
      this.ensure(1 + s.length);
      const { buf } = this,
        start = this.pos;
      let i = 0;
      for (let c; i < s.length && (c = s.charCodeAt(i)) < 0x80; i++) buf[start + 1 + i] = c;
      if (i === s.length) {
        buf[start] = 0xa0 | s.length;
        this.pos = start + 1 + s.length;
        return;
      }
    }
    const length = Buffer.byteLength(s, 'utf8');
    this.header(length, 0xa0, 32, 0xd9, 0xda, 0xdb);
    this.ensure(length);
    this.pos += this.buf.write(s, this.pos, length, 'utf8');
  }

  number(n: number): void {
    this.ensure(9);
    const { buf } = this;
    // Go's cty writes any integer that fits int64 as an integer (smallest form), every other number as float64.
    if (Number.isInteger(n) && n >= -(2 ** 63) && n < 2 ** 63) {
      if (n >= 0) {
        if (n <= 0x7f) buf[this.pos++] = n;
        else if (n <= 0xff) {
          buf[this.pos++] = 0xcc;
          buf[this.pos++] = n;
        } else if (n <= 0xffff) {
          buf[this.pos++] = 0xcd;
          this.pos = buf.writeUInt16BE(n, this.pos);
        } else if (n <= 0xffffffff) {
          buf[this.pos++] = 0xce;
          this.pos = buf.writeUInt32BE(n, this.pos);
        } else {
          buf[this.pos++] = 0xcf;
          this.int64(n);
        }
      } else if (n >= -32) buf[this.pos++] = n & 0xff;
      else if (n >= -0x80) {
        buf[this.pos++] = 0xd0;
        this.pos = buf.writeInt8(n, this.pos);
      } else if (n >= -0x8000) {
        buf[this.pos++] = 0xd1;
        this.pos = buf.writeInt16BE(n, this.pos);
      } else if (n >= -0x80000000) {
        buf[this.pos++] = 0xd2;
        this.pos = buf.writeInt32BE(n, this.pos);
      } else {
        buf[this.pos++] = 0xd3;
        this.int64(n);
      }
    } else if (Number.isNaN(n)) {
      throw new EncodeError('cannot encode NaN: cty has no NaN');
    } else {
      buf[this.pos++] = 0xcb;
      this.pos = buf.writeDoubleBE(n, this.pos);
    }
  }

  /** Eight big-endian two's-complement bytes of an integer within ±2^63 (exact: n is an integer double). */
  int64(n: number): void {
    const hi = Math.floor(n / 4294967296);
    this.pos = this.buf.writeInt32BE(hi | 0, this.pos);
    this.pos = this.buf.writeUInt32BE(n - hi * 4294967296, this.pos);
  }
}

class EncodeError extends Error {
  readonly path: (string | number)[] = [];
}

/** Go's sort.Strings order (UTF-8 bytes = code points); JS's default UTF-16 order differs only past U+FFFF. */
function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i),
      y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (D800–DFFF) stands for a code point above U+FFFF, so it sorts after U+E000–U+FFFF.
    if (x >= 0xd800 && y >= 0xd800 && x < 0xe000 !== y < 0xe000) return x < 0xe000 ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'object') return v === null ? 'null' : `${Object.prototype.toString.call(v).slice(8, -1)} object`;
  return `${typeof v} ${String(v)}`;
}

let scratch: Encoder | undefined;
let scratchBusy = false;

export function encodeMsgpack(value: CtyValue): Uint8Array {
  // Every call shares one buffer (encoding is synchronous); only a re-entrant call allocates its own.
  const shared = !scratchBusy;
  const e = shared ? (scratch ??= new Encoder(16384)) : new Encoder(256);
  scratchBusy = true;
  e.pos = 0;
  try {
    e.value(value);
    return Buffer.from(e.buf.subarray(0, e.pos));
  } catch (err) {
    if (err instanceof EncodeError) {
      const at = err.path.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('');
      throw new Error(`msgpack: ${err.message}${at ? ` at value${at}` : ''}`);
    }
    throw err;
  } finally {
    if (shared) {
      scratchBusy = false;
      if (e.buf.length > 1 << 20) scratch = undefined; // do not pin one huge value's buffer forever
    }
  }
}
