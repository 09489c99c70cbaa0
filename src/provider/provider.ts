/**
 * The `exchangeonline` provider block: which tenant, how to authenticate, which endpoint. Every setting can
 * come from an EXO_* environment variable so pipelines keep secrets out of configuration.
 */
import type { ExchangeBridge } from '../bridge/bridge';
import { ConcurrencyLimitedBridge } from '../bridge/limited-bridge';
import { MailboxDirectory } from '../exchange/mailbox-directory';
import { ConfigurationError, isExchangeError } from '../bridge/errors';
import { createRestBridge } from '../bridge/rest/create-rest-bridge';
import { errorDiagnostic, type Diagnostic } from '../protocol/diagnostics';
import type { LogFields, Logger } from '../protocol/logging';
import type { Schema } from '../protocol/schema';
import { DiagnosticError, type ProviderDefinition } from './framework/resource';
import { readString, type ObjectValue } from './framework/values';
import { transportConfigResource } from './resources/transport-config';
import { mailboxSmtpAuthResource } from './resources/mailbox-smtp-auth';
import { mailboxSmtpAuthListResource } from './resources/mailbox-smtp-auth-list';
import { transportConfigDataSource } from './data-sources/transport-config';
import { casMailboxesDataSource } from './data-sources/cas-mailboxes';

/** What every resource receives once the provider is configured. */
export interface ExchangeClient {
  readonly organization: string;
  /** Limited to `max_concurrent_requests` calls in flight for this tenant. */
  readonly bridge: ExchangeBridge;
  /** This process's view of the tenant's mailboxes: one bulk read, shared by every mailbox resource. */
  readonly mailboxes: MailboxDirectory;
  /** Host name legacy-TLS SMTP clients use in this tenant's cloud. */
  readonly legacyTlsHost: string;
}

/** Attribute name → environment variable that supplies it when the block leaves it out. */
export const PROVIDER_ENVIRONMENT: Readonly<Record<string, string>> = {
  organization: 'EXO_ORGANIZATION',
  access_token: 'EXO_ACCESS_TOKEN',
  client_id: 'EXO_CLIENT_ID',
  client_secret: 'EXO_CLIENT_SECRET',
  certificate_path: 'EXO_CERTIFICATE_PATH',
  certificate_password: 'EXO_CERTIFICATE_PASSWORD',
  endpoint: 'EXO_ENDPOINT',
  max_concurrent_requests: 'EXO_MAX_CONCURRENT_REQUESTS',
};

export const DEFAULT_MAX_CONCURRENT_REQUESTS = 4;

const env = (name: string): string => `Defaults to the \`${PROVIDER_ENVIRONMENT[name]}\` environment variable.`;

export const providerSchema: Schema = {
  version: 0,
  block: {
    description:
      'Manages Exchange Online SMTP AUTH settings. Authenticate with an access token, or an Entra app (`client_id`) with a certificate or a client secret.',
    attributes: {
      organization: { type: 'string', optional: true, description: `The tenant: its initial domain (\`contoso.onmicrosoft.com\`) or tenant id. Required. ${env('organization')}` },
      access_token: { type: 'string', optional: true, sensitive: true, description: `A ready OAuth access token for \`https://outlook.office365.com\`. ${env('access_token')}` },
      client_id: { type: 'string', optional: true, description: `Application (client) id of an Entra app with Exchange.ManageAsApp. ${env('client_id')}` },
      client_secret: { type: 'string', optional: true, sensitive: true, description: `Client secret of the app in \`client_id\`. ${env('client_secret')}` },
      certificate_path: { type: 'string', optional: true, description: `Path to the app's certificate: a PFX/P12 file, or PEM with the private key. ${env('certificate_path')}` },
      certificate_password: { type: 'string', optional: true, sensitive: true, description: `Password of the certificate file, if any. ${env('certificate_password')}` },
      endpoint: {
        type: 'string',
        optional: true,
        description: `Base URL of the Exchange Online admin API. Defaults to \`https://outlook.office365.com\`; set it to an exoform emulator URL for tests. ${env('endpoint')}`,
      },
      max_concurrent_requests: {
        type: 'number',
        optional: true,
        description: `Most requests in flight at once for this tenant (a \`$batch\` of up to 10 cmdlets counts as one). Default ${DEFAULT_MAX_CONCURRENT_REQUESTS}; lower it if the tenant is throttled. ${env('max_concurrent_requests')}`,
      },
    },
  },
};

