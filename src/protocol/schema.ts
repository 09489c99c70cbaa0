/**
 * Terraform schemas as plain data, and their conversion to the protocol's Schema messages.
 * Types follow cty's JSON notation: "string", ["list","string"], ["object",{...}].
 */

export type CtyType =
  | 'string'
  | 'number'
  | 'bool'
  | readonly ['list' | 'set' | 'map', CtyType]
  | readonly ['object', Readonly<Record<string, CtyType>>];

export interface AttributeSchema {
  readonly type: CtyType;
  /** Markdown; shown in generated docs and by language servers. */
  readonly description: string;
  readonly required?: boolean;
  readonly optional?: boolean;
  readonly computed?: boolean;
  readonly sensitive?: boolean;
  readonly deprecated?: boolean;
}

export interface BlockSchema {
  readonly description: string;
  readonly attributes: Readonly<Record<string, AttributeSchema>>;
  readonly deprecated?: boolean;
}

export interface Schema {
  readonly version: number;
  readonly block: BlockSchema;
}

/** A provider-defined function's signature (Terraform 1.8+: `provider::<name>::<function>(...)`). */
export interface FunctionSchema {
  readonly parameters: ReadonlyArray<{ readonly name: string; readonly type: CtyType; readonly description: string }>;
  readonly returnType: CtyType;
  /** One line, shown by language servers. */
  readonly summary: string;
  /** Markdown. */
  readonly description: string;
}

const STRING_KIND_MARKDOWN = 1;

/**
 * Converts a function signature to the protocol's `tfplugin6.Function`. Null and unknown arguments are never
 * allowed: Terraform then answers for the function itself (a null argument is an error, an unknown one an
 * unknown result), so the provider only ever sees known values.
 */
export function functionToProto(schema: FunctionSchema): object {
  return {
    parameters: schema.parameters.map((parameter) => ({
      name: parameter.name,
      type: typeToJson(parameter.type),
      allow_null_value: false,
      allow_unknown_values: false,
      description: parameter.description,
      description_kind: STRING_KIND_MARKDOWN,
    })),
    return: { type: typeToJson(schema.returnType) },
    summary: schema.summary,
    description: schema.description,
    description_kind: STRING_KIND_MARKDOWN,
  };
}

export function typeToJson(type: CtyType): Buffer {
  return Buffer.from(JSON.stringify(type), 'utf8');
}

/** Converts a schema to the protocol's `tfplugin6.Schema` shape (attributes sorted, as Terraform prints them). */
export function schemaToProto(schema: Schema): object {
  const block = schema.block;
  return {
    version: schema.version,
    block: {
      version: schema.version,
      description: block.description,
      description_kind: STRING_KIND_MARKDOWN,
      deprecated: block.deprecated ?? false,
      attributes: Object.keys(block.attributes)
        .sort()
        .map((name) => {
          const attribute = block.attributes[name];
          return {
            name,
            type: typeToJson(attribute.type),
            description: attribute.description,
            description_kind: STRING_KIND_MARKDOWN,
            required: attribute.required ?? false,
            optional: attribute.optional ?? false,
            computed: attribute.computed ?? false,
            sensitive: attribute.sensitive ?? false,
            deprecated: attribute.deprecated ?? false,
          };
        }),
      block_types: [],
    },
  };
}

/** Names Terraform reserves for meta-arguments in resource and data blocks; an attribute cannot use them. */
const RESERVED_NAMES = new Set([
  'count',
  'for_each',
  'depends_on',
  'lifecycle',
  'provider',
  'provisioner',
  'connection',
]);

/** Schema mistakes are programming errors; catch them at start-up of tests rather than in Terraform. */
export function assertValidSchema(name: string, schema: Schema): void {
  for (const [attributeName, attribute] of Object.entries(schema.block.attributes)) {
    const where = `${name}.${attributeName}`;
    if (!/^[a-z][a-z0-9_]*$/.test(attributeName)) throw new Error(`${where}: attribute names are lower_snake_case`);
    if (RESERVED_NAMES.has(attributeName))
      throw new Error(`${where}: "${attributeName}" is reserved by Terraform for a meta-argument`);
    if (!attribute.required && !attribute.optional && !attribute.computed)
      throw new Error(`${where}: must be required, optional or computed`);
    if (attribute.required && (attribute.optional || attribute.computed))
      throw new Error(`${where}: required excludes optional and computed`);
    if (!attribute.description) throw new Error(`${where}: every attribute needs a description`);
  }
}
