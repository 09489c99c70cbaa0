/**
 * The state file format (the snapshot):
 * `{ "format": "exoform-emulator-state", "version": 2, "lineage": ..., "journalSeq": N, "seed": ..., "tenants": [...] }`.
 *
 * Changes after the snapshot live in the journal next to it (journal.ts); `journalSeq` is the last journal line the
 * snapshot already contains and `lineage` ties journal and snapshot together. Version 1 files (no journal) are read
 * and upgraded on the next snapshot.
 *
 * Written one recipient per line so the file stays readable and diffable, and so each line can be cached: records are
 * immutable, so a record that has not changed since the last snapshot reuses its JSON text.
 */
import { FixtureDocument } from './fixture';
import { isGuid } from './ids';
import { AuthenticationPolicyRecord, BASIC_AUTH_SWITCHES, RecipientRecord, TenantState, freezeDeep } from './model';
import { Problems, describeValue, isPlainObject, joinPath } from './problems';

export const STATE_FORMAT = 'exoform-emulator-state';
export const STATE_VERSION = 2;
/** Versions this exoform reads: 1 (before the journal) and 2. */
const READABLE_VERSIONS = [1, 2];

/** What the tenants were seeded from; `POST /_emulator/reset` rebuilds them from it. */
export interface SeedRecord {
  /** `demo`, the fixture path, or `inline` (a fixture object passed to startEmulator). */
  readonly source: string;
  readonly fixture: FixtureDocument;
}

export interface StateDocument {
  readonly seed: SeedRecord;
  readonly tenants: readonly TenantState[];
  /** Identifies this state file's history; journal lines carry it. Absent in version 1 files. */
  readonly lineage?: string;
  /** The last journal seq this snapshot contains (0: none). */
  readonly journalSeq?: number;
}

export class StateFileError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'StateFileError';
  }
}

const lineCache = new WeakMap<object, string>();

function cachedJson(record: object): string {
  let line = lineCache.get(record);
  if (line === undefined) {
    line = JSON.stringify(record);
    lineCache.set(record, line);
  }
  return line;
}

export function serializeState(document: StateDocument, savedAt: Date): string {
  const parts: string[] = [
    '{\n',
    `  "format": ${JSON.stringify(STATE_FORMAT)},\n`,
    `  "version": ${STATE_VERSION},\n`,
    `  "savedAt": ${JSON.stringify(savedAt.toISOString())},\n`,
    `  "lineage": ${JSON.stringify(document.lineage ?? '')},\n`,
    `  "journalSeq": ${document.journalSeq ?? 0},\n`,
    `  "seed": ${JSON.stringify(document.seed)},\n`,
    '  "tenants": [',
  ];
  document.tenants.forEach((tenant, i) => {
    const { recipients, authenticationPolicies, ...header } = tenant;
    const headerJson = JSON.stringify(header);
    parts.push(i === 0 ? '\n' : ',\n', `    ${headerJson.slice(0, -1)},\n`);
    parts.push('      "authenticationPolicies": [');
    authenticationPolicies.forEach((p, j) => parts.push(j === 0 ? '\n        ' : ',\n        ', cachedJson(p)));
    parts.push(authenticationPolicies.length ? '\n      ],\n' : '],\n', '      "recipients": [');
    recipients.forEach((r, j) => parts.push(j === 0 ? '\n        ' : ',\n        ', cachedJson(r)));
    parts.push(recipients.length ? '\n      ]\n    }' : ']\n    }');
  });
  parts.push(document.tenants.length ? '\n  ]\n}\n' : ']\n}\n');
  return parts.join('');
}

const MOVE_AWAY = (path: string): string =>
  `The emulator did not modify it. To start over from the seed, move it away (for example: mv "${path}" "${path}.broken", ` +
  `and its journal "${path}.journal" if there is one) and start the emulator again; to keep its data, restore it from a backup.`;

