/**
 * Identifiers and derived directory names.
 *
 * Everything is derived deterministically from the seed (tenant id + UPN), so a reset reproduces byte-identical state
 * and test expectations can hard-code GUIDs if they want to.
 */
import { createHash } from 'node:crypto';
import { EMULATED_FOREST, EMULATED_FOREST_DN } from './model';

const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(text: string): boolean {
  return GUID_PATTERN.test(text);
}

/** Lower-case GUID without braces: the one form used for comparisons. Returns undefined for non-GUIDs. */
export function normalizeGuid(text: string): string | undefined {
  const bare = text.startsWith('{') && text.endsWith('}') ? text.slice(1, -1) : text;
  return isGuid(bare) ? bare.toLowerCase() : undefined;
}

/** A name-based (version 5 style) GUID: stable for the same inputs, unique enough for different ones. */
export function deterministicGuid(...parts: string[]): string {
  const bytes = createHash('sha1').update(parts.join('\u0000')).digest();
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Escapes the characters RFC 4514 reserves in a relative distinguished name value. */
function escapeRdnValue(value: string): string {
  return value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`).replace(/^[ #]| $/g, (c) => `\\${c}`);
}

export function recipientDistinguishedName(initialDomain: string, name: string): string {
  return `CN=${escapeRdnValue(name)},OU=${initialDomain},OU=Microsoft Exchange Hosted Organizations,${EMULATED_FOREST_DN}`;
}

/** The canonical name form (`forest/OU/.../name`) that -Identity accepts; derived, never stored. */
export function recipientCanonicalName(initialDomain: string, name: string): string {
  return `${EMULATED_FOREST}/Microsoft Exchange Hosted Organizations/${initialDomain}/${name}`;
}

export function legacyExchangeDn(guid: string, alias: string): string {
  const cn = `${guid.replace(/-/g, '')}-${alias}`.slice(0, 64);
  return `/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=${cn}`;
}

/** Exchange Online mints SAM account names like `$ABC123-DEF456GHI789`; ours follow that shape. */
export function samAccountName(guid: string): string {
  const hex = guid.replace(/-/g, '').toUpperCase();
  return `$${hex.slice(0, 6)}-${hex.slice(6, 18)}`;
}

export function policyDistinguishedName(initialDomain: string, name: string): string {
  return `CN=${escapeRdnValue(name)},CN=Auth Policies,CN=Configuration,CN=${initialDomain},CN=ConfigurationUnits,${EMULATED_FOREST_DN}`;
}
