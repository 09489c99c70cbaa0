/**
 * Get-TransportConfig / Set-TransportConfig: the org-wide SMTP AUTH switch and the legacy TLS opt-in.
 *
 * Semantics (docs; FIDELITY.md): SmtpClientAuthenticationDisabled true = SMTP AUTH off for the organisation, false =
 * on; it is a plain Boolean, so $null is refused. AllowLegacyTLSClients reads as $null until someone sets it; $null
 * means "not set" and is treated as disabled. There is one transport config per tenant, and neither cmdlet has an
 * -Identity parameter on the service (its cmdlet catalog, terraprovider/go-exoscc spec/catalog/EXO-catalog.json).
 */
import type { Row } from '../../bridge/bridge';
import { EMULATED_FOREST_DN } from '../model';
import type { Tenant } from '../tenant-store';
import { CmdletDefinition, eagerRows } from './registry';

function transportConfigIdentity(tenant: Tenant): string {
  return `${tenant.initialDomain}\\Transport Settings`;
}

/** A realistic subset of the real object's properties; only the SMTP AUTH pair is stateful. */
export function renderTransportConfig(tenant: Tenant): Row {
  const config = tenant.transportConfig;
  return {
    Identity: transportConfigIdentity(tenant),
    Name: 'Transport Settings',
    DistinguishedName: `CN=Transport Settings,CN=${tenant.initialDomain},CN=ConfigurationUnits,${EMULATED_FOREST_DN}`,
    Guid: config.Guid,
    OrganizationId: tenant.initialDomain,
    SmtpClientAuthenticationDisabled: config.SmtpClientAuthenticationDisabled,
    AllowLegacyTLSClients: config.AllowLegacyTLSClients,
    AddressBookPolicyRoutingEnabled: false,
    ClearCategories: true,
    ConvertDisclaimerWrapperToEml: false,
    DSNConversionMode: 'UseExchangeDSNs',
    ExternalDelayDsnEnabled: true,
    ExternalDsnSendHtml: true,
    ExternalPostmasterAddress: null,
    HeaderPromotionModeSetting: 'NoCreate',
    InternalDsnSendHtml: true,
    JournalingReportNdrTo: '<>',
    MaxRecipientEnvelopeLimit: 'Unlimited',
    MaxReceiveSize: 'Unlimited',
    MaxSendSize: 'Unlimited',
    ReplyAllStormProtectionEnabled: true,
    Rfc2231EncodingEnabled: false,
    WhenChangedUTC: config.WhenChangedUTC,
    IsValid: true,
    ObjectState: 'Unchanged',
    ...tenant.unmodelledProperties['Get-TransportConfig'],
  };
}

export const getTransportConfig: CmdletDefinition = {
  name: 'Get-TransportConfig',
  // The server's cmdlet catalog (terraprovider/go-exoscc spec/catalog/EXO-catalog.json): no parameters at all.
  parameters: {},
  run: ({ tenant }) => ({ rows: eagerRows([renderTransportConfig(tenant)]), warnings: [] }),
};

export const setTransportConfig: CmdletDefinition = {
  name: 'Set-TransportConfig',
  // The catalog's Set-TransportConfig has no -Identity; AllowLegacyTLSClients is System.Object there (accepts $null).
  parameters: {
    SmtpClientAuthenticationDisabled: { type: 'Boolean' },
    AllowLegacyTLSClients: { type: 'Boolean', nullable: true },
    Force: { type: 'SwitchParameter' },
  },
  shouldProcess: true,
  run: ({ tenant, now }, parameters) => {
    const patch: { SmtpClientAuthenticationDisabled?: boolean; AllowLegacyTLSClients?: boolean | null } = {};
    if ('SmtpClientAuthenticationDisabled' in parameters)
      patch.SmtpClientAuthenticationDisabled = parameters.SmtpClientAuthenticationDisabled as boolean;
    if ('AllowLegacyTLSClients' in parameters)
      patch.AllowLegacyTLSClients = parameters.AllowLegacyTLSClients as boolean | null;
    if (parameters.WhatIf === true) return { rows: eagerRows([]), warnings: [] };
    const changed = tenant.setTransportConfig(patch, now);
    // The real service says so when a Set- changes nothing; providers surface it as a warning.
    const warnings = changed
      ? []
      : [
          `The command completed successfully but no settings of '${transportConfigIdentity(tenant)}' have been modified.`,
        ];
    return { rows: eagerRows([]), warnings };
  },
};

export const TRANSPORT_CONFIG_CMDLETS: readonly CmdletDefinition[] = [getTransportConfig, setTransportConfig];