/** Parses and checks a state file's text; throws StateFileError naming the file and the way out. */
export function parseStateFile(text: string, path: string): StateDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new StateFileError(
      path,
      `State file ${path} is not valid JSON (${(error as Error).message}). ${MOVE_AWAY(path)}`,
    );
  }
  if (!isPlainObject(parsed) || parsed.format !== STATE_FORMAT) {
    const format = isPlainObject(parsed) ? describeValue(parsed.format) : 'missing';
    throw new StateFileError(
      path,
      `${path} is not an exoform emulator state file (its "format" is ${format}, expected "${STATE_FORMAT}"). ` +
        'Point --data at a new file or at an existing emulator state file; the emulator never overwrites a file it does not recognise.',
    );
  }
  if (!READABLE_VERSIONS.includes(parsed.version as number)) {
    const newer = typeof parsed.version === 'number' && parsed.version > STATE_VERSION;
    throw new StateFileError(
      path,
      `State file ${path} has version ${describeValue(parsed.version)}, but this exoform reads versions ${READABLE_VERSIONS.join(' and ')} only. ` +
        (newer ? 'It was written by a newer exoform: upgrade exoform to use it. ' : '') +
        MOVE_AWAY(path),
    );
  }
  const problems = new Problems();
  checkSeed(parsed.seed, problems);
  if (parsed.version === 2) {
    if (typeof parsed.lineage !== 'string' || parsed.lineage === '')
      problems.add('lineage', `must be a non-empty string, got ${describeValue(parsed.lineage)}`);
    if (typeof parsed.journalSeq !== 'number' || !Number.isInteger(parsed.journalSeq) || parsed.journalSeq < 0) {
      problems.add('journalSeq', `must be a whole number from 0, got ${describeValue(parsed.journalSeq)}`);
    }
  }
  if (!Array.isArray(parsed.tenants)) problems.add('tenants', `must be an array, got ${describeValue(parsed.tenants)}`);
  else parsed.tenants.forEach((t, i) => checkTenant(t, `tenants[${i}]`, problems));
  if (!problems.ok) {
    throw new StateFileError(path, `State file ${path} is damaged:\n${problems.format()}\n${MOVE_AWAY(path)}`);
  }
  return freezeDeep({
    seed: parsed.seed as unknown as SeedRecord,
    tenants: parsed.tenants as TenantState[],
    lineage: parsed.version === 2 ? (parsed.lineage as string) : undefined,
    journalSeq: parsed.version === 2 ? (parsed.journalSeq as number) : 0,
  });
}

function checkSeed(seed: unknown, problems: Problems): void {
  if (
    !isPlainObject(seed) ||
    typeof seed.source !== 'string' ||
    !isPlainObject(seed.fixture) ||
    !Array.isArray(seed.fixture.tenants)
  ) {
    problems.add('seed', 'must be {"source": string, "fixture": {"tenants": [...]}}');
  }
}

type FieldKind = 'string' | 'guid' | 'boolean' | 'string|null' | 'boolean|null' | 'string[]' | 'count';

function checkFields(
  object: unknown,
  fields: Record<string, FieldKind>,
  path: string,
  problems: Problems,
): object is Record<string, unknown> {
  if (!isPlainObject(object)) {
    problems.add(path, `must be an object, got ${describeValue(object)}`);
    return false;
  }
  for (const [key, kind] of Object.entries(fields)) {
    const value = object[key];
    const ok =
      kind === 'string'
        ? typeof value === 'string'
        : kind === 'guid'
          ? typeof value === 'string' && isGuid(value)
          : kind === 'boolean'
            ? typeof value === 'boolean'
            : kind === 'string|null'
              ? value === null || typeof value === 'string'
              : kind === 'boolean|null'
                ? value === null || typeof value === 'boolean'
                : kind === 'count'
                  ? typeof value === 'number' && Number.isInteger(value) && value >= 0
                  : Array.isArray(value) && value.every((v) => typeof v === 'string');
    if (!ok) problems.add(joinPath(path, key), `must be ${kind}, got ${describeValue(value)}`);
  }
  return true;
}

