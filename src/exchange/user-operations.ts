/**
 * Directory users as far as authentication policies go (Get-User / Set-User): which policy a user has, and
 * revoking a user's refresh tokens so a policy change applies in about 30 minutes instead of up to 24 hours.
 *
 * A per-user policy wins over the organization's default. Users need not have a mailbox.
 */
import type { JsonValue, Row } from '../bridge/bridge';
import { InvalidInputError, NotFoundError } from '../bridge/errors';
import { identityProblem } from './cas-mailbox-operations';
import { property, text } from './row';
import { invoke, type ExchangeSession } from './session';

export interface DirectoryUser {
  /** Lower-case GUID of the user object: what pins the user across reads. */
  guid: string;
  identity: string;
  userPrincipalName: string;
  /** The assigned policy as Exchange reports it (its name or distinguished name), null for none. */
  authenticationPolicy: string | null;
  /** When refresh tokens issued before it stopped being valid (ISO 8601), if Exchange reports it. */
  stsRefreshTokensValidFrom: string | null;
}

/** Refuses identities that can never name one user; an empty one would make Get-User list every user. */
export function assertUserIdentity(identity: string, cmdlet: string): void {
  const problem = identityProblem(identity);
  if (problem) {
    throw new InvalidInputError(
      `The user identity ${JSON.stringify(identity.slice(0, 80))}${identity.length > 80 ? '…' : ''} ${problem}.`,
      "Use the user's principal name, primary SMTP address or GUID.",
      cmdlet,
    );
  }
}

export function userFromRow(row: Row): DirectoryUser {
  const guid = text(row, 'Guid') ?? text(row, 'ExchangeObjectId') ?? text(row, 'ExternalDirectoryObjectId');
  if (!guid) throw new Error('a Get-User row came back without Guid');
  const upn = text(row, 'UserPrincipalName') ?? text(row, 'WindowsLiveID') ?? text(row, 'Identity') ?? guid;
  const validFrom = property(row, 'StsRefreshTokensValidFrom');
  return {
    guid: guid.toLowerCase(),
    identity: text(row, 'Identity') ?? upn,
    userPrincipalName: upn,
    authenticationPolicy: text(row, 'AuthenticationPolicy') ?? null,
    stsRefreshTokensValidFrom: typeof validFrom === 'string' && validFrom !== '' ? validFrom : null,
  };
}

/**
 * Users matching one identity: none (not found), one, or several (an ambiguous identity such as a shared display
 * name). Refuses an empty identity, which would list every user (the documented Get-* pitfall).
 */
export async function findUsers(session: ExchangeSession, identity: string): Promise<DirectoryUser[]> {
  assertUserIdentity(identity, 'Get-User');
  try {
    const rows = await invoke(session, 'Get-User', { Identity: identity });
    return [...new Map(rows.map(userFromRow).map((u) => [u.guid, u])).values()];
  } catch (error) {
    if (error instanceof NotFoundError) return [];
    throw error;
  }
}

/**
 * An OPATH string literal: single-quoted, with every `'` doubled. This is the only place a value is ever written
 * into text sent to Exchange; everything else travels as JSON parameters.
 */
export function opathString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * PowerShell's tokenizer also treats the typographic single quotes as quotes, and whether OPATH's parser does too
 * is not documented. A policy whose distinguished name holds one is not filtered on; its users are found by listing
 * every user instead (slower, never wrong).
 */
const AMBIGUOUS_QUOTES = /[\u2018\u2019\u201a\u201b]/;

/**
 * Every user the policy is assigned to: `Get-User -Filter "AuthenticationPolicy -eq '<DN>'" -ResultSize Unlimited`
 * (without -ResultSize the answer silently stops at 1000).
 */
export async function listUsersWithAuthenticationPolicy(
  session: ExchangeSession,
  policy: { distinguishedName: string; matches(reference: string | null): boolean },
): Promise<DirectoryUser[]> {
  if (policy.distinguishedName.trim() === '') {
    throw new InvalidInputError(
      'The authentication policy has no distinguished name to filter users on.',
      'Report this exoform bug.',
      'Get-User',
    );
  }
  if (AMBIGUOUS_QUOTES.test(policy.distinguishedName)) {
    const rows = await invoke(session, 'Get-User', { ResultSize: 'Unlimited' });
    return rows.map(userFromRow).filter((user) => policy.matches(user.authenticationPolicy));
  }
  const rows = await invoke(session, 'Get-User', {
    Filter: `AuthenticationPolicy -eq ${opathString(policy.distinguishedName)}`,
    ResultSize: 'Unlimited',
  });
  return rows.map(userFromRow);
}

/**
 * Every user with the policy assigned to them: one paged bulk read (`Get-User -ResultSize Unlimited`, without which
 * the answer silently stops at 1000), never a call per user. Users without a mailbox come too; callers join.
 */
export async function listUsers(session: ExchangeSession): Promise<DirectoryUser[]> {
  const users: DirectoryUser[] = [];
  const convert = (rows: Row[]): void => {
    for (const row of rows) users.push(userFromRow(row));
  };
  // `$select` trims a tenant's worth of rows to what userFromRow reads; each page is converted as it arrives.
  const result = await session.bridge.invoke(
    'Get-User',
    { ResultSize: 'Unlimited' },
    { signal: session.signal, select: USER_ROW_PROPERTIES, onRows: convert },
  );
  convert(result.rows); // a bridge that does not stream returns them here
  for (const warning of result.warnings) session.warn?.(`Get-User: ${warning}`);
  return users;
}

/** What userFromRow reads of a Get-User row. */
const USER_ROW_PROPERTIES = [
  'Guid',
  'ExchangeObjectId',
  'ExternalDirectoryObjectId',
  'UserPrincipalName',
  'WindowsLiveID',
  'Identity',
  'AuthenticationPolicy',
  'StsRefreshTokensValidFrom',
] as const;

export interface UserChanges {
  /** A policy identity (name, distinguished name or GUID), or null to remove the user's policy. */
  authenticationPolicy?: string | null;
  /** Revokes refresh tokens issued before this instant (sent in UTC). */
  stsRefreshTokensValidFrom?: Date;
}

/** One Set-User call, so a policy change and the token revocation that makes it effective land together. */
export async function setUser(session: ExchangeSession, identity: string, changes: UserChanges): Promise<void> {
  assertUserIdentity(identity, 'Set-User');
  const parameters: Record<string, JsonValue> = { Identity: identity };
  if (changes.authenticationPolicy !== undefined) parameters.AuthenticationPolicy = changes.authenticationPolicy;
  if (changes.stsRefreshTokensValidFrom !== undefined)
    parameters.STSRefreshTokensValidFrom = changes.stsRefreshTokensValidFrom.toISOString();
  if (Object.keys(parameters).length === 1) return;
  await invoke(session, 'Set-User', parameters);
}
