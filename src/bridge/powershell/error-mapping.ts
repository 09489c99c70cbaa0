/**
 * Maps what went wrong in a PowerShell session to the bridge's typed errors, so resources react the same way
 * whichever bridge is configured (NotFoundError removes a vanished mailbox from state, ThrottledError waits...).
 *
 * The session functions report an error record as type names, message, CategoryInfo.Reason, FullyQualifiedErrorId,
 * ErrorDetails, inner exceptions and, when an exception in the chain carries one, the HTTP status. Exchange error
 * texts come in the admin API's "<error id>|<exception type>|<text>" form or as plain text; the classification uses
 * every one of those fields, so it does not depend on which of them a module version fills in.
 *
 * Network failures reach the session as .NET exceptions without an HTTP status: the module rethrows the
 * HttpRequestException of its HttpClient (CategoryInfo "OperationStopped: HttpRequestException", message "An error
 * occurred while sending the request.") with the IOException / SocketException / AuthenticationException that says
 * why in its inner chain, and an HttpClient timeout as a TaskCanceledException. They are classified like the REST
 * bridge's socket errors (transportError): refused, unresolvable or untrusted endpoints are unreachable, every other
 * dropped or timed-out exchange is transient, so the same retry and lost-answer logic applies. Sources: the emulator's
 * fidelity table (src/emulator/FIDELITY.md, "PowerShell bridge errors").
 *
 * Every text is scrubbed of the session's secrets before it goes into an error.
 */

import {
  AuthenticationError,
  ConfigurationError,
  ExchangeError,
  InvalidInputError,
  NotFoundError,
  ServiceBugError,
  ThrottledError,
  TransientError,
  UnreachableError,
  isUnknownTenantCode,
  isUnknownTenantText,
  unknownTenantError,
} from '../errors';
import { isTransientExceptionName } from '../retry';
import { scrubSecrets } from '../rest/rest-logging';
import { MINIMUM_MODULE_VERSION, type PowerShellErrorInfo } from './session-script';

export type AuthenticationKind = 'access-token' | 'certificate' | 'managed-identity' | 'delegated';

export interface PowerShellErrorContext {
  /** The cmdlet that failed; undefined for session set-up (import, connect). */
  cmdlet?: string;
  organization: string;
  authentication: AuthenticationKind;
  /** Values to remove from every text (access token, certificate password). */
  secrets: ReadonlyArray<string | undefined>;
}

/** Exception names that say "object not found" but are about something else. */
const NOT_OBJECT_NOT_FOUND = new Set([
  'CommandNotFoundException',
  'FileNotFoundException',
  'DirectoryNotFoundException',
]);
const OBJECT_REFERENCE_BUG = 'Object reference not set to an instance of an object';
const THROTTLED_TEXT = /\b429\b|TooManyRequests|too many requests|throttl|maximum number of concurrent|micro ?delay/i;
const EXPIRED_TEXT =
  /\b401\b|unauthori[sz]ed(?!Access)|token (has )?expired|expired token|IDX10223|lifetime validation failed|invalid_token/i;
const FORBIDDEN_TEXT =
  /\b403\b|forbidden|access (is )?denied|UnauthorizedAccess|isn't authorized|is not authorized|not allowed to run/i;
const UNREACHABLE_TEXT = new RegExp(
  [
    'no such host',
    'name or service not known',
    'nodename nor servname',
    'connection refused',
    'actively refused',
    'could not resolve',
    'remote name could not be resolved',
    'network is unreachable',
    'host is unreachable',
    'no route to host',
  ].join('|'),
  'i',
);
const TLS_TEXT = new RegExp(
  [
    'SSL connection could not be established',
    'certificate (validation|chain)',
    'remote certificate is invalid',
    'trust relationship for the SSL',
  ].join('|'),
  'i',
);
const TRANSIENT_TEXT =
  /\b50[234]\b|service unavailable|gateway time-?out|bad gateway|temporarily|connection (was )?reset|timed out|forcibly closed/i;
/**
 * .NET exceptions of the transport (HttpClient and its sockets, TLS, timeouts; WCF Data Services' transport error on
 * Windows PowerShell): with no HTTP status they mean the exchange never got a complete answer.
 */
const TRANSPORT_EXCEPTIONS = new Set([
  'HttpRequestException',
  'HttpIOException',
  'IOException',
  'SocketException',
  'WebException',
  'DataServiceTransportException',
  'TaskCanceledException',
  'TimeoutException',
  'AuthenticationException',
]);
/** The module's own texts carry the status when the exception does not: "...REST service. HttpStatusCode=500 ...". */
const STATUS_IN_TEXT = /HttpStatusCode=(\d{3})\b|Response status code does not indicate success: (\d{3})\b/;

