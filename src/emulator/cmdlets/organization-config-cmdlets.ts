/**
 * Get-OrganizationConfig / Set-OrganizationConfig: only DefaultAuthenticationPolicy is stateful.
 *
 * Semantics (docs; FIDELITY.md): `Set-OrganizationConfig -DefaultAuthenticationPolicy <policy>` makes a policy the
 * org-wide default (a user's own policy still wins); `$null` clears it. The policy may be named by name, DN or GUID;
 * the row shows its name. There is one organization config per tenant and neither cmdlet has -Identity (the catalog);
 * the catalog's Set-OrganizationConfig has no -Force either.
 */
import type { Row } from '../../bridge/bridge';
import { wireErrors } from '../wire-errors';
import { deterministicGuid } from '../ids';
import { EMULATED_FOREST, EMULATED_FOREST_DN } from '../model';
import { findPolicy } from '../policies';
import { SEED_TIMESTAMP } from '../seed';
import type { Tenant } from '../tenant-store';
import { notModifiedWarning } from './cas-mailbox-cmdlets';
import { CmdletDefinition, eagerRows } from './registry';

/** The org's display name: "Contoso" for contoso.onmicrosoft.com. */
function displayName(tenant: Tenant): string {
  const label = tenant.initialDomain.split('.')[0]!;
  return label.charAt(0).toUpperCase() + label.slice(1);
}

/** A realistic subset of the real object's properties; only DefaultAuthenticationPolicy is stateful. */
export function renderOrganizationConfig(tenant: Tenant): Row {
  return {
    Identity: tenant.initialDomain,
    Name: tenant.initialDomain,
    DisplayName: displayName(tenant),
    Guid: deterministicGuid(tenant.tenantId, 'organization-config'),
    DistinguishedName: `CN=Configuration,CN=${tenant.initialDomain},CN=ConfigurationUnits,${EMULATED_FOREST_DN}`,
    OrganizationId: `${EMULATED_FOREST}/Microsoft Exchange Hosted Organizations/${tenant.initialDomain} - ${EMULATED_FOREST}/ConfigurationUnits/${tenant.initialDomain}/Configuration`,
    DefaultAuthenticationPolicy: tenant.organizationConfig.DefaultAuthenticationPolicy,
    OAuth2ClientProfileEnabled: true,
    ActivityBasedAuthenticationTimeoutEnabled: true,
    AuditDisabled: false,
    BookingsEnabled: true,
    CustomerLockboxEnabled: false,
    IsDehydrated: false,
    MailTipsAllTipsEnabled: true,
    SendFromAliasEnabled: false,
    SmtpActionableMessagesEnabled: true,
    ExchangeVersion: '0.20 (15.0.0.0)',
    WhenChangedUTC: SEED_TIMESTAMP,
    IsValid: true,
    ObjectState: 'Unchanged',
    ...tenant.unmodelledProperties['Get-OrganizationConfig'],
  };
}

export const getOrganizationConfig: CmdletDefinition = {
  name: 'Get-OrganizationConfig',
  // The catalog's Get-OrganizationConfig has one switch (-RetrieveEwsOperationAccessPolicy, not modelled) and no -Identity.
  parameters: {},
  run: ({ tenant }) => ({ rows: eagerRows([renderOrganizationConfig(tenant)]), warnings: [] }),
};

export const setOrganizationConfig: CmdletDefinition = {
  name: 'Set-OrganizationConfig',
  parameters: {
    DefaultAuthenticationPolicy: { type: 'String', nullable: true },
  },
  shouldProcess: true,
  run: ({ tenant }, parameters) => {
    if (!('DefaultAuthenticationPolicy' in parameters) || parameters.WhatIf === true) {
      return {
        rows: eagerRows([]),
        warnings: parameters.WhatIf === true ? [] : [notModifiedWarning(tenant.initialDomain)],
      };
    }
    const given = parameters.DefaultAuthenticationPolicy as string | null;
    if (given === '') {
      throw wireErrors.argumentBinding(
        'DefaultAuthenticationPolicy',
        'ParameterArgumentValidationErrorEmptyStringNotAllowed',
        "Cannot bind argument to parameter 'DefaultAuthenticationPolicy' because it is an empty string. Use $null to clear the default.",
      );
    }
    let name: string | null = null;
    if (given !== null) {
      const policy = findPolicy(tenant, given);
      if (!policy) throw wireErrors.objectNotFound(given);
      name = policy.Name;
    }
    const changed = tenant.setOrganizationConfig({ DefaultAuthenticationPolicy: name });
    return { rows: eagerRows([]), warnings: changed ? [] : [notModifiedWarning(tenant.initialDomain)] };
  },
};

export const ORGANIZATION_CONFIG_CMDLETS: readonly CmdletDefinition[] = [getOrganizationConfig, setOrganizationConfig];
