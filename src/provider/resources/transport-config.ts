/**
 * exchangeonline_transport_config — the tenant's org-wide SMTP AUTH switch and legacy TLS opt-in.
 *
 * There is exactly one transport config per tenant, so "create" adopts it: it records the values found
 * (`original_settings`), then applies the configuration. Destroy leaves the tenant as it is, unless
 * `restore_on_destroy = true`, which puts the recorded values back. A tenant that never set AllowLegacyTLSClients is
 * recorded as null and restored to "not set" (so it follows Microsoft's default again), not to an explicit false.
 */
import { warnsUnderDestroy } from '../shared/destroy-command';
import { errorDiagnostic } from '../../protocol/diagnostics';
import type { Schema } from '../../protocol/schema';
import { confirmWrite } from '../../exchange/confirm';
import {
  readTransportConfig,
  setTransportConfig,
  type TransportConfigChanges,
  type TransportConfigSettings,
} from '../../exchange/transport-config-operations';
import { assertImportTenant, exchangeSession, type ExchangeClient } from '../shared/exchange-client';
import { DiagnosticError, type OperationContext, type ResourceDefinition } from '../framework/resource';
import { Unknown, isKnown, readBool, valuesEqual, type CtyValue, type ObjectValue } from '../framework/values';

const SETTINGS_TYPE = [
  'object',
  { smtp_client_authentication_disabled: 'bool', allow_legacy_tls_clients: 'bool' },
] as const;
const LEGACY_ENDPOINT_TYPE = ['object', { host: 'string', port: 'number', tls_versions: ['list', 'string'] }] as const;

export const transportConfigSchema: Schema = {
  version: 0,
  block: {
    description:
      "The tenant's transport configuration: SMTP AUTH for the whole organization, and whether clients limited to TLS 1.0/1.1 may submit mail " +
      'through the legacy endpoint. One per tenant: creating it adopts the existing settings. Import with the tenant domain or id.',
    attributes: {
      id: { type: 'string', computed: true, description: "The tenant (the provider's `organization`)." },
      smtp_client_authentication_disabled: {
        type: 'bool',
        optional: true,
        computed: true,
        description:
          '`true` turns SMTP AUTH off for the organization (`Set-TransportConfig -SmtpClientAuthenticationDisabled`). Mailboxes with their own ' +
          'setting (`Set-CASMailbox -SmtpClientAuthenticationDisabled`) still override it. Left out: not managed.',
      },
      allow_legacy_tls_clients: {
        type: 'bool',
        optional: true,
        computed: true,
        description:
          '`true` lets SMTP AUTH clients that only speak TLS 1.0/1.1 submit through the legacy endpoint (`-AllowLegacyTLSClients`). Not available in ' +
          'GCC, GCC High and DoD. A tenant that never set it reads as `false`. Left out: not managed.',
      },
      restore_on_destroy: {
        type: 'bool',
        optional: true,
        computed: true,
        description:
          'When `true`, destroying this resource restores `original_settings`. Default `false`: destroy stops managing and leaves the tenant as it is.',
      },
      original_settings: {
        type: SETTINGS_TYPE,
        computed: true,
        description:
          'The values found when Terraform first managed (created or imported) this resource; what `restore_on_destroy` puts back. ' +
          '`allow_legacy_tls_clients` is null when the tenant had never set it, and a restore clears it back to "not set". States ' +
          'from earlier exoform versions hold `false` there instead, which a restore writes as an explicit `false`; import the ' +
          'resource again to re-record it.',
      },
      legacy_tls_client_endpoint: {
        type: LEGACY_ENDPOINT_TYPE,
        computed: true,
        description:
          'Where legacy-TLS clients must connect while `allow_legacy_tls_clients` is `true` (null otherwise): host, port and the TLS versions it accepts. ' +
          'Other clients keep using `smtp.office365.com:587` with STARTTLS and TLS 1.2.',
      },
    },
  },
};

export function legacyEndpointFor(client: Pick<ExchangeClient, 'legacyTlsHost'> | null, allowed: CtyValue): CtyValue {
  if (!isKnown(allowed)) return new Unknown();
  if (allowed !== true) return null;
  // A cloud without a legacy endpoint (GCC, GCC High, DoD) has nowhere to point clients.
  if (client && client.legacyTlsHost === null) return null;
  return { host: client?.legacyTlsHost ?? 'smtp-legacy.office365.com', port: 25, tls_versions: ['1.0', '1.1'] };
}