/** Short exception names mentioned anywhere in the error (type, reason, error id, messages). */
export function exceptionNames(error: PowerShellErrorInfo): string[] {
  const names = new Set<string>();
  const texts = [error.type, error.reason, error.errorId, error.message, error.details, ...(error.inner ?? [])];
  for (const text of texts) {
    if (!text) continue;
    for (const match of text.matchAll(/\b([A-Z][A-Za-z0-9]*Exception)\b/g)) names.add(match[1]!);
  }
  return [...names];
}

/** The human text: the part after "<id>|<type>|" when Exchange used that form, else the message itself. */
export function serviceText(error: PowerShellErrorInfo): string {
  for (const candidate of [error.details, error.message]) {
    if (!candidate) continue;
    const parts = candidate.split('|');
    if (parts.length >= 3) {
      const text = parts.slice(2).join('|').trim();
      if (text !== '') return text;
    }
  }
  const text = (error.message || error.details || error.type || 'unknown error').trim();
  return text.replace(/^Write-ErrorMessage\s*:\s*/, '');
}

/**
 * True when the failure means the session's connection is gone or its token expired: worth one reconnect.
 * A 403 (the app lacks a role) is not: reconnecting gives the same answer.
 */
export function needsReconnect(error: PowerShellErrorInfo): boolean {
  if (error.type === 'ExoformNotConnected') return true;
  if (error.status === 403 || (error.status !== 401 && FORBIDDEN_TEXT.test(allText(error)))) return false;
  return error.status === 401 || EXPIRED_TEXT.test(allText(error));
}

function allText(error: PowerShellErrorInfo): string {
  return [error.type, error.reason, error.errorId, error.message, error.details, ...(error.inner ?? [])]
    .filter(Boolean)
    .join(' | ');
}

