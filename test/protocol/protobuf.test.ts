import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { encodeMsgpack, decodeMsgpack } from '../../src/protocol/msgpack';
import {
  decodeMessage,
  encodeMessage,
  enums,
  grpc,
  methodDescriptor,
  methods,
  plugin,
  tfplugin6,
  type FieldDescriptor,
} from '../../src/protocol/protobuf';

// The protocol has no repeated scalars or non-string map keys; a test-only message covers those code paths.
const TEST_PROTO = `syntax = "proto3"; package test;
message Scalars {
  int32 i32 = 1; int64 i64 = 2; uint32 u32 = 3; uint64 u64 = 4; double d = 5; bool b = 6;
  repeated int64 ints = 7; repeated bool flags = 8; repeated double doubles = 9; repeated string names = 10;
  map<int64, string> by_id = 11; map<string, tfplugin6.Diagnostic.Severity> severities = 12; string far = 300;
}`;
// jest.mock is hoisted above the imports, so the test fields are defined inside the factory.
jest.mock('../../src/protocol/generated/descriptors', () => {
  const actual = jest.requireActual('../../src/protocol/generated/descriptors');
  const fields: FieldDescriptor[] = [
    { name: 'i32', number: 1, type: 'int32' },
    { name: 'i64', number: 2, type: 'int64' },
    { name: 'u32', number: 3, type: 'uint32' },
    { name: 'u64', number: 4, type: 'uint64' },
    { name: 'd', number: 5, type: 'double' },
    { name: 'b', number: 6, type: 'bool' },
    { name: 'ints', number: 7, type: 'int64', repeated: true },
    { name: 'flags', number: 8, type: 'bool', repeated: true },
    { name: 'doubles', number: 9, type: 'double', repeated: true },
    { name: 'names', number: 10, type: 'string', repeated: true },
    { name: 'by_id', number: 11, type: 'message', map: { keyType: 'int64', valueType: 'string' } },
    {
      name: 'severities',
      number: 12,
      type: 'message',
      map: { keyType: 'string', valueType: 'enum', valueEnumType: 'tfplugin6.Diagnostic.Severity' },
    },
    { name: 'far', number: 300, type: 'string' },
  ];
  return { ...actual, messages: { ...actual.messages, 'test.Scalars': fields } };
});

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const bin = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');
/** Hex of an unsigned varint, for values a JS number cannot hold. */
function varint(n: bigint): string {
  let out = '';
  for (; n > 0x7fn; n >>= 7n) out += ((n & 0x7fn) | 0x80n).toString(16).padStart(2, '0');
  return out + n.toString(16).padStart(2, '0');
}

/** protobufjs, reading the same .proto files, as an independent reference implementation. */
const reference = (() => {
  const root = new protobuf.Root();
  const dir = path.join(__dirname, '../../src/protocol');
  root.loadSync(
    ['tfplugin6.proto', 'go-plugin.proto', 'grpc-health.proto'].map((f) => path.join(dir, f)),
    { keepCase: true },
  );
  protobuf.parse(TEST_PROTO, root, { keepCase: true });
  root.resolveAll();
  return {
    encode: (type: string, value: object) =>
      root.lookupType(type).encode(root.lookupType(type).fromObject(value)).finish(),
    decode: (type: string, bytes: Uint8Array) =>
      root
        .lookupType(type)
        .toObject(root.lookupType(type).decode(bytes), { longs: Number, arrays: true, objects: true }),
  };
})();

const severity = tfplugin6.Diagnostic.Severity;

