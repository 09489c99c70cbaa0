/**
 * Protobuf (proto3) codec driven by the plain-data table in ./generated/descriptors.ts, so the provider loads no
 * protobuf library at run time. Values are plain objects keyed by the .proto field names (snake_case).
 *
 *   string ↔ string; bytes → Buffer on decode (Uint8Array, or a string taken as UTF-8, on encode);
 *   int32/int64/uint32/uint64 ↔ number (64-bit values beyond Number.MAX_SAFE_INTEGER throw); double ↔ number;
 *   bool ↔ boolean; enum ↔ number (named constants: tfplugin6.Diagnostic.Severity.ERROR, re-exported here);
 *   message ↔ object; repeated ↔ array; map ↔ plain object.
 *
 * Decoding leaves absent fields undefined (read undefined as the proto3 default), except repeated fields (→ [])
 * and maps (→ {}). Unknown field numbers, and known ones arriving with another wire type, are skipped.
 * Encoding omits undefined/null fields, and proto3 defaults (0, '', false, empty bytes) unless the field has
 * explicit presence: proto3 `optional`, or a oneof member (AttributePath.Step.element_key_int = 0 is a real index).
 * Scalar repeated fields are written packed. Keys that are not fields of the message are ignored.
 */
import { messages, type FieldType } from './generated/descriptors';

export { enums, grpc, methodDescriptor, methods, plugin, tfplugin6 } from './generated/descriptors';
export type { FieldDescriptor, FieldType, MethodDescriptor, ScalarType } from './generated/descriptors';

const VARINT = 0,
  I64 = 1,
  LEN = 2;
const TWO_32 = 4294967296;
/** A 64-bit value whose high word reaches this is at least 2^53. */
const UNSAFE_HI = 0x200000;

/** A field prepared once per message type: wire tag, presence, and what to recurse into. */
interface Field {
  readonly name: string;
  /** 'tfplugin6.Schema.Block.version', for error messages. */
  readonly path: string;
  readonly type: FieldType;
  readonly messageType: string | undefined;
  readonly repeated: boolean;
  readonly presence: boolean;
  readonly packed: boolean;
  readonly wire: number;
  readonly tag: number;
  readonly map: { readonly key: Field; readonly value: Field } | undefined;
}

interface Compiled {
  readonly name: string;
  readonly fields: readonly Field[];
  readonly byNumber: readonly (Field | undefined)[];
  /** Repeated and map fields, which decode to [] / {} when absent. */
  readonly collections: readonly Field[];
}

function field(
  path: string,
  name: string,
  num: number,
  type: FieldType,
  messageType: string | undefined,
  repeated: boolean,
  presence: boolean,
  map?: Field['map'],
): Field {
  const wire = type === 'double' ? I64 : type === 'string' || type === 'bytes' || type === 'message' ? LEN : VARINT;
  const packed = repeated && wire !== LEN;
  return { name, path, type, messageType, repeated, presence, packed, wire, tag: num * 8 + (packed ? LEN : wire), map };
}

const compiledTypes = new Map<string, Compiled>();