/** Maps an error a session function reported to a typed ExchangeError. */
export function errorFromPowerShell(error: PowerShellErrorInfo, context: PowerShellErrorContext): ExchangeError {
  const scrub = (text: string): string => scrubSecrets(text, context.secrets);
  const cmdlet = context.cmdlet;
  const names = exceptionNames(error);
  const text = scrub(serviceText(error));
  const everything = scrub(allText(error));
  const status = httpStatus(error);
  const withException = (message: string): string => {
    const name = names.find((candidate) => candidate !== 'RuntimeException' && candidate !== 'RemoteException');
    return name && !message.includes(name) ? `${message} [${name}]` : message;
  };

  if (error.stage === 'bootstrap') {
    return new ConfigurationError(
      `The PowerShell at \`powershell_path\` cannot run exoform's session: ${text}`,
      'Point `powershell_path` at PowerShell 7 or later (pwsh), or use bridge = "rest".',
      ['powershell_path'],
    );
  }
  if (error.stage === 'import') {
    return new ConfigurationError(
      `PowerShell could not load the ExchangeOnlineManagement module (version ${MINIMUM_MODULE_VERSION} or later is needed): ${text}`,
      `Install it for the account that runs Terraform: pwsh -Command "Install-Module ExchangeOnlineManagement -MinimumVersion ${MINIMUM_MODULE_VERSION} -Scope CurrentUser", or point \`powershell_path\` at a PowerShell that has it, or use bridge = "rest".`,
      ['powershell_path'],
    );
  }
  if (error.stage === 'decode') {
    return new ServiceBugError(
      `The PowerShell session could not decode the request${cmdlet ? ` for ${cmdlet}` : ''}: ${text}`,
      'This is a bug in exoform: please report it.',
      cmdlet,
    );
  }
  // Before the connect stage's other readings: Connect-ExchangeOnline with an unknown -Organization fails at sign-in.
  if (isUnknownTenantText(everything) || (error.type !== undefined && isUnknownTenantCode(error.type))) {
    return unknownTenantError(context.organization, `Exchange Online (${text})`, cmdlet);
  }
  if (error.stage === 'connect') return connectError(error, status, text, everything, context);

  if (error.type === 'ExoformNotConnected') {
    return new AuthenticationError(
      `The Exchange Online session in PowerShell is no longer connected, and connecting it again did not help.`,
      remedyFor(context),
      undefined,
      cmdlet,
    );
  }
  if (names.some((name) => name.endsWith('NotFoundException') && !NOT_OBJECT_NOT_FOUND.has(name))) {
    return new NotFoundError(
      text,
      `Check that the object exists in ${context.organization}; if it was deleted outside Terraform, it is removed from state on the next refresh. Recent changes can take a few seconds to replicate.`,
      cmdlet,
    );
  }
  if (status === 429 || THROTTLED_TEXT.test(everything)) {
    return new ThrottledError(
      text,
      'Lower the number of concurrent operations (for example `terraform apply -parallelism=2`) or try again later.',
      retryAfterMs(error),
      cmdlet,
    );
  }
  if (status === 403 || (status !== 401 && FORBIDDEN_TEXT.test(everything))) {
    return new AuthenticationError(
      `Exchange Online denied ${cmdlet ?? 'the call'}: ${text}`,
      `Give the signed-in identity an Exchange role that allows ${cmdlet ?? 'this cmdlet'} (for example the Exchange Administrator Entra role) in ${context.organization}; role changes can take up to an hour to apply.`,
      403,
      cmdlet,
    );
  }
  if (status === 401 || EXPIRED_TEXT.test(everything)) {
    // Reached only after the session reconnected once and the service still refused: final.
    return new AuthenticationError(
      `Exchange Online refused the session's credentials: ${text}`,
      remedyFor(context),
      undefined,
      cmdlet,
    );
  }
  if (everything.includes(OBJECT_REFERENCE_BUG)) {
    return new ServiceBugError(
      withException(`${cmdlet ?? 'The cmdlet'} failed inside Exchange Online: ${text}`),
      'This is a known Exchange Online defect, not a problem with your configuration. Apply again; if it persists, report it to Microsoft.',
      cmdlet,
    );
  }
  const transport = transportError(error, status, names, text, everything, scrub, cmdlet);
  if (transport) return transport;
  if (
    status === 408 ||
    status === 502 ||
    status === 503 ||
    status === 504 ||
    names.some(isTransientExceptionName) ||
    (status === undefined && TRANSIENT_TEXT.test(everything)) ||
    names.includes('TimeoutException')
  ) {
    return new TransientError(
      withException(`Exchange Online is temporarily unable to run ${cmdlet ?? 'the cmdlet'}: ${text}`),
      'Try again in a few minutes.',
      cmdlet,
    );
  }
  if (status !== undefined && status >= 500) {
    return new ServiceBugError(
      withException(`${cmdlet ?? 'The cmdlet'} failed inside Exchange Online (HTTP ${status}): ${text}`),
      'Apply again later; if it keeps failing, report it to Microsoft.',
      cmdlet,
    );
  }
  return new InvalidInputError(
    withException(text),
    `Exchange Online rejected the parameters of ${cmdlet ?? 'the cmdlet'}; correct the configuration value it names and apply again.`,
    cmdlet,
  );
}

function connectError(
  error: PowerShellErrorInfo,
  status: number | undefined,
  text: string,
  everything: string,
  context: PowerShellErrorContext,
): ExchangeError {
  // An Entra ID answer (AADSTS...) is about the credentials, whatever transport words it contains.
  if (!/AADSTS/.test(everything)) {
    const names = exceptionNames(error);
    const scrub = (value: string): string => scrubSecrets(value, context.secrets);
    const transport = transportError(
      error,
      status,
      names,
      text,
      everything,
      scrub,
      undefined,
      'Connect-ExchangeOnline',
    );
    if (transport) return transport;
  }
  if (status === 429 || THROTTLED_TEXT.test(everything)) {
    return new ThrottledError(
      `Connect-ExchangeOnline was throttled: ${text}`,
      'Try again in a few minutes.',
      retryAfterMs(error),
    );
  }
  const transientText = status === undefined && TRANSIENT_TEXT.test(everything) && !/AADSTS/.test(everything);
  if (status === 502 || status === 503 || status === 504 || transientText) {
    return new TransientError(`Connect-ExchangeOnline failed temporarily: ${text}`, 'Try again in a few minutes.');
  }
  return new AuthenticationError(
    `Connect-ExchangeOnline could not sign in to ${context.organization}: ${text}`,
    remedyFor(context),
  );
}

/** The HTTP status of the answer: from the exception, or from the module's own text when only that carries it. */
function httpStatus(error: PowerShellErrorInfo): number | undefined {
  if (typeof error.status === 'number') return error.status;
  const match = STATUS_IN_TEXT.exec(allText(error));
  return match ? Number(match[1] ?? match[2]) : undefined;
}

