/**
 * The thin seam between the token providers and MSAL: creating a ConfidentialClientApplication (MSAL is loaded on
 * first use) and turning MSAL failures into typed errors with remedies, without ever echoing a secret.
 */

import type { Configuration } from '@azure/msal-node';
import { AuthenticationError, ExchangeError, TransientError, unknownTenantError } from '../errors';
import { scrubSecrets } from './rest-logging';

/** The part of MSAL's ConfidentialClientApplication the providers use. */
export interface ConfidentialClient {
  acquireTokenByClientCredential(request: {
    scopes: string[];
    skipCache?: boolean;
  }): Promise<{ accessToken: string } | null>;
}

/** Builds the MSAL client. Injected by tests (MSAL's call to Entra ID cannot be made offline); MSAL itself otherwise. */
export type ConfidentialClientFactory = (configuration: Configuration) => ConfidentialClient;

export const createMsalClient: ConfidentialClientFactory = (configuration) => {
  // Loaded here rather than at the top: MSAL takes a while to load and a static-token provider never needs it.
  const msal = require('@azure/msal-node') as typeof import('@azure/msal-node');
  return new msal.ConfidentialClientApplication(configuration);
};

export interface MsalErrorContext {
  organization: string;
  clientId: string;
  authorityHost: string;
  /** The attribute holding the credential (`client_secret` or `certificate_path`), named in remedies. */
  credentialAttribute: string;
  /** Extra remedy text for a rejected certificate, e.g. its thumbprint. */
  certificateHint?: string;
  /** Values to scrub from anything MSAL says. */
  secrets: ReadonlyArray<string | undefined>;
}

interface MsalErrorShape {
  name?: unknown;
  errorCode?: unknown;
  errorMessage?: unknown;
  status?: unknown;
  message?: unknown;
}

/** Maps an MSAL error (ServerError with an AADSTS code, NetworkError, ClientAuthError...) to a typed error. */
export function msalErrorToExchangeError(error: unknown, context: MsalErrorContext): ExchangeError {
  if (error instanceof ExchangeError) return error;
  const shape = (typeof error === 'object' && error !== null ? error : {}) as MsalErrorShape;
  const errorCode = typeof shape.errorCode === 'string' ? shape.errorCode : '';
  const raw =
    typeof shape.errorMessage === 'string' && shape.errorMessage !== ''
      ? shape.errorMessage
      : String(shape.message ?? error);
  // Entra descriptions end with "Trace ID: ... Correlation ID: ... Timestamp: ..." on later lines; keep the first line.
  const description = scrubSecrets(raw.split(/\r?\n/)[0]!.trim(), context.secrets);
  const where = `Microsoft Entra ID (${context.authorityHost})`;

  if (errorCode === 'network_error' || shape.name === 'NetworkError') {
    return new TransientError(
      `Could not reach ${where} to get an access token: ${description}.`,
      'Check the network (DNS, proxy, firewall) from where Terraform runs, then try again.',
      undefined,
      { cause: error },
    );
  }
  if ((typeof shape.status === 'number' && shape.status >= 500) || errorCode === 'temporarily_unavailable') {
    return new TransientError(
      `${where} is temporarily unavailable: ${description}.`,
      'Try again in a few minutes.',
      undefined,
      { cause: error },
    );
  }
  const aadsts = /AADSTS(\d+)/.exec(description)?.[1];
  if (aadsts === '90002' || aadsts === '900023')
    return unknownTenantError(context.organization, `${where}: ${description}`);
  return new AuthenticationError(
    `${where} did not issue a token for app ${context.clientId} in ${context.organization}: ${description || errorCode}`,
    remedyFor(aadsts, context),
    undefined,
    undefined,
    { cause: error },
  );
}

function remedyFor(aadsts: string | undefined, context: MsalErrorContext): string {
  const { organization, credentialAttribute } = context;
  switch (aadsts) {
    case '7000215':
      return "Check `client_secret`: it must be the secret's Value (not its Secret ID) from the app registration's Certificates & secrets page.";
    case '7000222':
      return 'The client secret has expired: create a new one on the app registration and update `client_secret`.';
    case '700016':
      return `Check \`client_id\`, and that the app exists in ${organization} (a multitenant app needs admin consent there).`;
    case '700027':
    case '700024':
      return `The certificate was not accepted: upload it to the app registration (Certificates & secrets)${context.certificateHint ? `; ${context.certificateHint}` : ''}.`;
    case '7000112':
      return 'The application is disabled in the tenant: enable it (Enterprise applications > Properties) or use another app.';
    case '500011':
      return `${organization} has no Exchange Online service principal: check that the tenant has Exchange Online licences.`;
    default:
      return `Check \`client_id\` and \`${credentialAttribute}\`, and that the app has the Exchange.ManageAsApp permission with admin consent in ${organization}.`;
  }
}