describe('encodeMessage / decodeMessage: wire bytes', () => {
  test('a diagnostic with an attribute path, including element_key_int 0 (a oneof member, so sent although 0)', () => {
    const diagnostic = {
      severity: severity.ERROR,
      summary: 'bad',
      attribute: { steps: [{ attribute_name: 'x' }, { element_key_int: 0 }] },
    };
    const bytes = encodeMessage('tfplugin6.Diagnostic', diagnostic);
    expect(hex(bytes)).toBe('0801' + '1203626164' + '2209' + '0a030a0178' + '0a021800');
    expect(decodeMessage('tfplugin6.Diagnostic', bytes)).toEqual(diagnostic);
    expect(hex(reference.encode('tfplugin6.Diagnostic', diagnostic))).toBe(hex(bytes));
  });

  test('proto3 defaults are omitted unless the field has explicit presence', () => {
    expect(
      hex(encodeMessage('tfplugin6.Diagnostic', { severity: 0, summary: '', detail: undefined, attribute: null })),
    ).toBe('');
    expect(hex(encodeMessage('tfplugin6.DynamicValue', { msgpack: new Uint8Array(0), json: Buffer.alloc(0) }))).toBe(
      '',
    );
    expect(hex(encodeMessage('tfplugin6.ServerCapabilities', { plan_destroy: false, move_resource_state: true }))).toBe(
      '1801',
    );
    // proto3 `optional`: 0 is a value.
    expect(hex(encodeMessage('tfplugin6.FunctionError', { text: '', function_argument: 0 }))).toBe('1000');
    expect(decodeMessage('tfplugin6.FunctionError', bin('1000'))).toEqual({ function_argument: 0 });
    // An empty message is still present.
    expect(hex(encodeMessage('tfplugin6.ReadResource.Response', { deferred: {} }))).toBe('2200');
    expect(hex(encodeMessage('tfplugin6.OpenEphemeralResource.Response', { private: Buffer.alloc(0) }))).toBe('2200');
  });

  test('absent fields decode as undefined, repeated as [] and maps as {}', () => {
    const decoded = decodeMessage('tfplugin6.GetProviderSchema.Response', new Uint8Array(0));
    expect(decoded).toStrictEqual({
      resource_schemas: {},
      data_source_schemas: {},
      diagnostics: [],
      functions: {},
      ephemeral_resource_schemas: {},
    });
    expect(decoded.provider).toBeUndefined();
  });

  test('int64: negative numbers take ten bytes; safe-integer bounds round-trip; beyond them decoding throws', () => {
    expect(hex(encodeMessage('tfplugin6.Schema.Block', { version: -1 }))).toBe('08ffffffffffffffffff01');
    expect(hex(encodeMessage('tfplugin6.Schema.Block', { version: 300 }))).toBe('08ac02');
    expect(hex(encodeMessage('tfplugin6.Schema.Block', { version: Number.MAX_SAFE_INTEGER }))).toBe(
      '08ffffffffffffff0f',
    );
    for (const version of [
      0x7fffffff,
      0x80000000,
      2 ** 32,
      2 ** 40 + 3,
      Number.MAX_SAFE_INTEGER,
      -(2 ** 31),
      Number.MIN_SAFE_INTEGER,
      -5,
    ]) {
      const bytes = encodeMessage('tfplugin6.Schema.Block', { version });
      expect(decodeMessage('tfplugin6.Schema.Block', bytes).version).toBe(version);
      expect(hex(reference.encode('tfplugin6.Schema.Block', { version }))).toBe(hex(bytes));
    }
    expect(() => decodeMessage('tfplugin6.Schema.Block', bin('08' + varint(2n ** 53n)))).toThrow(
      'protobuf: tfplugin6.Schema.Block.version is 9007199254740992, beyond Number.MAX_SAFE_INTEGER',
    );
    expect(() => decodeMessage('tfplugin6.Schema.Block', bin('08' + varint(2n ** 64n - 2n ** 53n)))).toThrow(
      'is -9007199254740992,',
    );
    expect(decodeMessage('tfplugin6.Schema.Block', bin('08' + varint(2n ** 64n - 2n ** 53n + 1n))).version).toBe(
      Number.MIN_SAFE_INTEGER,
    );
    expect(() => encodeMessage('tfplugin6.Schema.Block', { version: 2 ** 53 })).toThrow(
      'protobuf: tfplugin6.Schema.Block.version (int64) must be an integer from -9007199254740991 to 9007199254740991, got number 9007199254740992',
    );
  });

  test('scalars, packed and unpacked repeated fields, integer map keys and multi-byte tags', () => {
    const value = {
      i32: -7,
      i64: -(2 ** 40),
      u32: 0xffffffff,
      u64: 2 ** 50,
      d: -1.25,
      b: true,
      ints: [1, -1, 300, 2 ** 45],
      flags: [true, false, true],
      doubles: [0.5, -0],
      names: ['a', '', 'ü'],
      by_id: { '-3': 'minus three', 7: 'seven' },
      severities: { a: severity.WARNING, b: severity.INVALID },
      far: 'x',
    };
    const bytes = encodeMessage('test.Scalars', value);
    expect(hex(bytes)).toBe(hex(reference.encode('test.Scalars', value)));
    expect(hex(bytes)).toContain('3a14' + '01' + 'ffffffffffffffffff01' + 'ac02' + '80808080808008'); // ints, packed
    expect(hex(bytes)).toContain('4203010001'); // flags, packed
    expect(hex(bytes)).toContain('e2120178'); // field 300: a two-byte tag
    expect(decodeMessage('test.Scalars', bytes)).toEqual(value);
    // (protobufjs reports int64 map keys as hashes, so by_id is compared by the byte equality above only.)
    const { by_id: _ignored, ...rest } = reference.decode('test.Scalars', bytes);
    const { by_id: _alsoIgnored, ...expected } = value;
    expect(rest).toEqual(expected);
    // Unpacked encodings of packable fields must be accepted too, and mixed with packed ones.
    expect(decodeMessage('test.Scalars', bin('3801 3802 3a020304 4001 4a08000000000000f03f'))).toMatchObject({
      ints: [1, 2, 3, 4],
      flags: [true],
      doubles: [1],
    });
  });

  test('uint32 and enum boundaries', () => {
    expect(hex(encodeMessage('plugin.ConnInfo', { service_id: 0xffffffff }))).toBe('08ffffffff0f');
    expect(decodeMessage('plugin.ConnInfo', bin('08ffffffff0f')).service_id).toBe(0xffffffff);
    expect(() => encodeMessage('plugin.ConnInfo', { service_id: -1 })).toThrow(
      'must be an integer from 0 to 4294967295, got number -1',
    );
    expect(hex(encodeMessage('test.Scalars', { i32: -1 }))).toBe('08ffffffffffffffffff01');
    expect(decodeMessage('test.Scalars', bin('08ffffffffffffffffff01')).i32).toBe(-1);
    expect(decodeMessage('tfplugin6.Diagnostic', bin('0863')).severity).toBe(99); // unknown enum values pass through
  });

  test('unknown field numbers of every wire type are skipped, and so are known fields with the wrong wire type', () => {
    const bytes = bin(
      [
        '0a03d40000', //        msgpack (1), len 3
        '9806 9601', //         field 99, varint 150
        'a106 0102030405060708', // field 100, fixed64
        'aa06 02abcd', //       field 101, length-delimited
        'b506 01020304', //     field 102, fixed32
        'bb06 0801 bc06', //    field 103, a group holding a varint field
        '1005', //              json (2) sent as a varint: not what the schema says, so skipped
      ].join(''),
    );
    expect(decodeMessage('tfplugin6.DynamicValue', bytes)).toEqual({ msgpack: bin('d40000') });
  });

  test('map fields', () => {
    const raw = { json: Buffer.from('{"id":"x"}'), flatmap: { id: 'x', 'tags.%': '0', __proto__x: 'y' } };
    const bytes = encodeMessage('tfplugin6.RawState', raw);
    expect(hex(bytes).startsWith('0a0a7b226964223a2278227d' + '1207' + '0a026964' + '120178')).toBe(true);
    expect(decodeMessage('tfplugin6.RawState', bytes)).toEqual(raw);
    // A map key of '__proto__' from the wire is an own property, not a prototype change.
    const hostile = decodeMessage('tfplugin6.RawState', bin('120e 0a095f5f70726f746f5f5f 120178'));
    expect(Object.getPrototypeOf(hostile.flatmap)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(hostile.flatmap, '__proto__')?.value).toBe('x');
    // Missing key or value in an entry: the defaults.
    expect(decodeMessage('tfplugin6.RawState', bin('1200')).flatmap).toEqual({ '': '' });
    expect(decodeMessage('tfplugin6.GetProviderSchema.Response', bin('1203 0a0161')).resource_schemas).toEqual({
      a: {},
    });
  });

  test('malformed input and wrong values fail with what and where', () => {
    expect(() => decodeMessage('tfplugin6.DynamicValue', bin('0a05d400'))).toThrow(
      'protobuf: truncated input at byte 2 while reading 5 bytes announced by a length prefix of tfplugin6.DynamicValue.msgpack',
    );
    expect(() => decodeMessage('tfplugin6.Schema.Block', bin('08ff'))).toThrow(
      'truncated input at byte 1 while reading a varint of tfplugin6.Schema.Block.version',
    );
    expect(() => decodeMessage('tfplugin6.Diagnostic', bin('2202 0a05'))).toThrow(
      'while reading 5 bytes announced by a length prefix of tfplugin6.AttributePath.steps',
    );
    expect(() => decodeMessage('tfplugin6.Schema.Block', bin('08ffffffffffffffffffff01'))).toThrow(
      'protobuf: varint longer than 10 bytes',
    );
    expect(() => decodeMessage('tfplugin6.DynamicValue', bin('0f'))).toThrow(
      'protobuf: invalid wire type 7 at byte 1 in tfplugin6.DynamicValue',
    );
    expect(() => decodeMessage('tfplugin6.Nope', new Uint8Array(0))).toThrow(
      'protobuf: unknown message type tfplugin6.Nope',
    );
    expect(() => encodeMessage('toString', {})).toThrow('protobuf: unknown message type toString');
    expect(() => encodeMessage('tfplugin6.Diagnostic', { summary: 5 })).toThrow(
      'protobuf: tfplugin6.Diagnostic.summary must be a string, got number 5',
    );
    expect(() => encodeMessage('tfplugin6.Diagnostic', { severity: 1.5 })).toThrow(
      'tfplugin6.Diagnostic.severity (enum) must be an integer',
    );
    expect(() => encodeMessage('tfplugin6.ValidateResourceConfig.Response', { diagnostics: {} })).toThrow(
      'protobuf: tfplugin6.ValidateResourceConfig.Response.diagnostics is repeated and must be an array, got object',
    );
    expect(() => encodeMessage('tfplugin6.ValidateResourceConfig.Response', { diagnostics: [null] })).toThrow(
      'protobuf: tfplugin6.Diagnostic must be an object, got null',
    );
    expect(() => encodeMessage('tfplugin6.DynamicValue', { msgpack: [1] })).toThrow(
      'must be a Uint8Array or string, got an array',
    );
  });

  test('bytes fields accept a string as UTF-8, and decode to copies', () => {
    expect(hex(encodeMessage('tfplugin6.Schema.Attribute', { type: '"string"' }))).toBe('120822737472696e6722');
    const input = bin('0a03d40000');
    const decoded = decodeMessage('tfplugin6.DynamicValue', input);
    input[2] = 0;
    expect(hex(decoded.msgpack)).toBe('d40000');
  });
});

