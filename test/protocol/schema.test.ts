/**
 * Schemas as Terraform receives them: attribute types as cty type JSON in bytes, flags, markdown descriptions,
 * attributes in sorted order; and the start-up checks that catch schema mistakes.
 */
import { decodeMessage, encodeMessage, enums } from '../../src/protocol/protobuf';
import {
  assertValidSchema,
  schemaToProto,
  typeToJson,
  type AttributeSchema,
  type Schema,
} from '../../src/protocol/schema';
import { providerSchema } from '../../src/provider/provider';
import { transportConfigSchema } from '../../src/provider/resources/transport-config';

const MARKDOWN = enums['tfplugin6.StringKind'].MARKDOWN;

interface ProtoAttribute {
  name: string;
  type: Buffer;
  description: string;
  description_kind: number;
  required: boolean;
  optional: boolean;
  computed: boolean;
  sensitive: boolean;
  deprecated: boolean;
}
interface ProtoSchema {
  version: number;
  block: {
    version: number;
    description: string;
    description_kind: number;
    deprecated: boolean;
    attributes: ProtoAttribute[];
    block_types: unknown[];
  };
}

const SAMPLE: Schema = {
  version: 3,
  block: {
    description: 'A **sample** block.',
    attributes: {
      zeta: { type: 'string', required: true, description: 'Last by name.' },
      alpha: { type: 'number', optional: true, computed: true, description: 'First by name.' },
      secret: { type: 'string', optional: true, sensitive: true, deprecated: true, description: 'A secret.' },
      tags: { type: ['map', 'string'], optional: true, description: 'Tags.' },
      names: { type: ['list', 'string'], computed: true, description: 'Names.' },
      ids: { type: ['set', 'number'], optional: true, description: 'Ids.' },
      endpoint: {
        type: ['object', { host: 'string', port: 'number', tls: ['list', 'string'] }],
        computed: true,
        description: 'Where.',
      },
      enabled: { type: 'bool', optional: true, description: 'On or off.' },
    },
  },
};

describe('typeToJson', () => {
  test.each([
    ['string', '"string"'],
    ['number', '"number"'],
    ['bool', '"bool"'],
    [['list', 'string'], '["list","string"]'],
    [['set', 'number'], '["set","number"]'],
    [['map', ['list', 'bool']], '["map",["list","bool"]]'],
    [['object', { b: 'bool', a: ['list', 'string'] }], '["object",{"b":"bool","a":["list","string"]}]'],
  ] as const)('%j → %s (cty type JSON, as bytes)', (type, json) => {
    const bytes = typeToJson(type);
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(bytes.toString('utf8')).toBe(json);
  });
});

