/**
 * New-, Set-, Get-, Remove-AuthenticationPolicy: which protocols may use Basic authentication.
 *
 * Semantics (docs; FIDELITY.md): twelve Exchange Online switches, all false by default (a new policy with no switch
 * blocks Basic auth for every protocol); names are at most 64 characters, unique, and cannot be changed (Set- has no
 * -Name). -Identity takes the name, the distinguished name or the GUID. A null or empty -Identity on the Get- returns
 * every policy (the documented pitfall, reproduced on purpose).
 *
 * Removing a policy that is still assigned to users or is the organization's default is not documented. The emulator
 * does what Active Directory does with links to a deleted object: the removal succeeds and the references vanish
 * (the users' AuthenticationPolicy and the org's DefaultAuthenticationPolicy become null). See FIDELITY.md.
 */
import type { Row } from '../../bridge/bridge';
import { wireErrors } from '../wire-errors';
import { AuthenticationPolicyRecord, BASIC_AUTH_SWITCHES, BasicAuthSwitch, EMULATED_FOREST } from '../model';
import { findPolicy, newPolicyRecord } from '../policies';
import { exchangeTimestamp, type Tenant } from '../tenant-store';
import { notModifiedWarning } from './cas-mailbox-cmdlets';
import { BoundParameters, CmdletDefinition, ParameterSpec, eagerRows } from './registry';

export const MAX_POLICY_NAME_LENGTH = 64;

const SWITCH_PARAMETERS: Record<string, ParameterSpec> = Object.fromEntries(
  BASIC_AUTH_SWITCHES.map((s) => [s, { type: 'SwitchParameter' }]),
);

export function renderAuthenticationPolicy(policy: AuthenticationPolicyRecord, tenant: Tenant): Row {
  const row: Row = {
    Identity: policy.Name,
    Name: policy.Name,
    Id: policy.Name,
    Guid: policy.Guid,
    DistinguishedName: policy.DistinguishedName,
  };
  for (const sw of BASIC_AUTH_SWITCHES) row[sw] = policy[sw];
  Object.assign(
    row,
    {
      AdminDisplayName: '',
      ExchangeVersion: '0.20 (15.0.0.0)',
      ObjectCategory: `${EMULATED_FOREST}/Configuration/Schema/ms-Exch-Auth-Policy`,
      ObjectClass: ['top', 'msExchAuthPolicy'],
      OrganizationId: `${EMULATED_FOREST}/Microsoft Exchange Hosted Organizations/${tenant.initialDomain} - ${EMULATED_FOREST}/ConfigurationUnits/${tenant.initialDomain}/Configuration`,
      WhenChanged: policy.WhenChangedUTC,
      WhenChangedUTC: policy.WhenChangedUTC,
      IsValid: true,
      ObjectState: 'Unchanged',
    },
    tenant.unmodelledProperties['Get-AuthenticationPolicy'],
  );
  return row;
}

/** The switches a New-/Set- call gives, as true/false. */
function switchesOf(parameters: BoundParameters): Partial<Record<BasicAuthSwitch, boolean>> {
  const switches: Partial<Record<BasicAuthSwitch, boolean>> = {};
  for (const sw of BASIC_AUTH_SWITCHES) if (sw in parameters) switches[sw] = parameters[sw] as boolean;
  return switches;
}

function requirePolicy(tenant: Tenant, identity: string): AuthenticationPolicyRecord {
  const policy = findPolicy(tenant, identity);
  if (!policy) throw wireErrors.objectNotFound(identity);
  return policy;
}

export const newAuthenticationPolicy: CmdletDefinition = {
  name: 'New-AuthenticationPolicy',
  parameters: {
    Name: { type: 'String', mandatory: true },
    ...SWITCH_PARAMETERS,
  },
  shouldProcess: true,
  run: ({ tenant, now }, parameters) => {
    const name = parameters.Name as string;
    if (name.length > MAX_POLICY_NAME_LENGTH) {
      throw wireErrors.argumentValidation(
        'Name',
        `The character length of the ${name.length} argument is too long. Shorten the character length of the argument so it is fewer than or equal to "${MAX_POLICY_NAME_LENGTH}" characters, and then try the command again.`,
      );
    }
    const existing = tenant.authenticationPolicies.find((p) => p.Name.toLowerCase() === name.toLowerCase());
    if (existing) throw wireErrors.objectAlreadyExists(existing.DistinguishedName);
    const record = newPolicyRecord(tenant, name, switchesOf(parameters), exchangeTimestamp(now));
    if (parameters.WhatIf === true) return { rows: eagerRows([]), warnings: [] };
    // Like the real cmdlet, New- writes the object it created to the output.
    return { rows: eagerRows([renderAuthenticationPolicy(tenant.addPolicy(record), tenant)]), warnings: [] };
  },
};

export const setAuthenticationPolicy: CmdletDefinition = {
  name: 'Set-AuthenticationPolicy',
  parameters: {
    Identity: { type: 'String', mandatory: true },
    ...SWITCH_PARAMETERS,
  },
  shouldProcess: true,
  // The catalog: -Identity and the twelve switches, nothing else.
  run: ({ tenant, now }, parameters) => {
    const policy = requirePolicy(tenant, parameters.Identity as string);
    if (parameters.WhatIf === true) return { rows: eagerRows([]), warnings: [] };
    const updated = tenant.updatePolicy(policy, switchesOf(parameters), now);
    return { rows: eagerRows([]), warnings: updated === policy ? [notModifiedWarning(policy.Name)] : [] };
  },
};

export const getAuthenticationPolicy: CmdletDefinition = {
  name: 'Get-AuthenticationPolicy',
  parameters: { Identity: { type: 'String', nullable: true } },
  // The catalog: -Identity only.
  run: ({ tenant }, parameters) => {
    const identity = parameters.Identity as string | null | undefined;
    // The pitfall: no identity, null or "" all mean "every policy".
    const policies =
      identity === undefined || identity === null || identity.trim() === ''
        ? [...tenant.authenticationPolicies]
        : [requirePolicy(tenant, identity)];
    return { rows: eagerRows(policies.map((p) => renderAuthenticationPolicy(p, tenant))), warnings: [] };
  },
};

export const removeAuthenticationPolicy: CmdletDefinition = {
  name: 'Remove-AuthenticationPolicy',
  parameters: {
    Identity: { type: 'String', mandatory: true },
  },
  shouldProcess: true,
  run: ({ tenant }, parameters) => {
    const policy = requirePolicy(tenant, parameters.Identity as string);
    if (parameters.WhatIf !== true) tenant.removePolicy(policy);
    return { rows: eagerRows([]), warnings: [] };
  },
};

export const AUTHENTICATION_POLICY_CMDLETS: readonly CmdletDefinition[] = [
  newAuthenticationPolicy,
  setAuthenticationPolicy,
  getAuthenticationPolicy,
  removeAuthenticationPolicy,
];