const TENANT_FIELDS: Record<string, FieldKind> = {
  tenantId: 'guid',
  initialDomain: 'string',
  domains: 'string[]',
  revision: 'count',
};
const RECIPIENT_FIELDS: Record<keyof RecipientRecord, FieldKind> = {
  Guid: 'guid',
  ExchangeObjectId: 'guid',
  ExternalDirectoryObjectId: 'guid',
  Name: 'string',
  Alias: 'string',
  DisplayName: 'string',
  UserPrincipalName: 'string',
  PrimarySmtpAddress: 'string|null',
  EmailAddresses: 'string[]',
  DistinguishedName: 'string',
  LegacyExchangeDN: 'string',
  SamAccountName: 'string',
  RecipientTypeDetails: 'string',
  SmtpClientAuthenticationDisabled: 'boolean|null',
  AuthenticationPolicy: 'string|null',
  STSRefreshTokensValidFrom: 'string',
  WhenCreatedUTC: 'string',
};
const POLICY_FIELDS = {
  Name: 'string',
  Guid: 'guid',
  DistinguishedName: 'string',
  WhenChangedUTC: 'string',
  ...Object.fromEntries(BASIC_AUTH_SWITCHES.map((s) => [s, 'boolean'])),
} as Record<keyof AuthenticationPolicyRecord, FieldKind>;

const TRANSPORT_FIELDS: Record<string, FieldKind> = {
  SmtpClientAuthenticationDisabled: 'boolean',
  AllowLegacyTLSClients: 'boolean|null',
  Guid: 'guid',
  WhenChangedUTC: 'string',
};
const ORGANIZATION_FIELDS: Record<string, FieldKind> = { DefaultAuthenticationPolicy: 'string|null' };
const RECIPIENT_TYPES = ['UserMailbox', 'SharedMailbox', 'User'];

/** Checks one tenant's entry in a journal line (journal.ts) with the same rules as the state file. */
export function checkJournalTenant(changes: unknown, path: string, problems: Problems): void {
  if (!checkFields(changes, { revision: 'count' }, path, problems)) return;
  if (changes.transportConfig !== undefined)
    checkFields(changes.transportConfig, TRANSPORT_FIELDS, joinPath(path, 'transportConfig'), problems);
  if (changes.organizationConfig !== undefined)
    checkFields(changes.organizationConfig, ORGANIZATION_FIELDS, joinPath(path, 'organizationConfig'), problems);
  for (const [key, fields] of [
    ['recipients', RECIPIENT_FIELDS],
    ['authenticationPolicies', POLICY_FIELDS],
  ] as const) {
    const list = changes[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) problems.add(joinPath(path, key), 'must be an array');
    else list.forEach((item, i) => checkFields(item, fields, `${path}.${key}[${i}]`, problems));
  }
  if (Array.isArray(changes.recipients)) {
    changes.recipients.forEach((r: unknown, i: number) => {
      if (isPlainObject(r) && !RECIPIENT_TYPES.includes(r.RecipientTypeDetails as string)) {
        problems.add(
          `${path}.recipients[${i}].RecipientTypeDetails`,
          `must be UserMailbox, SharedMailbox or User, got ${describeValue(r.RecipientTypeDetails)}`,
        );
      }
    });
  }
  for (const key of ['removedRecipients', 'removedAuthenticationPolicies']) {
    const list = changes[key];
    if (list !== undefined && !(Array.isArray(list) && list.every((g) => typeof g === 'string' && isGuid(g)))) {
      problems.add(joinPath(path, key), 'must be an array of GUIDs');
    }
  }
}

function checkTenant(tenant: unknown, path: string, problems: Problems): void {
  if (!checkFields(tenant, TENANT_FIELDS, path, problems)) return;
  checkFields(tenant.transportConfig, TRANSPORT_FIELDS, joinPath(path, 'transportConfig'), problems);
  checkFields(tenant.organizationConfig, ORGANIZATION_FIELDS, joinPath(path, 'organizationConfig'), problems);
  for (const [key, fields] of [
    ['recipients', RECIPIENT_FIELDS],
    ['authenticationPolicies', POLICY_FIELDS],
  ] as const) {
    const list = tenant[key];
    if (!Array.isArray(list)) problems.add(joinPath(path, key), 'must be an array');
    else list.forEach((item, i) => checkFields(item, fields, `${path}.${key}[${i}]`, problems));
  }
  if (Array.isArray(tenant.recipients)) {
    tenant.recipients.forEach((r: unknown, i: number) => {
      if (isPlainObject(r) && !RECIPIENT_TYPES.includes(r.RecipientTypeDetails as string)) {
        problems.add(
          `${path}.recipients[${i}].RecipientTypeDetails`,
          `must be UserMailbox, SharedMailbox or User, got ${describeValue(r.RecipientTypeDetails)}`,
        );
      }
    });
  }
}
