/**
 * Get-User / Set-User: the directory user behind every mailbox (and users without one), with the authentication
 * policy assignment and the refresh-token revocation time.
 *
 * Semantics (docs; FIDELITY.md): `Set-User -AuthenticationPolicy <policy>` assigns a policy (a user's own policy
 * beats the org default), `$null` removes it. `Set-User -STSRefreshTokensValidFrom <date>` revokes refresh tokens
 * issued before that time (stored as ISO 8601 UTC). Get-User lists users, 1000 unless -ResultSize says otherwise;
 * `-Filter "AuthenticationPolicy -eq '<policy DN>'"` lists the users a policy is assigned to. The row shows the
 * assigned policy by name (how Exchange prints a link to a configuration object); the filter accepts the DN
 * Microsoft's examples use, the name or the GUID.
 */
import { wireErrors } from '../wire-errors';
import { EMULATED_FOREST, RecipientRecord } from '../model';
import { parseAuthenticationPolicyFilter } from '../opath';
import { findPolicy } from '../policies';
import { resolveRecipient } from '../recipients';
import type { RecipientPatch, Tenant } from '../tenant-store';
import { limitResults, notModifiedWarning, requireOneRecipient } from './cas-mailbox-cmdlets';
import { CmdletDefinition, eagerRows, lazyPropertyRows, type PropertyGetters } from './registry';

/** A Get-User row, property by property (a `$select` page renders only the selected ones: lazyPropertyRows). */
const USER_PROPERTIES: PropertyGetters<RecipientRecord> = {
  Identity: (r) => r.Name,
  Name: (r) => r.Name,
  DisplayName: (r) => r.DisplayName,
  UserPrincipalName: (r) => r.UserPrincipalName,
  Guid: (r) => r.Guid,
  ExchangeObjectId: (r) => r.ExchangeObjectId,
  ExternalDirectoryObjectId: (r) => r.ExternalDirectoryObjectId,
  DistinguishedName: (r) => r.DistinguishedName,
  SamAccountName: (r) => r.SamAccountName,
  WindowsEmailAddress: (r) => r.PrimarySmtpAddress ?? '',
  RecipientType: (r) => (r.RecipientTypeDetails === 'User' ? 'User' : 'UserMailbox'),
  RecipientTypeDetails: (r) => r.RecipientTypeDetails,
  AuthenticationPolicy: (r) => r.AuthenticationPolicy,
  STSRefreshTokensValidFrom: (r) => r.STSRefreshTokensValidFrom,
  AccountDisabled: () => false,
  IsDirSynced: () => false,
  OrganizationId: (_r, tenant) =>
    `${EMULATED_FOREST}/Microsoft Exchange Hosted Organizations/${tenant.initialDomain} - ${EMULATED_FOREST}/ConfigurationUnits/${tenant.initialDomain}/Configuration`,
  ExchangeVersion: () => '0.20 (15.0.0.0)',
  WhenCreatedUTC: (r) => r.WhenCreatedUTC,
  IsValid: () => true,
  ObjectState: () => 'Unchanged',
};

/** A predicate for `AuthenticationPolicy -eq|-ne <value>`. A value naming no policy matches no assignment. */
function authenticationPolicyPredicate(tenant: Tenant, filter: string): (r: RecipientRecord) => boolean {
  const { operator, value } = parseAuthenticationPolicyFilter(filter);
  let wanted: string | null | undefined;
  if (value === null) wanted = null;
  else wanted = findPolicy(tenant, value)?.Name.toLowerCase(); // undefined: no such policy, so no user has it
  const has = (r: RecipientRecord): boolean => {
    const assigned = r.AuthenticationPolicy?.toLowerCase() ?? null;
    return wanted === undefined ? false : assigned === wanted;
  };
  // OPATH -ne matches objects without the attribute too (LDAP: (!(attr=value))), so -ne 'X' includes unassigned users.
  return operator === 'eq' ? has : (r) => !has(r);
}

export const getUser: CmdletDefinition = {
  name: 'Get-User',
  parameters: {
    Identity: { type: 'String', nullable: true },
    ResultSize: { type: 'Unlimited' },
    Filter: { type: 'String' },
  },
  run: ({ tenant }, parameters) => {
    const identity = parameters.Identity as string | null | undefined;
    const resolution = resolveRecipient(tenant, identity);
    let matches: readonly RecipientRecord[];
    switch (resolution.kind) {
      case 'all':
        matches = tenant.recipients;
        break;
      case 'one':
        matches = [resolution.recipient];
        break;
      case 'ambiguous':
        matches = resolution.matches;
        break;
      case 'none':
        throw wireErrors.objectNotFound(identity ?? '');
    }
    if ('Filter' in parameters)
      matches = matches.filter(authenticationPolicyPredicate(tenant, parameters.Filter as string));
    else if (resolution.kind === 'all') matches = [...matches]; // a snapshot: paging must not see later changes
    const warnings: string[] = [];
    const limited = limitResults(matches, parameters.ResultSize, warnings);
    return { rows: lazyPropertyRows(limited, USER_PROPERTIES, tenant), warnings };
  },
};

export const setUser: CmdletDefinition = {
  name: 'Set-User',
  parameters: {
    Identity: { type: 'String', mandatory: true },
    AuthenticationPolicy: { type: 'String', nullable: true },
    // Spelled as the catalog and Microsoft's docs spell it; binding is case-insensitive either way.
    StsRefreshTokensValidFrom: { type: 'DateTime' },
  },
  shouldProcess: true,
  run: ({ tenant }, parameters) => {
    const recipient = requireOneRecipient(tenant, parameters.Identity as string, () => true);
    const patch: { -readonly [K in keyof RecipientPatch]: RecipientPatch[K] } = {};
    if ('AuthenticationPolicy' in parameters) {
      const given = parameters.AuthenticationPolicy as string | null;
      if (given === '') {
        throw wireErrors.argumentBinding(
          'AuthenticationPolicy',
          'ParameterArgumentValidationErrorEmptyStringNotAllowed',
          "Cannot bind argument to parameter 'AuthenticationPolicy' because it is an empty string. Use $null to remove the assignment.",
        );
      }
      if (given === null) patch.AuthenticationPolicy = null;
      else {
        const policy = findPolicy(tenant, given);
        if (!policy) throw wireErrors.objectNotFound(given);
        patch.AuthenticationPolicy = policy.Name;
      }
    }
    if ('StsRefreshTokensValidFrom' in parameters)
      patch.STSRefreshTokensValidFrom = parameters.StsRefreshTokensValidFrom as string;
    if (parameters.WhatIf === true) return { rows: eagerRows([]), warnings: [] };
    const updated = tenant.updateRecipient(recipient, patch);
    return { rows: eagerRows([]), warnings: updated === recipient ? [notModifiedWarning(recipient.Name)] : [] };
  },
};

export const USER_CMDLETS: readonly CmdletDefinition[] = [getUser, setUser];