/** allow_legacy_tls_clients = true in a cloud that has no legacy-TLS endpoint: refused at plan time. */
function refuseLegacyTlsWithoutEndpoint(
  client: Pick<ExchangeClient, 'legacyTlsHost' | 'cloudLabel'> | null,
  config: ObjectValue,
): void {
  if (!client || client.legacyTlsHost !== null || config.allow_legacy_tls_clients !== true) return;
  throw new DiagnosticError(
    errorDiagnostic(
      `Legacy TLS clients are not available in ${client.cloudLabel}`,
      `allow_legacy_tls_clients = true asks for the legacy-TLS SMTP endpoint, but Microsoft offers none in ${client.cloudLabel}: GCC, GCC High ` +
        'and DoD have TLS 1.0/1.1 permanently turned off ("Opt in to the Exchange Online endpoint for legacy TLS clients using SMTP AUTH"). ' +
        'Set allow_legacy_tls_clients = false (or leave it out) and move those clients to TLS 1.2 on smtp.office365.com:587; if the tenant is ' +
        "not in that cloud, fix the provider's `environment` setting.",
      ['allow_legacy_tls_clients'],
    ),
  );
}

function settingsValue(settings: TransportConfigSettings): ObjectValue {
  return {
    smtp_client_authentication_disabled: settings.smtpClientAuthenticationDisabled,
    allow_legacy_tls_clients: settings.allowLegacyTlsClients,
  };
}

/**
 * What `original_settings` records: as settingsValue, except that a tenant which never set AllowLegacyTLSClients is
 * recorded as null, so a restore puts "not set" back rather than an explicit false that stops following the default.
 */
export function originalSettingsValue(settings: TransportConfigSettings): ObjectValue {
  return {
    ...settingsValue(settings),
    allow_legacy_tls_clients: settings.allowLegacyTlsClientsNotSet ? null : settings.allowLegacyTlsClients,
  };
}

/** The writes a restore asks for: null AllowLegacyTLSClients means "clear it"; a recorded false stays false. */
export function restoreChanges(original: ObjectValue): TransportConfigChanges {
  return {
    smtpClientAuthenticationDisabled: readBool(original, 'smtp_client_authentication_disabled'),
    allowLegacyTlsClients:
      original.allow_legacy_tls_clients === null ? null : readBool(original, 'allow_legacy_tls_clients'),
  };
}

/** The settings the plan asks for, ignoring those the configuration leaves out. */
function wanted(planned: ObjectValue, config: ObjectValue): TransportConfigChanges {
  const changes: TransportConfigChanges = {};
  if (config.smtp_client_authentication_disabled !== null)
    changes.smtpClientAuthenticationDisabled = readBool(planned, 'smtp_client_authentication_disabled');
  if (config.allow_legacy_tls_clients !== null)
    changes.allowLegacyTlsClients = readBool(planned, 'allow_legacy_tls_clients');
  return changes;
}

function stateFrom(
  client: ExchangeClient,
  settings: TransportConfigSettings,
  rest: { restore: boolean; original: CtyValue },
): ObjectValue {
  return {
    id: client.organization,
    ...settingsValue(settings),
    restore_on_destroy: rest.restore,
    original_settings: rest.original,
    legacy_tls_client_endpoint: legacyEndpointFor(client, settings.allowLegacyTlsClients),
  };
}

/** Reads the tenant's transport config, keeping the mailbox directory's cached organization value in step. */
async function readCurrent(context: OperationContext<ExchangeClient>): Promise<TransportConfigSettings> {
  const settings = await readTransportConfig(exchangeSession(context));
  context.client.mailboxes.noteOrgSmtpAuthDisabled(settings.smtpClientAuthenticationDisabled);
  return settings;
}

/** The part of `changes` that differs from the tenant now: what Set-TransportConfig must be sent. */
export function changesNeeded(
  changes: TransportConfigChanges,
  current: TransportConfigSettings,
): TransportConfigChanges {
  const needed: TransportConfigChanges = {};
  if (
    changes.smtpClientAuthenticationDisabled !== undefined &&
    changes.smtpClientAuthenticationDisabled !== current.smtpClientAuthenticationDisabled
  ) {
    needed.smtpClientAuthenticationDisabled = changes.smtpClientAuthenticationDisabled;
  }
  const legacy = changes.allowLegacyTlsClients;
  if (legacy === null) {
    // Back to "not set": only a tenant holding an explicit value needs the write.
    if (!current.allowLegacyTlsClientsNotSet) needed.allowLegacyTlsClients = null;
  } else if (
    legacy !== undefined &&
    // "Not set" already means disabled, but a configuration that says false gets an explicit $false written.
    (legacy !== current.allowLegacyTlsClients || current.allowLegacyTlsClientsNotSet)
  ) {
    needed.allowLegacyTlsClients = legacy;
  }
  return needed;
}