describe('Terraform-shaped messages', () => {
  const stringType = Buffer.from('"string"');
  const schemaResponse = {
    provider: {
      block: {
        attributes: [
          {
            name: 'organization',
            type: stringType,
            description: 'The **tenant**',
            required: true,
            description_kind: tfplugin6.StringKind.MARKDOWN,
          },
          { name: 'client_secret', type: stringType, optional: true, sensitive: true },
        ],
        block_types: [],
      },
    },
    resource_schemas: {
      exoform_smtp_auth: {
        version: 1,
        block: {
          attributes: [
            { name: 'id', type: stringType, computed: true },
            { name: 'mailboxes', type: Buffer.from('["set","string"]'), optional: true, deprecated: true },
            {
              name: 'policy',
              optional: true,
              write_only: true,
              nested_type: {
                attributes: [{ name: 'enabled', type: Buffer.from('"bool"'), required: true }],
                nesting: tfplugin6.Schema.Object.NestingMode.SINGLE,
              },
            },
          ],
          block_types: [
            {
              type_name: 'rule',
              nesting: tfplugin6.Schema.NestedBlock.NestingMode.LIST,
              max_items: 10,
              block: {
                attributes: [{ name: 'name', type: stringType, required: true }],
                block_types: [],
                description: 'ü'.repeat(300),
              },
            },
          ],
        },
      },
    },
    data_source_schemas: {
      exoform_mailbox: {
        block: { attributes: [{ name: 'address', type: stringType, required: true }], block_types: [] },
      },
    },
    functions: {
      parse_address: {
        parameters: [{ name: 'input', type: stringType, allow_null_value: true }],
        return: { type: Buffer.from('["object",{"domain":"string"}]') },
        summary: 'Splits an address',
      },
    },
    ephemeral_resource_schemas: {},
    diagnostics: [
      {
        severity: severity.WARNING,
        summary: 'preview',
        attribute: { steps: [{ attribute_name: 'rules' }, { element_key_int: 2 }, { element_key_string: 'k' }] },
      },
    ],
    server_capabilities: { plan_destroy: true, get_provider_schema_optional: true },
  };

  test('GetProviderSchema.Response round-trips and matches the reference implementation byte for byte', () => {
    const bytes = encodeMessage('tfplugin6.GetProviderSchema.Response', schemaResponse);
    expect(bytes.length).toBeGreaterThan(700); // long enough that lengths need two-byte varints
    expect(hex(bytes)).toBe(hex(reference.encode('tfplugin6.GetProviderSchema.Response', schemaResponse)));
    const decoded = decodeMessage('tfplugin6.GetProviderSchema.Response', bytes);
    // Decoding adds [] / {} for repeated and map fields the input left out; otherwise it is the input.
    expect(JSON.parse(JSON.stringify(decoded))).toMatchObject(JSON.parse(JSON.stringify(schemaResponse)));
    expect(decoded.resource_schemas.exoform_smtp_auth.block.attributes[2].nested_type).toEqual({
      attributes: [{ name: 'enabled', type: Buffer.from('"bool"'), required: true }],
      nesting: 1,
    });
    expect(decoded.functions.parse_address.parameters[0]).toEqual({
      name: 'input',
      type: stringType,
      allow_null_value: true,
    });
    expect(decoded.diagnostics[0].attribute.steps).toEqual([
      { attribute_name: 'rules' },
      { element_key_int: 2 },
      { element_key_string: 'k' },
    ]);
  });

  test('PlanResourceChange.Request from Terraform decodes, and its msgpack values (refined unknowns included) re-encode exactly', () => {
    const refined = 'c70b0c8201c302a6707265666978';
    const proposed = bin(`83 a2 6964 d40000 a7 6d61696c626f78 92 a161 ${refined} a4 6e616d65 c0`);
    const request = {
      type_name: 'exoform_smtp_auth',
      prior_state: { msgpack: bin('c0') },
      proposed_new_state: { msgpack: proposed },
      config: { msgpack: bin('83a26964c0a76d61696c626f7892a161d40000a46e616d65c0') },
      prior_private: Buffer.from('{"schema_version":"1"}'),
      provider_meta: { msgpack: bin('c0') },
      client_capabilities: { deferral_allowed: true, write_only_attributes_allowed: true },
    };
    const bytes = reference.encode('tfplugin6.PlanResourceChange.Request', request); // as Terraform would send it
    expect(hex(encodeMessage('tfplugin6.PlanResourceChange.Request', request))).toBe(hex(bytes));
    const decoded = decodeMessage('tfplugin6.PlanResourceChange.Request', bytes);
    expect(decoded).toEqual(request);
    const state = decodeMsgpack(decoded.proposed_new_state.msgpack);
    expect(hex(encodeMsgpack(state))).toBe(hex(proposed));

    const response = {
      planned_state: { msgpack: encodeMsgpack(state) },
      requires_replace: [{ steps: [{ attribute_name: 'name' }] }],
      planned_private: Buffer.from('{}'),
      diagnostics: [],
    };
    const responseBytes = encodeMessage('tfplugin6.PlanResourceChange.Response', response);
    expect(reference.decode('tfplugin6.PlanResourceChange.Response', responseBytes)).toEqual({
      ...response,
      planned_state: { msgpack: Buffer.from(proposed) },
    });
  });

  test('large values: multi-byte length prefixes and buffer growth', () => {
    for (const size of [127, 128, 16383, 16384, 3 * 1024 * 1024]) {
      const msgpack = Buffer.alloc(size, 0xc0);
      const bytes = encodeMessage('tfplugin6.ApplyResourceChange.Response', {
        new_state: { msgpack },
        private: Buffer.from('p'),
        diagnostics: [{ summary: 's'.repeat(size % 1000) }],
      });
      const decoded = decodeMessage('tfplugin6.ApplyResourceChange.Response', bytes);
      expect(decoded.new_state.msgpack.equals(msgpack)).toBe(true);
      expect(decoded.private.toString()).toBe('p');
      expect(decoded.diagnostics[0].summary).toBe('s'.repeat(size % 1000));
      expect(hex(bytes)).toBe(
        hex(
          reference.encode('tfplugin6.ApplyResourceChange.Response', {
            new_state: { msgpack },
            private: Buffer.from('p'),
            diagnostics: [{ summary: 's'.repeat(size % 1000) }],
          }),
        ),
      );
    }
    expect(hex(encodeMessage('tfplugin6.DynamicValue', { json: '{}' }))).toBe('12027b7d');
  });

  test('encoding from inside a value being encoded (a getter) is safe', () => {
    const inner = {
      get summary() {
        return hex(encodeMessage('tfplugin6.DynamicValue', { json: 'x'.repeat(100) })).slice(0, 8);
      },
    };
    const bytes = encodeMessage('tfplugin6.ValidateResourceConfig.Response', {
      diagnostics: [inner, { summary: 'after' }],
    });
    expect(decodeMessage('tfplugin6.ValidateResourceConfig.Response', bytes).diagnostics).toEqual([
      { summary: '12647878' },
      { summary: 'after' },
    ]);
  });
});