/** Configuration value, else its environment variable, else undefined (empty strings count as unset). */
export function settingFrom(config: ObjectValue, name: string, environment: NodeJS.ProcessEnv): string | undefined {
  const configured = readString(config, name);
  if (configured !== undefined && configured !== '') return configured;
  const fromEnvironment = environment[PROVIDER_ENVIRONMENT[name]];
  return fromEnvironment !== undefined && fromEnvironment !== '' ? fromEnvironment : undefined;
}

function maxConcurrentRequests(config: ObjectValue, environment: NodeJS.ProcessEnv): number {
  const configured = config.max_concurrent_requests;
  const raw = typeof configured === 'number' || typeof configured === 'string' ? configured : environment[PROVIDER_ENVIRONMENT.max_concurrent_requests];
  if (raw === undefined || raw === '') return DEFAULT_MAX_CONCURRENT_REQUESTS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 64) {
    throw new DiagnosticError(
      errorDiagnostic(
        'Invalid exchangeonline provider configuration',
        `max_concurrent_requests must be a whole number from 1 to 64, got ${JSON.stringify(raw)}.`,
        typeof configured === 'number' || typeof configured === 'string' ? ['max_concurrent_requests'] : undefined,
      ),
    );
  }
  return value;
}

export function legacyTlsHostFor(endpoint: string | undefined): string {
  // Microsoft 365 operated by 21Vianet has its own legacy endpoint.
  return endpoint && /\.partner\.outlook\.cn(:\d+)?(\/|$)/i.test(endpoint) ? 'smtp-legacy.partner.outlook.cn' : 'smtp-legacy.office365.com';
}

export function createExoformProvider(logger: Logger, environment: NodeJS.ProcessEnv = process.env): ProviderDefinition<ExchangeClient> {
  return {
    schema: providerSchema,
    resources: [transportConfigResource, mailboxSmtpAuthResource, mailboxSmtpAuthListResource],
    dataSources: [transportConfigDataSource, casMailboxesDataSource],

    async configure(config) {
      const setting = (name: string): string | undefined => settingFrom(config, name, environment);
      try {
        const bridge = createRestBridge(
          {
          organization: setting('organization') ?? '',
          accessToken: setting('access_token'),
          clientId: setting('client_id'),
          clientSecret: setting('client_secret'),
          certificatePath: setting('certificate_path'),
          certificatePassword: setting('certificate_password'),
          endpoint: setting('endpoint'),
          },
          { checkCertificateNow: true, logger: (level, message, fields) => logger.log(level, message, flattenFields(fields)) },
        );
        const limited = new ConcurrencyLimitedBridge(bridge, { maxConcurrent: maxConcurrentRequests(config, environment) });
        return {
          organization: bridge.organization,
          bridge: limited,
          mailboxes: new MailboxDirectory(limited),
          legacyTlsHost: legacyTlsHostFor(setting('endpoint')),
        };
      } catch (error) {
        if (error instanceof ConfigurationError) {
          const attribute = error.attributes[0];
          const variable = attribute ? PROVIDER_ENVIRONMENT[attribute] : undefined;
          throw new DiagnosticError(
            errorDiagnostic(
              'Invalid exchangeonline provider configuration',
              `${error.message}\n\n${error.remedy}` + (variable ? `\n(\`${attribute}\` can also come from the ${variable} environment variable.)` : ''),
              attribute && readString(config, attribute) !== undefined ? [attribute] : undefined,
            ),
          );
        }
        throw error;
      }
    },

    describeError: describeExchangeError,

    async close(client) {
      await client.bridge.close();
    },
  };
}

function flattenFields(fields: Record<string, unknown>): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : JSON.stringify(value);
  }
  return out;
}

const SUMMARY: Record<string, string> = {
  'not-found': 'Object not found in Exchange Online',
  throttled: 'Exchange Online is throttling requests',
  authentication: 'Exchange Online refused the credentials',
  transient: 'Exchange Online failed temporarily',
  'invalid-input': 'Exchange Online rejected the request',
  'service-bug': 'Exchange Online failed with a known service error',
  cancelled: 'Cancelled',
  unreachable: 'Cannot reach Exchange Online',
  configuration: 'Invalid exchangeonline provider configuration',
};

/** One error style for every resource: what failed, the service's words, and what to do. */
export function describeExchangeError(error: unknown, operation: string): Diagnostic {
  if (isExchangeError(error)) {
    const cmdlet = error.cmdlet ? ` (${error.cmdlet})` : '';
    return errorDiagnostic(`${SUMMARY[error.kind] ?? 'Exchange Online error'}: could not ${operation}${cmdlet}`, `${error.message}\n\n${error.remedy}`);
  }
  const message = error instanceof Error ? error.message : String(error);
  return errorDiagnostic(`Could not ${operation}`, `${message}\n\nIf this persists, report it with the Terraform log (TF_LOG_PROVIDER=debug).`);
}