/** Applies only what differs from the tenant now, then reads back what Exchange actually holds. */
async function converge(
  context: OperationContext<ExchangeClient>,
  changes: TransportConfigChanges,
  current: TransportConfigSettings,
): Promise<TransportConfigSettings> {
  const needed = changesNeeded(changes, current);
  if (Object.keys(needed).length === 0) return current;
  const exchange = exchangeSession(context);
  await setTransportConfig(exchange, needed);
  if (needed.smtpClientAuthenticationDisabled !== undefined)
    context.client.mailboxes.noteOrgSmtpAuthDisabled(needed.smtpClientAuthenticationDisabled);
  await confirmWrite(exchange, 'Set-TransportConfig', async () => {
    const seen = await readTransportConfig(exchange);
    return (
      (needed.smtpClientAuthenticationDisabled === undefined ||
        seen.smtpClientAuthenticationDisabled === needed.smtpClientAuthenticationDisabled) &&
      (needed.allowLegacyTlsClients === undefined ||
        (needed.allowLegacyTlsClients === null
          ? // Whether the service reads a $null write back as null or as False is not known (src/emulator/FIDELITY.md):
            // both mean disabled, so either confirms the write instead of waiting out the confirmation window.
            seen.allowLegacyTlsClientsNotSet === true || seen.allowLegacyTlsClients === false
          : seen.allowLegacyTlsClients === needed.allowLegacyTlsClients))
    );
  });
  // The directory replicates: a read straight after a write can be stale, so trust what was written.
  const legacy = needed.allowLegacyTlsClients;
  return {
    smtpClientAuthenticationDisabled:
      needed.smtpClientAuthenticationDisabled ?? current.smtpClientAuthenticationDisabled,
    allowLegacyTlsClients: legacy === undefined ? current.allowLegacyTlsClients : legacy === true,
    allowLegacyTlsClientsNotSet: legacy === undefined ? current.allowLegacyTlsClientsNotSet : legacy === null,
  };
}

export const transportConfigResource: ResourceDefinition<ExchangeClient> = {
  typeName: 'exchangeonline_transport_config',
  schema: transportConfigSchema,
  defaults: { restore_on_destroy: false },
  stableComputed: ['id', 'original_settings'],

  modifyPlan({ prior, planned, config, client, warn }) {
    try {
      refuseLegacyTlsWithoutEndpoint(client, config);
    } catch (error) {
      // A configuration edited since the last apply: it fails an apply's plan, and only warns before a destroy.
      if (!warnsUnderDestroy(error, warn)) throw error;
    }
    // An update reads the tenant again at apply time; what the configuration leaves out may have been changed by
    // another writer since this plan (or a saved plan) was made, so it is planned as unknown rather than promised.
    if (
      prior &&
      Object.keys(planned).some(
        (name) => name !== 'legacy_tls_client_endpoint' && !valuesEqual(prior[name], planned[name]),
      )
    ) {
      for (const name of ['smtp_client_authentication_disabled', 'allow_legacy_tls_clients'] as const) {
        if (config[name] === null) planned[name] = new Unknown();
      }
    }
    planned.legacy_tls_client_endpoint = legacyEndpointFor(client, planned.allow_legacy_tls_clients);
    if (client && isKnown(planned.id) === false) planned.id = client.organization;
  },

  async create(context) {
    const current = await readCurrent(context);
    const settings = await converge(context, wanted(context.planned, context.config), current);
    return stateFrom(context.client, settings, {
      restore: context.planned.restore_on_destroy === true,
      original: originalSettingsValue(current),
    });
  },

  async read(context) {
    const settings = await readCurrent(context);
    return stateFrom(context.client, settings, {
      restore: context.state.restore_on_destroy === true,
      original: context.state.original_settings ?? originalSettingsValue(settings),
    });
  },

  async update(context) {
    const current = await readCurrent(context);
    const settings = await converge(context, wanted(context.planned, context.config), current);
    return stateFrom(context.client, settings, {
      restore: context.planned.restore_on_destroy === true,
      original: context.prior.original_settings,
    });
  },

  async delete(context) {
    if (context.prior.restore_on_destroy !== true) return;
    const original = context.prior.original_settings as ObjectValue | null;
    if (!original) {
      throw new DiagnosticError(
        errorDiagnostic(
          'Cannot restore the original transport settings',
          'restore_on_destroy is true but the state holds no original_settings. Set restore_on_destroy = false to destroy without restoring, or set the values by hand.',
          ['restore_on_destroy'],
        ),
      );
    }
    const current = await readCurrent(context);
    await converge(context, restoreChanges(original), current);
  },

  async importState(context) {
    assertImportTenant(context);
    const settings = await readCurrent(context);
    return stateFrom(context.client, settings, { restore: false, original: originalSettingsValue(settings) });
  },
};