/** Builds a type's lookup tables on first use: once per type per process, only for types actually used. */
function compiled(typeName: string): Compiled {
  let c = compiledTypes.get(typeName);
  if (c !== undefined) return c;
  if (!Object.hasOwn(messages, typeName)) throw new Error(`protobuf: unknown message type ${typeName}`);
  const fields: Field[] = [];
  const byNumber: (Field | undefined)[] = [];
  for (const d of messages[typeName]) {
    const path = `${typeName}.${d.name}`;
    const f = d.map
      ? field(path, d.name, d.number, 'message', undefined, true, false, {
          key: field(`${path} (map key)`, 'key', 1, d.map.keyType, undefined, false, true),
          value: field(`${path} (map value)`, 'value', 2, d.map.valueType, d.map.valueMessageType, false, true),
        })
      : field(path, d.name, d.number, d.type, d.messageType, !!d.repeated, !!(d.optional || d.oneof));
    fields.push(f);
    byNumber[d.number] = f;
  }
  c = { name: typeName, fields, byNumber, collections: fields.filter((f) => f.repeated) };
  compiledTypes.set(typeName, c);
  return c;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${typeof v} ${String(v)}`;
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

// ---------------------------------------------------------------------------------------------------------------
// Encoding

class Writer {
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
  varint32(n: number): void {
    this.ensure(5);
    while (n > 0x7f) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.pos++] = n;
  }
  /** A 64-bit varint from unsigned 32-bit halves. */
  varint64(lo: number, hi: number): void {
    this.ensure(10);
    while (hi !== 0 || lo > 0x7f) {
      this.buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buf[this.pos++] = lo;
  }
  /** Reserves one byte for a length prefix; most nested messages are short, so finishLength rarely moves bytes. */
  beginLength(): number {
    this.ensure(1);
    return this.pos++;
  }
  finishLength(at: number): void {
    const len = this.pos - at - 1;
    if (len < 0x80) {
      this.buf[at] = len;
      return;
    }
    const extra = len < 1 << 14 ? 1 : len < 1 << 21 ? 2 : len < 1 << 28 ? 3 : 4;
    this.ensure(extra);
    this.buf.copyWithin(at + 1 + extra, at + 1, this.pos);
    const end = this.pos + extra;
    this.pos = at;
    this.varint32(len);
    this.pos = end;
  }
  utf8(s: string): void {
    this.ensure(s.length * 3);
    // Names and type names are short ASCII; a plain loop beats Buffer.write for them.
    if (s.length < 64) {
      const start = this.pos;
      let i = 0;
      for (let c; i < s.length && (c = s.charCodeAt(i)) < 0x80; i++) this.buf[this.pos++] = c;
      if (i === s.length) return;
      this.pos = start;
    }
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }
}

let scratch: Writer | undefined;
let scratchBusy = false;

export function encodeMessage(typeName: string, value: object): Uint8Array {
  const type = compiled(typeName);
  // Every call shares one buffer (encoding is synchronous); only a re-entrant call allocates its own.
  const shared = !scratchBusy;
  const w = shared ? (scratch ??= new Writer(16384)) : new Writer(256);
  scratchBusy = true;
  w.pos = 0;
  try {
    encodeFields(w, type, value);
    return Buffer.from(w.buf.subarray(0, w.pos));
  } finally {
    if (shared) {
      scratchBusy = false;
      if (w.buf.length > 1 << 20) scratch = undefined; // do not pin one huge message's buffer forever
    }
  }
}

function encodeFields(w: Writer, type: Compiled, value: any): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`protobuf: ${type.name} must be an object, got ${describe(value)}`);
  }
  for (const f of type.fields) {
    const v = value[f.name];
    if (v === undefined || v === null) continue;
    if (f.map !== undefined) {
      encodeMap(w, f, v);
    } else if (!f.repeated) {
      if (f.presence || f.type === 'message' || !isDefault(v)) {
        w.varint32(f.tag);
        writeValue(w, f, v);
      }
    } else if (!Array.isArray(v)) {
      throw new Error(`protobuf: ${f.path} is repeated and must be an array, got ${describe(v)}`);
    } else if (f.packed) {
      if (v.length === 0) continue;
      w.varint32(f.tag);
      const at = w.beginLength();
      for (const item of v) writeValue(w, f, item);
      w.finishLength(at);
    } else {
      for (const item of v) {
        w.varint32(f.tag);
        writeValue(w, f, item);
      }
    }
  }
}

function isDefault(v: unknown): boolean {
  return v === 0 || v === false || v === '' || (v instanceof Uint8Array && v.length === 0);
}

function encodeMap(w: Writer, f: Field, obj: any): void {
  if (typeof obj !== 'object' || Array.isArray(obj)) {
    throw new Error(`protobuf: ${f.path} is a map and must be a plain object, got ${describe(obj)}`);
  }
  const { key, value } = f.map!;
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    if (v === undefined || v === null) throw new Error(`protobuf: ${f.path} has ${v} for key ${JSON.stringify(k)}`);
    w.varint32(f.tag);
    const at = w.beginLength();
    w.varint32(key.tag);
    writeValue(w, key, key.type === 'string' ? k : key.type === 'bool' ? k === 'true' : Number(k));
    w.varint32(value.tag);
    writeValue(w, value, v);
    w.finishLength(at);
  }
}

function writeValue(w: Writer, f: Field, v: any): void {
  switch (f.type) {
    case 'string':
      if (typeof v !== 'string') throw new Error(`protobuf: ${f.path} must be a string, got ${describe(v)}`);
      if (v.length <= 42) {
        // at most 126 UTF-8 bytes: the length fits the one byte reserved for it
        const at = w.beginLength();
        w.utf8(v);
        w.buf[at] = w.pos - at - 1;
      } else {
        w.varint32(Buffer.byteLength(v));
        w.utf8(v);
      }
      return;
    case 'bytes': {
      const bytes = typeof v === 'string' ? Buffer.from(v) : v;
      if (!(bytes instanceof Uint8Array))
        throw new Error(`protobuf: ${f.path} must be a Uint8Array or string, got ${describe(v)}`);
      w.varint32(bytes.length);
      w.ensure(bytes.length);
      w.buf.set(bytes, w.pos);
      w.pos += bytes.length;
      return;
    }
    case 'message': {
      const at = w.beginLength();
      encodeFields(w, compiled(f.messageType!), v);
      w.finishLength(at);
      return;
    }
    case 'bool':
      if (typeof v !== 'boolean') throw new Error(`protobuf: ${f.path} must be a boolean, got ${describe(v)}`);
      w.varint32(v ? 1 : 0);
      return;
    case 'double':
      if (typeof v !== 'number') throw new Error(`protobuf: ${f.path} must be a number, got ${describe(v)}`);
      w.ensure(8);
      w.pos = w.buf.writeDoubleLE(v, w.pos);
      return;
  }
  const unsigned = f.type === 'uint32' || f.type === 'uint64';
  const wide = f.type === 'int64' || f.type === 'uint64';
  const min = unsigned ? 0 : wide ? Number.MIN_SAFE_INTEGER : -0x80000000;
  const max = wide ? Number.MAX_SAFE_INTEGER : unsigned ? 0xffffffff : 0x7fffffff;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new Error(`protobuf: ${f.path} (${f.type}) must be an integer from ${min} to ${max}, got ${describe(v)}`);
  }
  // Negative int32/int64/enum values are sign-extended to 64 bits (ten bytes), as proto3 requires.
  if (v >= 0 && v <= 0xffffffff) w.varint32(v);
  else w.varint64(v >>> 0, Math.floor(v / TWO_32) >>> 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Decoding

class Reader {
  pos = 0;
  /** End of the message being read; nested messages narrow it. */
  limit: number;
  /** The last varint, as unsigned 32-bit halves (a JS number cannot hold 64 bits exactly). */
  lo = 0;
  hi = 0;
  /** What is being read, for error messages. */
  what = '';
  constructor(readonly buf: Buffer) {
    this.limit = buf.length;
  }

  truncated(reading: string): Error {
    return new Error(`protobuf: truncated input at byte ${this.pos} while reading ${reading} of ${this.what}`);
  }

  varint(): void {
    const buf = this.buf,
      limit = this.limit;
    let pos = this.pos,
      lo = 0,
      hi = 0,
      b = 0x80;
    for (let shift = 0; shift < 28 && b >= 0x80; shift += 7) {
      if (pos >= limit) throw this.truncated('a varint');
      b = buf[pos++];
      lo |= (b & 0x7f) << shift;
    }
    if (b >= 0x80) {
      if (pos >= limit) throw this.truncated('a varint');
      b = buf[pos++];
      lo |= b << 28; // bits 28–31; the shift drops the rest
      hi = (b & 0x7f) >> 4;
      for (let shift = 3; b >= 0x80; shift += 7) {
        if (shift > 31) throw new Error(`protobuf: varint longer than 10 bytes at byte ${pos} in ${this.what}`);
        if (pos >= limit) throw this.truncated('a varint');
        b = buf[pos++];
        hi |= (b & 0x7f) << shift;
      }
    }
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** Reads a length prefix, checks that many bytes are there, and returns where they end. */
  length(): number {
    this.varint();
    const end = this.pos + this.lo;
    if (this.hi !== 0 || end > this.limit) throw this.truncated(`${this.lo} bytes announced by a length prefix`);
    return end;
  }

  skip(wire: number, fieldNumber: number): void {
    switch (wire) {
      case VARINT:
        this.varint();
        return;
      case I64:
        this.advance(8);
        return;
      case LEN:
        this.pos = this.length();
        return;
      case 5:
        this.advance(4);
        return;
      case 3: // a proto2 group: skip fields up to its end tag
        for (;;) {
          this.varint();
          const w = this.lo & 7,
            n = this.lo >>> 3;
          if (w === 4) {
            if (n !== fieldNumber)
              throw new Error(`protobuf: mismatched group end at byte ${this.pos} in ${this.what}`);
            return;
          }
          this.skip(w, n);
        }
      default:
        throw new Error(`protobuf: invalid wire type ${wire} at byte ${this.pos} in ${this.what}`);
    }
  }

  advance(n: number): void {
    if (this.pos + n > this.limit) throw this.truncated(`${n} fixed-size bytes`);
    this.pos += n;
  }

  /** The last varint as a 64-bit integer; throws rather than round to the nearest double. */
  int64(signed: boolean): number {
    const { lo, hi } = this;
    if (signed && hi >= 0x80000000) {
      const h = hi | 0;
      if (h > -UNSAFE_HI || (h === -UNSAFE_HI && lo !== 0)) return h * TWO_32 + lo;
    } else if (hi < UNSAFE_HI) {
      return hi * TWO_32 + lo;
    }
    const big = (BigInt(hi) << 32n) | BigInt(lo);
    throw new Error(
      `protobuf: ${this.what} is ${signed ? BigInt.asIntN(64, big) : big}, beyond Number.MAX_SAFE_INTEGER: ` +
        'it cannot be represented exactly as a JS number',
    );
  }
}

export function decodeMessage<T = any>(typeName: string, bytes: Uint8Array): T {
  const type = compiled(typeName);
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return decodeFields(new Reader(buf), type, buf.length) as T;
}

function decodeFields(r: Reader, type: Compiled, end: number): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  for (const f of type.collections) obj[f.name] = f.map ? {} : [];
  const outerLimit = r.limit;
  r.limit = end;
  while (r.pos < end) {
    r.what = type.name;
    r.varint();
    const wire = r.lo & 7,
      num = r.lo >>> 3;
    const f = r.hi === 0 ? type.byNumber[num] : undefined;
    if (f === undefined) {
      r.skip(wire, num);
      continue;
    }
    r.what = f.path;
    if (f.map !== undefined) {
      if (wire === LEN) decodeMapEntry(r, f, obj[f.name] as Record<string, unknown>);
      else r.skip(wire, num);
    } else if (wire === f.wire) {
      if (f.repeated) (obj[f.name] as unknown[]).push(readValue(r, f));
      else obj[f.name] = readValue(r, f);
    } else if (f.packed && wire === LEN) {
      // packed, or unpacked above: decoders must accept both
      const list = obj[f.name] as unknown[],
        packedEnd = r.length();
      r.limit = packedEnd;
      while (r.pos < packedEnd) list.push(readValue(r, f));
      r.limit = end;
    } else {
      r.skip(wire, num);
    }
  }
  r.limit = outerLimit;
  return obj;
}

function decodeMapEntry(r: Reader, f: Field, target: Record<string, unknown>): void {
  const { key: kf, value: vf } = f.map!;
  const end = r.length(),
    outerLimit = r.limit;
  r.limit = end;
  let key: unknown, value: unknown;
  while (r.pos < end) {
    r.varint();
    const wire = r.lo & 7,
      num = r.lo >>> 3;
    if (num === 1 && wire === kf.wire && r.hi === 0) key = readValue(r, kf);
    else if (num === 2 && wire === vf.wire && r.hi === 0) value = readValue(r, vf);
    else r.skip(wire, num);
  }
  r.limit = outerLimit;
  // A missing key or value stands for its default, as for any proto3 field.
  key ??= kf.type === 'string' ? '' : kf.type === 'bool' ? false : 0;
  if (value === undefined) {
    value =
      vf.type === 'message'
        ? decodeFields(r, compiled(vf.messageType!), r.pos)
        : vf.type === 'string'
          ? ''
          : vf.type === 'bytes'
            ? Buffer.alloc(0)
            : vf.type === 'bool'
              ? false
              : 0;
  }
  const k = String(key);
  // A map key comes from the peer: '__proto__' must become an own property, not replace the prototype.
  if (k === '__proto__')
    Object.defineProperty(target, k, { value, enumerable: true, writable: true, configurable: true });
  else target[k] = value;
}

function readValue(r: Reader, f: Field): unknown {
  switch (f.type) {
    case 'string': {
      const end = r.length(),
        start = r.pos;
      r.pos = end;
      return r.buf.toString('utf8', start, end);
    }
    case 'bytes': {
      const end = r.length(),
        start = r.pos;
      r.pos = end;
      // A copy: callers keep these (private state, msgpack) after the request buffer is released or reused.
      return Buffer.from(r.buf.subarray(start, end));
    }
    case 'message': {
      const end = r.length();
      const value = decodeFields(r, compiled(f.messageType!), end);
      r.pos = end;
      return value;
    }
    case 'double':
      r.advance(8);
      return r.buf.readDoubleLE(r.pos - 8);
  }
  r.varint();
  switch (f.type) {
    case 'bool':
      return (r.lo | r.hi) !== 0;
    case 'uint32':
      return r.lo;
    case 'int64':
      return r.int64(true);
    case 'uint64':
      return r.int64(false);
    default:
      return r.lo | 0; // int32 and enum: the low 32 bits, signed
  }
}
