/**
 * data "exchangeonline_transport_config" — reads the tenant's org-wide SMTP AUTH and legacy TLS settings,
 * without managing them.
 */
import type { Schema } from '../../protocol/schema';
import { readTransportConfig } from '../../exchange/transport-config-operations';
import { exchangeSession, type ExchangeClient } from '../shared/exchange-client';
import type { DataSourceDefinition } from '../framework/resource';
import { legacyEndpointFor, transportConfigSchema } from '../resources/transport-config';

const resourceAttributes = transportConfigSchema.block.attributes;

export const transportConfigDataSource: DataSourceDefinition<ExchangeClient> = {
  typeName: 'exchangeonline_transport_config',
  schema: {
    version: 0,
    block: {
      description: "Reads the tenant's transport configuration: org-wide SMTP AUTH and the legacy TLS opt-in.",
      attributes: {
        id: { type: 'string', computed: true, description: "The tenant (the provider's `organization`)." },
        smtp_client_authentication_disabled: {
          type: 'bool',
          computed: true,
          description: '`true` when SMTP AUTH is off for the organization.',
        },
        allow_legacy_tls_clients: {
          type: 'bool',
          computed: true,
          description: '`true` when legacy TLS clients may use the legacy endpoint.',
        },
        smtp_client_authentication_enabled: {
          type: 'bool',
          computed: true,
          description:
            'The inverse of `smtp_client_authentication_disabled`, for readable assertions: what mailboxes without their own setting get.',
        },
        legacy_tls_client_endpoint: resourceAttributes.legacy_tls_client_endpoint,
      },
    },
  } satisfies Schema,

  async read(context) {
    const settings = await readTransportConfig(exchangeSession(context));
    return {
      id: context.client.organization,
      smtp_client_authentication_disabled: settings.smtpClientAuthenticationDisabled,
      smtp_client_authentication_enabled: !settings.smtpClientAuthenticationDisabled,
      allow_legacy_tls_clients: settings.allowLegacyTlsClients,
      legacy_tls_client_endpoint: legacyEndpointFor(context.client, settings.allowLegacyTlsClients),
    };
  },
};