/**
 * A failure of the transport itself (no HTTP status: the service never answered, or its answer was cut off), read as
 * the REST bridge reads a socket error (rest/http-client.ts networkErrorToExchangeError): an endpoint that refuses,
 * cannot be resolved or cannot be trusted is unreachable (final), any other dropped or timed-out exchange is
 * transient (retried for Get-/Set-, confirmed for New-/Remove-). Undefined when it is not a transport failure.
 */
function transportError(
  error: PowerShellErrorInfo,
  status: number | undefined,
  names: readonly string[],
  text: string,
  everything: string,
  scrub: (value: string) => string,
  cmdlet: string | undefined,
  step = cmdlet ?? 'the cmdlet',
): ExchangeError | undefined {
  if (status !== undefined) return undefined;
  const transport = names.some((name) => TRANSPORT_EXCEPTIONS.has(name));
  // The outer HttpRequestException says only "An error occurred while sending the request."; the innermost says why.
  const last = (error.inner ?? []).at(-1);
  const innermost = last === undefined ? undefined : scrub(last.replace(/^[\w.]+:\s*/, ''));
  const why = innermost && !text.includes(innermost) ? `${text} (${innermost})` : text;
  const named = names.find((name) => TRANSPORT_EXCEPTIONS.has(name));
  const withName = (message: string): string => (named && !message.includes(named) ? `${message} [${named}]` : message);
  if (TLS_TEXT.test(everything) || (transport && names.includes('AuthenticationException'))) {
    return new UnreachableError(
      withName(`${step} could not reach Exchange Online: TLS failure: ${why}`),
      'Check the `endpoint` setting. If a TLS-inspecting proxy sits in between, add its CA certificate to the trust ' +
        'store PowerShell uses.',
      cmdlet,
    );
  }
  if (UNREACHABLE_TEXT.test(everything)) {
    return new UnreachableError(
      withName(`${step} could not reach Exchange Online: ${why}`),
      'Check the `endpoint` setting and the network (DNS, proxy, firewall) from where Terraform runs.',
      cmdlet,
    );
  }
  if (!transport) return undefined;
  return new TransientError(
    withName(`Lost the connection to Exchange Online during ${step}: ${why}`),
    'Try again; if it keeps happening, check the network path (proxy, firewall) to Exchange Online from where ' +
      'Terraform runs.',
    cmdlet,
  );
}

function remedyFor(context: PowerShellErrorContext): string {
  const organization = context.organization;
  switch (context.authentication) {
    case 'access-token':
      return `Supply a fresh token in \`access_token\` (access tokens live 60 to 90 minutes) issued for https://outlook.office365.com in ${organization}, or sign in with \`client_id\` and \`certificate_path\` so the module renews tokens itself.`;
    case 'certificate':
      return `Check that \`client_id\` is the app's Application (client) ID, that the certificate in \`certificate_path\` is uploaded to that app, and that the app has the Exchange.ManageAsApp permission with admin consent and an Exchange role in ${organization}.`;
    case 'managed-identity':
      return `Check that Terraform runs on an Azure resource with that managed identity (and \`client_id\` names it if it is user-assigned), and that the identity has Exchange.ManageAsApp and an Exchange role in ${organization}.`;
    case 'delegated':
      return `Sign in again as \`user_principal_name\` with an account that holds an Exchange admin role in ${organization}.`;
  }
}

/** Retry-After from the response the exception carried, or from a "Retry-After: N" / "after N seconds" in the text. */
function retryAfterMs(error: PowerShellErrorInfo): number | undefined {
  if (typeof error.retryAfterSeconds === 'number' && error.retryAfterSeconds >= 0)
    return Math.round(error.retryAfterSeconds * 1000);
  const match =
    /retry-after:?\s*(\d+(?:\.\d+)?)|(?:retry|try again) (?:after|in) (\d+(?:\.\d+)?) ?s(?:ec(?:ond)?s?)?\b/i.exec(
      allText(error),
    );
  const seconds = match ? Number(match[1] ?? match[2]) : NaN;
  return Number.isFinite(seconds) ? Math.round(seconds * 1000) : undefined;
}

/** The PowerShell executable could not be started at all. */
export function startFailure(executable: string, code: string | undefined, detail: string): ConfigurationError {
  const reason =
    code === 'ENOENT'
      ? 'it was not found'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code
          ? `${detail} (${code})`
          : detail;
  return new ConfigurationError(
    `Could not start PowerShell ${JSON.stringify(executable)}: ${reason}.`,
    'Install PowerShell 7 (https://aka.ms/powershell) and set `powershell_path` to its pwsh executable (or put pwsh on PATH), or use bridge = "rest".',
    ['powershell_path'],
  );
}
