/**
 * Helpers over decoded Terraform values: a resource's state is an object with every schema attribute present
 * (null when unset); values from other resources may still be unknown during plan.
 */
import { Unknown, isUnknown, mapKeys, type CtyValue } from '../../protocol/msgpack';
import type { BlockSchema, CtyType } from '../../protocol/schema';

export type ObjectValue = Record<string, CtyValue>;

export { Unknown, isUnknown, mapKeys };
export type { CtyValue };

export function isKnown(value: CtyValue | undefined): boolean {
  return value !== undefined && !isUnknown(value);
}

/** True when the value or anything inside it is unknown. */
export function containsUnknown(value: CtyValue | undefined): boolean {
  if (value === null || value === undefined) return false;
  if (isUnknown(value)) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (typeof value === 'object') return Object.values(value).some(containsUnknown);
  return false;
}

/** Structural equality; an unknown equals nothing, not even another unknown. */
export function valuesEqual(a: CtyValue | undefined, b: CtyValue | undefined): boolean {
  if (isUnknown(a as CtyValue) || isUnknown(b as CtyValue)) return false;
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => valuesEqual(item, b[index]));
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const keysA = mapKeys(a as ObjectValue);
    const keysB = mapKeys(b as ObjectValue);
    if (keysA.length !== keysB.length) return false;
    return keysA.every((key) => valuesEqual((a as ObjectValue)[key], (b as ObjectValue)[key]));
  }
  return false;
}

export function asObject(value: CtyValue): ObjectValue {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || isUnknown(value)) {
    throw new Error('expected an object value');
  }
  return value as ObjectValue;
}

/**
 * Shapes a value to the schema: every attribute present, attributes the schema no longer has dropped, and values
 * of nested object types filled the same way. Terraform rejects an object that misses any attribute.
 */
export function conformToBlock(block: BlockSchema, value: ObjectValue | null | undefined): ObjectValue {
  const out: ObjectValue = {};
  for (const [name, attribute] of Object.entries(block.attributes)) {
    out[name] = conformToType(attribute.type, value ? value[name] : null);
  }
  return out;
}

function conformToType(type: CtyType, value: CtyValue | undefined): CtyValue {
  if (value === undefined || value === null) return null;
  // Only object types have attributes to fill; a map of strings (a 60,000-member list) is returned as it is.
  if (isUnknown(value) || !hasObjectType(type)) return value;
  const [kind, inner] = type;
  if (kind === 'object') {
    if (typeof value !== 'object' || Array.isArray(value)) return value;
    const out: ObjectValue = {};
    for (const [name, attributeType] of Object.entries(inner as Record<string, CtyType>)) {
      out[name] = conformToType(attributeType, (value as ObjectValue)[name]);
    }
    return out;
  }
  if ((kind === 'list' || kind === 'set') && Array.isArray(value))
    return value.map((item) => conformToType(inner as CtyType, item));
  if (kind === 'map' && typeof value === 'object' && !Array.isArray(value)) {
    const out: ObjectValue = {};
    for (const [key, item] of Object.entries(value)) out[key] = conformToType(inner as CtyType, item);
    return out;
  }
  return value;
}

function hasObjectType(type: CtyType): boolean {
  if (typeof type === 'string') return false;
  const [kind, inner] = type;
  if (kind === 'object') return true;
  return kind === 'list' || kind === 'set' || kind === 'map' ? hasObjectType(inner as CtyType) : false;
}

/** Typed readers for resource code: return undefined for null, throw on unknown (callers check first in plan). */
export function readString(object: ObjectValue, name: string): string | undefined {
  const value = object[name];
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'string') throw new Error(`attribute ${name}: expected a string`);
  return value;
}

export function readBool(object: ObjectValue, name: string): boolean | undefined {
  const value = object[name];
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new Error(`attribute ${name}: expected a bool`);
  return value;
}