describe('schemaToProto', () => {
  const proto = schemaToProto(SAMPLE) as ProtoSchema;
  const byName = (name: string): ProtoAttribute => proto.block.attributes.find((a) => a.name === name)!;

  test('carries the version on the schema and the block', () => {
    expect(proto.version).toBe(3);
    expect(proto.block.version).toBe(3);
  });

  test('attributes are sorted by name', () => {
    const names = proto.block.attributes.map((a) => a.name);
    expect(names).toEqual(['alpha', 'enabled', 'endpoint', 'ids', 'names', 'secret', 'tags', 'zeta']);
  });

  test('types are JSON bytes: primitive types keep their quotes', () => {
    expect(byName('zeta').type.toString()).toBe('"string"');
    expect(byName('alpha').type.toString()).toBe('"number"');
    expect(byName('enabled').type.toString()).toBe('"bool"');
    expect(byName('names').type.toString()).toBe('["list","string"]');
    expect(byName('ids').type.toString()).toBe('["set","number"]');
    expect(byName('tags').type.toString()).toBe('["map","string"]');
    expect(JSON.parse(byName('endpoint').type.toString())).toEqual([
      'object',
      { host: 'string', port: 'number', tls: ['list', 'string'] },
    ]);
  });

  test('flags are explicit booleans, false when not set', () => {
    expect(byName('zeta')).toMatchObject({
      required: true,
      optional: false,
      computed: false,
      sensitive: false,
      deprecated: false,
    });
    expect(byName('alpha')).toMatchObject({ required: false, optional: true, computed: true, sensitive: false });
    expect(byName('secret')).toMatchObject({ optional: true, sensitive: true, deprecated: true });
    expect(byName('names')).toMatchObject({ required: false, optional: false, computed: true });
    expect(proto.block.deprecated).toBe(false);
  });

  test('descriptions are markdown, on the block and on every attribute', () => {
    expect(proto.block.description).toBe('A **sample** block.');
    expect(proto.block.description_kind).toBe(MARKDOWN);
    for (const attribute of proto.block.attributes) {
      expect(attribute.description_kind).toBe(MARKDOWN);
      expect(attribute.description).toBe(SAMPLE.block.attributes[attribute.name].description);
    }
  });

  test('no nested blocks', () => {
    expect(proto.block.block_types).toEqual([]);
  });

  test('survives the protobuf codec as a tfplugin6.Schema', () => {
    const decoded = decodeMessage<ProtoSchema>('tfplugin6.Schema', encodeMessage('tfplugin6.Schema', proto));
    expect(decoded.version).toBe(3);
    expect(decoded.block.description_kind).toBe(MARKDOWN);
    expect(decoded.block.attributes.map((a) => a.name)).toEqual(proto.block.attributes.map((a) => a.name));
    const zeta = decoded.block.attributes.find((a) => a.name === 'zeta')!;
    expect(Buffer.from(zeta.type).toString()).toBe('"string"');
    expect(zeta.required).toBe(true);
    // proto3 leaves false flags off the wire; they decode as absent.
    expect(zeta.optional).toBeFalsy();
  });

  test('a deprecated block is marked', () => {
    const deprecated = schemaToProto({ version: 0, block: { ...SAMPLE.block, deprecated: true } }) as ProtoSchema;
    expect(deprecated.block.deprecated).toBe(true);
  });

  test('the provider schemas convert: the exchangeonline provider block and exchangeonline_transport_config', () => {
    const provider = schemaToProto(providerSchema) as ProtoSchema;
    expect(provider.block.attributes.map((a) => a.name)).toEqual(Object.keys(providerSchema.block.attributes).sort());
    expect(provider.block.attributes.map((a) => a.name)).toEqual(
      expect.arrayContaining(['access_token', 'certificate_path', 'endpoint', 'organization']),
    );
    expect(provider.block.attributes.filter((a) => a.sensitive).map((a) => a.name)).toEqual([
      'access_token',
      'certificate_password',
      'client_secret',
      'graph_access_token',
    ]);
    const resource = schemaToProto(transportConfigSchema) as ProtoSchema;
    const endpoint = resource.block.attributes.find((a) => a.name === 'legacy_tls_client_endpoint')!;
    expect(JSON.parse(endpoint.type.toString())).toEqual([
      'object',
      { host: 'string', port: 'number', tls_versions: ['list', 'string'] },
    ]);
  });
});

describe('assertValidSchema', () => {
  const withAttribute = (name: string, attribute: AttributeSchema): Schema => ({
    version: 0,
    block: { description: 'd', attributes: { [name]: attribute } },
  });

  test('accepts well-formed schemas, including the provider’s own', () => {
    expect(() => assertValidSchema('sample', SAMPLE)).not.toThrow();
    expect(() => assertValidSchema('provider', providerSchema)).not.toThrow();
    expect(() => assertValidSchema('exchangeonline_transport_config', transportConfigSchema)).not.toThrow();
  });

  test.each(['Name', 'camelCase', '1st', '_x', 'with-dash', 'with space', ''])(
    'refuses the attribute name %j',
    (name) => {
      expect(() =>
        assertValidSchema('res', withAttribute(name, { type: 'string', optional: true, description: 'x' })),
      ).toThrow(`res.${name}: attribute names are lower_snake_case`);
    },
  );

  test('an attribute must be required, optional or computed', () => {
    expect(() => assertValidSchema('res', withAttribute('a', { type: 'string', description: 'x' }))).toThrow(
      'res.a: must be required, optional or computed',
    );
  });

  test('required excludes optional and computed', () => {
    expect(() =>
      assertValidSchema(
        'res',
        withAttribute('a', { type: 'string', required: true, optional: true, description: 'x' }),
      ),
    ).toThrow('res.a: required excludes optional and computed');
    expect(() =>
      assertValidSchema(
        'res',
        withAttribute('a', { type: 'string', required: true, computed: true, description: 'x' }),
      ),
    ).toThrow('res.a: required excludes optional and computed');
  });

  test('every attribute needs a description', () => {
    expect(() =>
      assertValidSchema('res', withAttribute('a', { type: 'string', optional: true, description: '' })),
    ).toThrow('res.a: every attribute needs a description');
  });

  test('optional + computed together is allowed', () => {
    expect(() =>
      assertValidSchema(
        'res',
        withAttribute('a', { type: 'string', optional: true, computed: true, description: 'x' }),
      ),
    ).not.toThrow();
  });
});
