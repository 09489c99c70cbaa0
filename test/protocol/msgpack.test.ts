import {
  decodeDynamicValue,
  decodeMsgpack,
  encodeMsgpack,
  isUnknown,
  Unknown,
  type CtyValue,
} from '../../src/protocol/msgpack';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const bin = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

/** Decoding then re-encoding canonical bytes must give them back exactly. */
function expectRoundTrip(h: string): CtyValue {
  const value = decodeMsgpack(bin(h));
  expect(hex(encodeMsgpack(value))).toBe(h.replace(/\s+/g, ''));
  return value;
}

/** A refined unknown as Terraform 1.11 writes it: ext8, type 12, an integer-keyed map of refinements. */
const REFINED = 'c7 0b 0c 82 01 c3 02 a6 70 72 65 66 69 78'; // {1: true (not null), 2: "prefix"}

describe('encodeMsgpack: canonical forms, as Go cty writes them', () => {
  test.each<[CtyValue, string]>([
    [null, 'c0'],
    [true, 'c3'],
    [false, 'c2'],
    [0, '00'],
    [-0, '00'],
    [127, '7f'],
    [128, 'cc80'],
    [255, 'ccff'],
    [256, 'cd0100'],
    [65535, 'cdffff'],
    [65536, 'ce00010000'],
    [4294967295, 'ceffffffff'],
    [4294967296, 'cf0000000100000000'],
    [Number.MAX_SAFE_INTEGER, 'cf001fffffffffffff'],
    [2 ** 60, 'cf1000000000000000'],
    [-1, 'ff'],
    [-32, 'e0'],
    [-33, 'd0df'],
    [-128, 'd080'],
    [-129, 'd1ff7f'],
    [-32768, 'd18000'],
    [-32769, 'd2ffff7fff'],
    [-2147483648, 'd280000000'],
    [-2147483649, 'd3ffffffff7fffffff'],
    [Number.MIN_SAFE_INTEGER, 'd3ffe0000000000001'],
    [-(2 ** 63), 'd38000000000000000'],
    // Beyond int64, Go falls back to float64 even for integral values.
    [2 ** 63, 'cb43e0000000000000'],
    [1e20, 'cb4415af1d78b58c40'],
    [1.5, 'cb3ff8000000000000'],
    [-0.1, 'cbbfb999999999999a'],
    [Infinity, 'cb7ff0000000000000'],
  ])('%p → %s', (value, expected) => {
    expect(hex(encodeMsgpack(value))).toBe(expected);
    const back = decodeMsgpack(bin(expected));
    expect(Object.is(back, value) || (back === 0 && value === 0)).toBe(true);
  });

  test.each<[number, string]>([
    [0, 'a0'],
    [31, 'bf'],
    [32, 'd920'],
    [255, 'd9ff'],
    [256, 'da0100'],
    [65535, 'daffff'],
    [65536, 'db00010000'],
  ])('a string of %i UTF-8 bytes has header %s', (length, header) => {
    const ascii = 'x'.repeat(length);
    const encoded = encodeMsgpack(ascii);
    expect(hex(encoded.subarray(0, header.length / 2))).toBe(header);
    expect(encoded.length).toBe(header.length / 2 + length);
    expect(decodeMsgpack(encoded)).toBe(ascii);
  });

  test('the header counts UTF-8 bytes, not UTF-16 units', () => {
    expect(hex(encodeMsgpack('é'))).toBe('a2c3a9');
    expect(hex(encodeMsgpack('é'.repeat(16)).subarray(0, 2))).toBe('d920'); // 16 chars, 32 bytes
    expect(hex(encodeMsgpack('€'.repeat(10) + 'a').subarray(0, 1))).toBe('bf'); // 31 bytes
    expect(hex(encodeMsgpack('😀'))).toBe('a4f09f9880');
    // ASCII up to a late non-ASCII character: the header still counts that character's two bytes.
    expect(hex(encodeMsgpack(`${'a'.repeat(200)}é`).subarray(0, 2))).toBe('d9ca');
    expect(hex(encodeMsgpack(`${'a'.repeat(254)}é`).subarray(0, 3))).toBe('da0100');
    for (const s of ['', 'ü'.repeat(128), '日本語'.repeat(85), '😀'.repeat(16384), 'a€😀'.repeat(7000)]) {
      expect(decodeMsgpack(encodeMsgpack(s))).toBe(s);
    }
  });

  test('arrays and maps use fix, 16- and 32-bit headers', () => {
    expect(hex(encodeMsgpack([]))).toBe('90');
    expect(hex(encodeMsgpack(new Array(15).fill(1)))).toBe('9f' + '01'.repeat(15));
    expect(hex(encodeMsgpack(new Array(16).fill(1)))).toBe('dc0010' + '01'.repeat(16));
    expect(hex(encodeMsgpack(new Array(65536).fill(null)).subarray(0, 5))).toBe('dd00010000');
    expect(hex(encodeMsgpack({}))).toBe('80');
    const keys = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${String(i).padStart(5, '0')}`, i]));
    expect(hex(encodeMsgpack(keys(15)).subarray(0, 1))).toBe('8f');
    expect(hex(encodeMsgpack(keys(16)).subarray(0, 3))).toBe('de0010');
    const big = keys(65536);
    const encoded = encodeMsgpack(big);
    expect(hex(encoded.subarray(0, 5))).toBe('df00010000');
    expect(decodeMsgpack(encoded)).toEqual(big);
  });

  test('map keys are sorted by code point, as cty sorts attribute names and map keys', () => {
    expect(hex(encodeMsgpack({ b: 1, a: 2 }))).toBe('82a16102a16201');
    // JS enumerates integer-like keys first and numerically; Go sorts them as strings.
    expect(hex(encodeMsgpack({ 9: 'x', 10: 'y' }))).toBe('82a23130a179a139a178');
    // U+FFFD sorts before U+1F600 in UTF-8, though its UTF-16 unit (FFFD) is above the surrogate D83D.
    expect(hex(encodeMsgpack({ '😀': 1, '\ufffd': 2 }))).toBe('82a3efbfbd02a4f09f988001');
  });

  test('Unknown encodes as its raw bytes', () => {
    expect(hex(encodeMsgpack(Unknown.plain))).toBe('d40000');
    expect(hex(encodeMsgpack(new Unknown()))).toBe('d40000');
    expect(hex(encodeMsgpack([new Unknown(bin(REFINED)), 1]))).toBe(`92${REFINED.replace(/ /g, '')}01`);
  });

  test('errors name the value and where it is', () => {
    expect(() => encodeMsgpack({ a: [1, undefined as unknown as CtyValue] })).toThrow(
      'msgpack: cannot encode undefined (not a cty value; use null for a null attribute) at value.a[1]',
    );
    expect(() => encodeMsgpack(NaN)).toThrow('msgpack: cannot encode NaN: cty has no NaN');
    expect(() => encodeMsgpack(new Uint8Array(1) as unknown as CtyValue)).toThrow('cannot encode Uint8Array object');
  });
});

describe('decodeMsgpack', () => {
  test('every integer and float form becomes a number', () => {
    expect(decodeMsgpack(bin('cc05'))).toBe(5);
    expect(decodeMsgpack(bin('cd0005'))).toBe(5);
    expect(decodeMsgpack(bin('ce00000005'))).toBe(5);
    expect(decodeMsgpack(bin('cf0000000000000005'))).toBe(5);
    expect(decodeMsgpack(bin('d0fb'))).toBe(-5);
    expect(decodeMsgpack(bin('d1fffb'))).toBe(-5);
    expect(decodeMsgpack(bin('d2fffffffb'))).toBe(-5);
    expect(decodeMsgpack(bin('d3fffffffffffffffb'))).toBe(-5);
    expect(decodeMsgpack(bin('ca3fc00000'))).toBe(1.5);
    expect(decodeMsgpack(bin('cb3ff8000000000000'))).toBe(1.5);
  });

  test('integers a double cannot hold exactly throw instead of rounding', () => {
    expect(() => decodeMsgpack(bin('cf0020000000000001'))).toThrow(
      'msgpack: uint64 9007199254740993 at byte 0 cannot be represented exactly as a JS number',
    );
    expect(() => decodeMsgpack(bin('d3ffdfffffffffffff'))).toThrow('int64 -9007199254740993');
    expect(() => decodeMsgpack(bin('cfffffffffffffffff'))).toThrow('uint64 18446744073709551615');
    expect(decodeMsgpack(bin('d3ffe0000000000000'))).toBe(-(2 ** 53)); // exact, so allowed
  });

  test('str8/16/32 and bin decode to strings', () => {
    expect(decodeMsgpack(bin('d903616263'))).toBe('abc');
    expect(decodeMsgpack(bin('da0003616263'))).toBe('abc');
    expect(decodeMsgpack(bin('db00000003616263'))).toBe('abc');
    expect(decodeMsgpack(bin('c4083f737472696e673f'))).toBe('?string?');
    expect(decodeMsgpack(bin('c50003616263'))).toBe('abc');
    expect(decodeMsgpack(bin('c600000003616263'))).toBe('abc');
    // A dynamic value: [type JSON as bin, value].
    expect(decodeMsgpack(bin('92c40822737472696e6722a168'))).toEqual(['"string"', 'h']);
    // The one non-round-trip: bin comes back as str (cty reads either as bytes).
    expect(hex(encodeMsgpack(decodeMsgpack(bin('92c40822737472696e6722a168'))))).toBe('92a822737472696e6722a168');
  });

  test('every extension form is an Unknown that keeps its exact bytes', () => {
    for (const h of [
      'd40000',
      'd50c0102',
      'd60c01020304',
      'd70c0102030405060708',
      'd80c' + '00'.repeat(16),
      REFINED.replace(/ /g, ''),
      'c8000c0c' + '01'.repeat(12),
      'c9000000020c8000',
      'c7000c',
    ]) {
      const value = decodeMsgpack(bin(h));
      expect(isUnknown(value)).toBe(true);
      expect(hex((value as Unknown).raw)).toBe(h);
      expect(hex(encodeMsgpack(value))).toBe(h);
    }
    expect((decodeMsgpack(bin('d40000')) as Unknown).extType).toBe(0);
    expect((decodeMsgpack(bin(REFINED)) as Unknown).extType).toBe(12);
    expect(new Unknown(bin('d4ff00')).extType).toBe(-1);
  });

  test('a __proto__ key becomes an own property and leaves the prototype alone', () => {
    const value = decodeMsgpack(bin('81a95f5f70726f746f5f5f81a178c3')) as Record<string, CtyValue>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ x: true });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(hex(encodeMsgpack(value))).toBe('81a95f5f70726f746f5f5f81a178c3');
  });

  test('malformed input fails with the byte offset and what was being read', () => {
    expect(() => decodeMsgpack(bin(''))).toThrow('msgpack: truncated input at byte 0 while reading a value');
    expect(() => decodeMsgpack(bin('da00'))).toThrow('msgpack: truncated input at byte 1 while reading str16 length');
    expect(() => decodeMsgpack(bin('92a161'))).toThrow('msgpack: truncated input at byte 3 while reading a value');
    expect(() => decodeMsgpack(bin('dd7fffffff'))).toThrow('while reading 2147483647 array elements');
    expect(() => decodeMsgpack(bin('a5616263'))).toThrow(
      'truncated input at byte 1 while reading fixstr data (5 bytes)',
    );
    expect(() => decodeMsgpack(bin('c70a0c00'))).toThrow('truncated input at byte 0 while reading an extension');
    expect(() => decodeMsgpack(bin('c0c0'))).toThrow('msgpack: 1 unexpected bytes after the value, from byte 1');
    expect(() => decodeMsgpack(bin('c1'))).toThrow('msgpack: invalid type code 0xc1 at byte 0');
    expect(() => decodeMsgpack(bin('81 01 c3'))).toThrow(
      'msgpack: map key at byte 1 is number; cty maps and objects have string keys',
    );
  });

  test('the Unknown constructor accepts only one complete extension', () => {
    expect(() => new Unknown(bin('c0'))).toThrow(
      'msgpack: Unknown needs the bytes of exactly one msgpack extension, got c0',
    );
    expect(() => new Unknown(bin('d4000000'))).toThrow('got d4000000');
    const source = bin('d40000');
    const unknown = new Unknown(source);
    source[0] = 0;
    expect(hex(unknown.raw)).toBe('d40000'); // copied
  });
});

describe('Terraform-shaped values', () => {
  test('a resource object with every attribute, nested collections and a refined unknown round-trips byte for byte', () => {
    // Built as cty writes it: attributes sorted, nil for null, unknowns anywhere.
    const h = [
      '87',
      'a7 61 6c 69 61 73 65 73',
      '92 a1 61',
      REFINED, //                         aliases: ["a", <refined unknown>]
      'a7 65 6e 61 62 6c 65 64',
      'c3', //                                         enabled: true
      'a2 69 64',
      'd4 00 00', //                                                   id: <unknown>
      'a4 6e 61 6d 65',
      'c0', //                                                   name: null
      'a5 70 6f 72 74 73',
      '93 19 cd 01 d1 cc 80', //                              ports: [25, 465, 128]
      'a5 72 75 6c 65 73',
      '91 83 a6 61 63 74 69 6f 6e a5 61 6c 6c 6f 77 a4 74 61 67 73 c0 a6 77 65 69 67 68 74 cb 3f e0 00 00 00 00 00 00',
      'a4 74 61 67 73',
      '82 a3 65 6e 76 a4 70 72 6f 64 a5 6f 77 6e 65 72',
      REFINED,
    ].join(' ');
    const value = expectRoundTrip(h) as Record<string, CtyValue>;
    expect(Object.keys(value)).toEqual(['aliases', 'enabled', 'id', 'name', 'ports', 'rules', 'tags']);
    expect(value.enabled).toBe(true);
    expect(value.name).toBeNull();
    expect(value.ports).toEqual([25, 465, 128]);
    expect(value.rules).toEqual([{ action: 'allow', tags: null, weight: 0.5 }]);
    const aliases = value.aliases as CtyValue[];
    expect(aliases[0]).toBe('a');
    expect(isUnknown(aliases[1]) && (aliases[1] as Unknown).extType).toBe(12);
    expect(isUnknown(value.id)).toBe(true);
    expect(isUnknown((value.tags as Record<string, CtyValue>).owner)).toBe(true);
  });

  test('a large nested value survives decode → encode → decode', () => {
    // Exactly n UTF-8 bytes each, mixing 2-, 3- and 4-byte characters: 'ß€😀x' is 10 bytes.
    const strings = [0, 31, 32, 255, 256, 65535, 65536].map(
      (n) => 'ß€😀x'.repeat(Math.floor(n / 10)) + 'x'.repeat(n % 10),
    );
    expect(strings.map((s) => Buffer.byteLength(s))).toEqual([0, 31, 32, 255, 256, 65535, 65536]);
    expect(strings.map((s) => hex(encodeMsgpack(s).subarray(0, 1)))).toEqual([
      'a0',
      'bf',
      'd9',
      'd9',
      'da',
      'da',
      'db',
    ]);
    const ints = [
      0,
      1,
      127,
      128,
      255,
      256,
      65535,
      65536,
      2 ** 32 - 1,
      2 ** 32,
      Number.MAX_SAFE_INTEGER,
      -1,
      -32,
      -33,
      -128,
      -129,
      -32768,
      -32769,
      -(2 ** 31),
      -(2 ** 31) - 1,
      Number.MIN_SAFE_INTEGER,
    ];
    const value: CtyValue = {
      strings,
      ints,
      floats: [0.1, -2.5e-300, 1.7976931348623157e308, 5e-324],
      list_of_objects: Array.from({ length: 40 }, (_, i) => ({
        index: i,
        name: `item-${i}`,
        nothing: null,
        unknown: Unknown.plain,
      })),
      map_of_objects: { a: { x: [] }, 'b.c': { x: [true, false] } },
      nested: { deeper: { deepest: [[[new Unknown(bin(REFINED))]]] } },
    };
    const once = encodeMsgpack(value);
    const decoded = decodeMsgpack(once);
    expect(hex(encodeMsgpack(decoded))).toBe(hex(once));
    expect(decoded).toEqual(value);
  });
});

describe('decodeDynamicValue', () => {
  test('prefers msgpack, falls back to JSON text, and treats an empty value as null', () => {
    expect(decodeDynamicValue({ msgpack: bin('81a178c3'), json: Buffer.from('{"x":false}') })).toEqual({ x: true });
    expect(decodeDynamicValue({ json: Buffer.from('{"id":"a","n":3,"l":[1.5]}') })).toEqual({
      id: 'a',
      n: 3,
      l: [1.5],
    });
    expect(decodeDynamicValue({ msgpack: new Uint8Array(0) })).toBeNull();
    expect(decodeDynamicValue(undefined)).toBeNull();
  });
});

/**
 * One plan sends a 60,000-member list's `identities` to the provider up to five times (state, config, prior,
 * proposed...). A large map or array seen again byte for byte is the same value: decoded once, shared, and frozen so
 * that no caller can change it under another.
 */
/**
 * The decoder as the provider runs it: the Jest config sets EXOFORM_TEST_FREEZE_DECODED for every other test, which
 * freezes every decoded container; these tests are about which containers production shares and freezes.
 */
function productionDecoder(): typeof import('../../src/protocol/msgpack') {
  const saved = process.env.EXOFORM_TEST_FREEZE_DECODED;
  delete process.env.EXOFORM_TEST_FREEZE_DECODED;
  try {
    let loaded: typeof import('../../src/protocol/msgpack') | undefined;
    jest.isolateModules(() => {
      loaded = require('../../src/protocol/msgpack');
    });
    return loaded!;
  } finally {
    if (saved !== undefined) process.env.EXOFORM_TEST_FREEZE_DECODED = saved;
  }
}

describe('decodeMsgpack under test: every decoded map and array is frozen', () => {
  it('so code that changes a decoded value fails in a small test, not only on a large tenant', () => {
    expect(process.env.EXOFORM_TEST_FREEZE_DECODED).toBe('1');
    const decoded = decodeMsgpack(
      encodeMsgpack({ id: 'x', identities: { 'a@example.com': '' }, tags: ['t'] }),
    ) as Record<string, any>;
    expect(Object.isFrozen(decoded)).toBe(true);
    expect(Object.isFrozen(decoded.identities)).toBe(true);
    expect(Object.isFrozen(decoded.tags)).toBe(true);
    expect(() => {
      decoded.identities['new@example.com'] = '';
    }).toThrow(TypeError);
    expect(() => decoded.tags.push('u')).toThrow(TypeError);
    // Frozen values still encode to the same bytes.
    expect(decodeMsgpack(encodeMsgpack(decoded))).toEqual(decoded);
  });
});

describe('decodeMsgpack: large maps and arrays decoded once', () => {
  const { decodeMsgpack, encodeMsgpack, mapKeys } = productionDecoder();
  const members = (count: number, prefix = 'user'): Record<string, string> =>
    Object.fromEntries(
      Array.from({ length: count }, (_, i) => [`${prefix}${String(i).padStart(5, '0')}@example.com`, '']),
    );

  it('gives back the same frozen value for the same bytes, wherever they sit in the message', () => {
    const identities = members(5000);
    const state = decodeMsgpack(encodeMsgpack({ id: 'x', identities })) as Record<string, any>;
    const plan = decodeMsgpack(
      encodeMsgpack({ config: { identities }, prior: { id: 'x', identities, out_of_sync: {} } }),
    ) as Record<string, any>;
    expect(state.identities).toEqual(identities);
    expect(plan.config.identities).toBe(state.identities);
    expect(plan.prior.identities).toBe(state.identities);
    expect(Object.isFrozen(state.identities)).toBe(true);
    expect(() => {
      state.identities['new@example.com'] = '';
    }).toThrow(TypeError);
    // The small containers around it are the caller's own, as always.
    expect(Object.isFrozen(state)).toBe(false);
    expect(plan.config).not.toBe(plan.prior);
  });

  it("shares a fleet tenant's list of 1,000 members, and leaves one of 255 unshared", () => {
    const thousand = members(1000);
    const first = (decodeMsgpack(encodeMsgpack({ identities: thousand })) as Record<string, any>).identities;
    const again = (decodeMsgpack(encodeMsgpack({ config: { identities: thousand } })) as Record<string, any>).config;
    expect(again.identities).toBe(first);
    expect(first).toEqual(thousand);
    const few = members(255, 'few');
    const a = decodeMsgpack(encodeMsgpack(few));
    expect(decodeMsgpack(encodeMsgpack(few))).not.toBe(a);
  });

  it('decodes different bytes afresh: one changed member is a different value', () => {
    const identities = members(5000);
    const first = (decodeMsgpack(encodeMsgpack({ identities })) as Record<string, any>).identities;
    const changed = { ...identities, 'added@example.com': 'a note' };
    const second = (decodeMsgpack(encodeMsgpack({ identities: changed })) as Record<string, any>).identities;
    expect(second).not.toBe(first);
    expect(second).toEqual(changed);
    expect(first).toEqual(identities);
  });

  it('freezes what a shared value holds, too', () => {
    const rows = Array.from({ length: 4096 }, (_, i) => ({ name: `n${i}`, tags: [`t${i}`] }));
    const decoded = decodeMsgpack(encodeMsgpack(rows)) as Array<{ name: string; tags: string[] }>;
    expect(decoded).toEqual(rows);
    expect(Object.isFrozen(decoded[7])).toBe(true);
    expect(Object.isFrozen(decoded[7]!.tags)).toBe(true);
  });

  it('encodes a shared value sent back unchanged to the bytes it came from (what encoding it would give)', () => {
    const identities = members(5000, 'back');
    const canonical = Buffer.from(encodeMsgpack({ id: 'x', identities, out_of_sync: {} }));
    const decoded = decodeMsgpack(canonical) as Record<string, CtyValue>;
    expect(Object.isFrozen(decoded.identities)).toBe(true);
    expect(hex(encodeMsgpack({ ...decoded, id: 'x' }))).toBe(hex(canonical));
    // A bin string inside is encoded back as str, so such a value is encoded afresh.
    const binMap = Buffer.concat([
      Buffer.from([0xde, 0x10, 0x00]),
      ...Array.from({ length: 4096 }, (_, i) =>
        Buffer.concat([
          Buffer.from([0xa5]),
          Buffer.from(`k${String(i).padStart(4, '0')}`),
          Buffer.from([0xc4, 0x01, 0x61]),
        ]),
      ),
    ]);
    const withBin = decodeMsgpack(binMap) as Record<string, string>;
    expect(withBin.k0001).toBe('a');
    expect(hex(encodeMsgpack(withBin))).not.toBe(hex(binMap));
    expect(decodeMsgpack(encodeMsgpack(withBin))).toEqual(withBin);
  });

  it('leaves small maps and arrays unshared and writable', () => {
    const small = members(10);
    const a = decodeMsgpack(encodeMsgpack(small)) as Record<string, string>;
    const b = decodeMsgpack(encodeMsgpack(small)) as Record<string, string>;
    expect(a).not.toBe(b);
    a['x@example.com'] = '';
    expect(Object.keys(b)).toHaveLength(10);
  });

  it("keeps a large map's keys as Terraform sent them (sorted), so mapKeys costs no Object.keys", () => {
    const identities = members(5000, 'keys');
    const decoded = (decodeMsgpack(encodeMsgpack({ identities })) as Record<string, any>).identities;
    const keys = mapKeys(decoded);
    expect(keys).toEqual(Object.keys(identities).sort());
    expect(mapKeys(decoded)).toBe(keys); // kept, not rebuilt
    // A small map, or any value not decoded here, gets Object.keys.
    const small = decodeMsgpack(encodeMsgpack(members(3))) as Record<string, string>;
    expect(mapKeys(small)).toEqual(Object.keys(small));
    expect(mapKeys({ b: '', a: '' })).toEqual(['b', 'a']);
  });

  it('gives the keys of a large map once each when a peer repeats a key (the later value wins)', () => {
    // Not what cty sends (its keys are sorted and distinct), but a map header with 4,097 entries, one key twice.
    const entry = (key: string, value: string): Buffer =>
      Buffer.concat([
        Buffer.from([0xa0 | key.length]),
        Buffer.from(key),
        Buffer.from([0xa0 | value.length]),
        Buffer.from(value),
      ]);
    const keys = Array.from({ length: 4096 }, (_, i) => `k${String(i).padStart(4, '0')}`);
    const bytes = Buffer.concat([
      Buffer.from([0xde, 0x10, 0x01]),
      ...keys.map((key) => entry(key, 'a')),
      entry('k0007', 'b'),
    ]);
    const decoded = decodeMsgpack(bytes) as Record<string, string>;
    expect(decoded.k0007).toBe('b');
    expect(mapKeys(decoded)).toEqual(keys);
  });

  it('still refuses a truncated copy of a remembered value', () => {
    const bytes = Buffer.from(encodeMsgpack(members(5000)));
    decodeMsgpack(bytes);
    expect(() => decodeMsgpack(bytes.subarray(0, bytes.length - 3))).toThrow(/truncated/);
  });
});
