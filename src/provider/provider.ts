/**
 * The `exchangeonline` provider: its schema, its resources, data sources and functions, and what configuring it
 * does. The parts live by job: provider-schema.ts (the block), provider-settings.ts (reading it), bridge-factory.ts
 * (the bridge and client it builds), error-diagnostics.ts (errors as diagnostics).
 */
import type { Logger } from '../protocol/logging';
import { createExchangeClient } from './bridge-factory';
import { authenticationPoliciesDataSource } from './data-sources/authentication-policies';
import { casMailboxesDataSource } from './data-sources/cas-mailboxes';
import { smtpAuthReadinessDataSource } from './data-sources/smtp-auth-readiness';
import { transportConfigDataSource } from './data-sources/transport-config-data-source';
import { configurationDiagnostic, describeExchangeError } from './error-diagnostics';
import type { ExchangeClient } from './shared/exchange-client';
import type { ProviderDefinition } from './framework/resource';
import { mailboxListFunction } from './functions/mailbox-list';
import { providerSchema } from './provider-schema';
import { settingFrom } from './provider-settings';
import { authenticationPolicyResource } from './resources/authentication-policy';
import { authenticationPolicyAssignmentResource } from './resources/authentication-policy-assignment';
import { defaultAuthenticationPolicyResource } from './resources/default-authentication-policy';
import { mailboxSmtpAuthResource } from './resources/mailbox-smtp-auth';
import { mailboxSmtpAuthListResource } from './resources/mailbox-smtp-auth-list';
import { transportConfigResource } from './resources/transport-config';

// Tests and scripts import these from here, the provider's entry module.
export type { ExchangeClient } from './shared/exchange-client';
export { DEFAULT_MAX_CONCURRENT_REQUESTS, PROVIDER_ENVIRONMENT, providerSchema } from './provider-schema';

export function createExoformProvider(
  logger: Logger,
  environment: NodeJS.ProcessEnv = process.env,
): ProviderDefinition<ExchangeClient> {
  return {
    schema: providerSchema,
    resources: [
      transportConfigResource,
      mailboxSmtpAuthResource,
      mailboxSmtpAuthListResource,
      authenticationPolicyResource,
      authenticationPolicyAssignmentResource,
      defaultAuthenticationPolicyResource,
    ],
    dataSources: [
      transportConfigDataSource,
      casMailboxesDataSource,
      authenticationPoliciesDataSource,
      smtpAuthReadinessDataSource,
    ],
    functions: [mailboxListFunction],

    async configure(config) {
      const setting = (name: string): string | undefined => settingFrom(config, name, environment);
      try {
        return createExchangeClient(config, setting, environment, logger);
      } catch (error) {
        throw configurationDiagnostic(error, config, setting);
      }
    },

    beforeCreatePlan(client, { signal }) {
      return client.tenantAnswered(signal);
    },

    describeError: describeExchangeError,

    async close(client) {
      await client.bridge.close();
    },
  };
}
