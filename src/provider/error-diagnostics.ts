/**
 * Errors as Terraform diagnostics: a configuration error names the setting (and its environment variable) without
 * echoing a secret; an Exchange error says what failed, the service's words, and what to do.
 */
import { ConfigurationError, isExchangeError } from '../bridge/errors';
import { redactUrlCredentials } from '../bridge/redact';
import { scrubSecrets } from '../bridge/rest/rest-logging';
import { errorDiagnostic, type Diagnostic } from '../protocol/diagnostics';
import { DiagnosticError } from './framework/resource';
import type { ObjectValue } from './framework/values';
import { PROVIDER_ENVIRONMENT } from './provider-schema';

/**
 * A ConfigurationError from configuring the provider block as the DiagnosticError Terraform shows; any other error
 * is returned unchanged.
 */
export function configurationDiagnostic(
  error: unknown,
  config: ObjectValue,
  setting: (name: string) => string | undefined,
): unknown {
  if (error instanceof ConfigurationError) {
    const attribute = error.attributes[0];
    const variable = attribute ? PROVIDER_ENVIRONMENT[attribute] : undefined;
    // Whatever path produced the message, no credential-carrying setting is echoed raw.
    const secrets = ['access_token', 'client_secret', 'certificate_password', 'endpoint', 'graph_access_token'].map(
      setting,
    );
    const detail = scrubSecrets(redactUrlCredentials(`${error.message}\n\n${error.remedy}`), secrets);
    return new DiagnosticError(
      errorDiagnostic(
        'Invalid exchangeonline provider configuration',
        detail + (variable ? `\n(\`${attribute}\` can also come from the ${variable} environment variable.)` : ''),
        attribute && config[attribute] !== undefined && config[attribute] !== null ? [attribute] : undefined,
      ),
    );
  }
  return error;
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
    return errorDiagnostic(
      `${SUMMARY[error.kind] ?? 'Exchange Online error'}: could not ${operation}${cmdlet}`,
      `${error.message}\n\n${error.remedy}`,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return errorDiagnostic(
    `Could not ${operation}`,
    `${message}\n\nIf this persists, report it with the Terraform log (TF_LOG_PROVIDER=debug).`,
  );
}
