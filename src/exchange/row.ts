/**
 * Reading the rows the bridges return. Each caller keeps its own rule for a missing value and its own error.
 */
import type { JsonValue, Row } from '../bridge/bridge';

/**
 * A property by name, case-insensitively: PowerShell property names are case-insensitive and their spelling varies
 * between the catalog/docs and serializers (`StsRefreshTokensValidFrom` vs `STSRefreshTokensValidFrom`). An exact
 * match wins; otherwise the first name equal ignoring case.
 */
export function property(row: Row, name: string): JsonValue | undefined {
  if (Object.hasOwn(row, name)) return row[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(row)) if (key.toLowerCase() === lower) return row[key];
  return undefined;
}

/** A string property (case-insensitive name), or undefined when it is missing, not a string, or empty. */
export function text(row: Row, name: string): string | undefined {
  const value = property(row, name);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * A Boolean property: true/false, or the "True"/"False" strings the PowerShell bridge may hand back from older module
 * versions. Undefined for anything else (null, missing, other text), which each caller treats its own way.
 */
export function booleanOf(value: JsonValue | undefined): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'True' || value === 'true') return true;
  if (value === 'False' || value === 'false') return false;
  return undefined;
}
