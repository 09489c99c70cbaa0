/**
 * A small JSON Schema (2020-12) checker for the keywords the project's schema files use: type, const, enum, required,
 * properties, additionalProperties, propertyNames, items, minimum, $ref (local #/$defs/...), if/then/else.
 * Anything else in a schema is an error, so a schema can't silently use a keyword this does not check.
 */
type Schema = Record<string, unknown>;

const KNOWN = new Set([
  '$schema',
  '$id',
  'title',
  'description',
  '$defs',
  'type',
  'const',
  'enum',
  'required',
  'properties',
  'additionalProperties',
  'propertyNames',
  'items',
  'minimum',
  '$ref',
  'if',
  'then',
  'else',
  'format',
]);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

export function validateJsonSchema(root: Schema, value: unknown): string[] {
  const problems: string[] = [];
  const check = (schema: Schema, data: unknown, path: string): boolean => {
    const before = problems.length;
    for (const key of Object.keys(schema))
      if (!KNOWN.has(key)) problems.push(`${path}: schema keyword ${key} is not supported by the checker`);
    if (typeof schema.$ref === 'string') {
      const target = schema.$ref
        .replace(/^#\//, '')
        .split('/')
        .reduce<unknown>((node, part) => (node as Schema)[part], root);
      check(target as Schema, data, path);
    }
    if (schema.type !== undefined) {
      const types = Array.isArray(schema.type) ? schema.type : [schema.type];
      const actual = typeOf(data);
      if (!types.includes(actual) && !(actual === 'integer' && types.includes('number')))
        problems.push(`${path}: expected ${types.join('|')}, got ${actual}`);
    }
    if ('const' in schema && data !== schema.const) problems.push(`${path}: expected ${JSON.stringify(schema.const)}`);
    if (Array.isArray(schema.enum) && !schema.enum.includes(data as never))
      problems.push(`${path}: ${JSON.stringify(data)} is not one of ${JSON.stringify(schema.enum)}`);
    if (typeof schema.minimum === 'number' && typeof data === 'number' && data < schema.minimum)
      problems.push(`${path}: below ${schema.minimum}`);
    if (typeOf(data) === 'object') {
      const object = data as Record<string, unknown>;
      for (const key of (schema.required as string[] | undefined) ?? [])
        if (!(key in object)) problems.push(`${path}: missing ${key}`);
      const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
      for (const [key, item] of Object.entries(object)) {
        if (properties[key]) check(properties[key], item, `${path}.${key}`);
        else if (schema.additionalProperties === false) problems.push(`${path}: unexpected property ${key}`);
        else if (typeof schema.additionalProperties === 'object')
          check(schema.additionalProperties as Schema, item, `${path}.${key}`);
        if (schema.propertyNames) check(schema.propertyNames as Schema, key, `${path}{${key}}`);
      }
    }
    if (Array.isArray(data) && schema.items)
      data.forEach((item, i) => check(schema.items as Schema, item, `${path}[${i}]`));
    if (schema.if) {
      const mark = problems.length;
      const matched = check(schema.if as Schema, data, path);
      problems.length = mark;
      const branch = matched ? schema.then : schema.else;
      if (branch) check(branch as Schema, data, path);
    }
    return problems.length === before;
  };
  check(root, value, '$');
  return problems;
}