describe('generated constants', () => {
  test('enums are typed named constants', () => {
    const error: 1 = tfplugin6.Diagnostic.Severity.ERROR;
    expect(error).toBe(1);
    expect(tfplugin6.Diagnostic.Severity).toEqual({ INVALID: 0, ERROR: 1, WARNING: 2 });
    expect(tfplugin6.Schema.NestedBlock.NestingMode.GROUP).toBe(5);
    expect(tfplugin6.Deferred.Reason.ABSENT_PREREQ).toBe(3);
    expect(plugin.StdioData.Channel.STDERR).toBe(2);
    expect(grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING).toBe(1);
    expect(enums['tfplugin6.StringKind']).toEqual({ PLAIN: 0, MARKDOWN: 1 });
  });

  test('methods are keyed by HTTP/2 path', () => {
    expect(methodDescriptor('/tfplugin6.Provider/PlanResourceChange')).toEqual({
      path: '/tfplugin6.Provider/PlanResourceChange',
      service: 'tfplugin6.Provider',
      method: 'PlanResourceChange',
      requestType: 'tfplugin6.PlanResourceChange.Request',
      responseType: 'tfplugin6.PlanResourceChange.Response',
      requestStream: false,
      responseStream: false,
    });
    expect(methods['/plugin.GRPCStdio/StreamStdio']).toMatchObject({
      requestType: 'google.protobuf.Empty',
      responseType: 'plugin.StdioData',
      responseStream: true,
    });
    expect(methods['/plugin.GRPCBroker/StartStream']).toMatchObject({ requestStream: true, responseStream: true });
    expect(() => methodDescriptor('/tfplugin6.Provider/Nope')).toThrow('no gRPC method /tfplugin6.Provider/Nope');
    expect(() => methodDescriptor('toString')).toThrow('no gRPC method toString');
    expect(
      hex(
        encodeMessage('grpc.health.v1.HealthCheckResponse', {
          status: grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING,
        }),
      ),
    ).toBe('0801');
    expect(
      hex(encodeMessage('plugin.StdioData', { channel: plugin.StdioData.Channel.STDERR, data: Buffer.from('hi') })),
    ).toBe('080212026869');
  });
});
