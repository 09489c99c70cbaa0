/**
 * Maps a non-2xx answer of the admin API (a whole request, or one item of a batch) to a typed ExchangeError.
 *
 * Error bodies look like
 *   {"error":{"code":"NotFound","message":"Error executing cmdlet","details":[{"code":"Client","target":"",
 *     "message":"Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't..."}]}}
 * where the detail message is "<error id>|<exception type>|<human text>" (pipe form) or a JSON string
 * `{"Message":"...","TypeName":"..."}` (JSON-in-details form). Every answer form of the emulator's fidelity table is read
 * here (src/emulator/FIDELITY.md, "Answer forms"); the emulator produces each on demand.
 */

import {
  AuthenticationError,
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

export interface ServiceErrorDetail {
  /** The human text, e.g. "The operation couldn't be performed because object 'x' couldn't be found on '...'". */
  text: string;
  /** Short exception type name, e.g. "ManagementObjectNotFoundException", when the service named one. */
  exception?: string;
}

/** Short name of a (possibly namespaced) .NET exception type; undefined when empty. */
function shortTypeName(type: string): string | undefined {
  const trimmed = type.trim();
  return trimmed.slice(trimmed.lastIndexOf('.') + 1) || undefined;
}

/**
 * One `details[].message` (or `@adminapi.errors` entry) in either observed form:
 * - pipe form `<error id>|<exception type>|<text>` (ExoHelper Get-ExoException.ps1; the module);
 * - JSON-in-details form, a JSON string `{"Message":"...","TypeName":"...ADObjectAlreadyExistsException",...}`
 *   (goexo adminapi/invoke_test.go, "a real 400 body"; the module reads `ClassName` in the same place).
 */
export function parseDetailMessage(message: string): ServiceErrorDetail | undefined {
  const trimmed = message.trim();
  if (trimmed === '') return undefined;
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed) as Record<string, unknown>;
      const text = [parsed['Message'], parsed['message']].find(
        (value): value is string => typeof value === 'string' && value !== '',
      );
      const type = [parsed['TypeName'], parsed['ClassName'], parsed['typeName'], parsed['className']].find(
        (value): value is string => typeof value === 'string' && value !== '',
      );
      if (text !== undefined || type !== undefined) {
        const exception = type === undefined ? undefined : shortTypeName(type);
        return exception ? { text: text ?? type!, exception } : { text: text! };
      }
    } catch {
      // Not JSON after all: treat it as text below.
    }
  }
  const parts = trimmed.split('|');
  if (parts.length >= 3) return { text: parts.slice(2).join('|').trim(), exception: shortTypeName(parts[1]!) };
  return { text: trimmed };
}

/** Extracts the human text and exception type from an admin API error body (parsed JSON or raw text). */
export function parseServiceError(body: unknown): ServiceErrorDetail | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { message, details, innererror } = error as { message?: unknown; details?: unknown; innererror?: unknown };
  const parsedDetails = (Array.isArray(details) ? details : [])
    .map((detail) => (detail as { message?: unknown } | null)?.message)
    .filter((text): text is string => typeof text === 'string')
    .map(parseDetailMessage)
    .filter((detail): detail is ServiceErrorDetail => detail !== undefined);
  // The detail that names an exception says the most; otherwise the first.
  const detail = parsedDetails.find((d) => d.exception !== undefined) ?? parsedDetails[0];
  if (detail) return detail;
  const inner = innererror as { internalException?: { message?: unknown }; message?: unknown } | undefined;
  const innerMessage = inner?.internalException?.message ?? inner?.message;
  if (typeof innerMessage === 'string' && innerMessage !== '') return { text: innerMessage };
  if (typeof message === 'string' && message !== '') return { text: message };
  return undefined;
}

/**
 * The tenant concurrency sentence, which the module, ExoHelper and Scuba retry whatever the status it came with:
 * "You have reached the maximum number of concurrent requests per tenant. Please wait and try again".
 */
const CONCURRENCY_LIMIT = /maximum number of concurrent requests per tenant/i;

export function isConcurrencyLimitText(text: string | undefined): boolean {
  return text !== undefined && CONCURRENCY_LIMIT.test(text);
}

/**
 * A 404 that carries no detail but is the OData service's own "not found": `{"error":{"code":"NotFound",
 * "message":"...","innererror":{"type":"...ODataServiceException"}}}` (an unattributed public fixture). The
 * innererror type (or the cmdlet-failure message) is what separates it from a 404 of a wrong host or path, which
 * must not make a resource drop out of the state.
 */
function isODataNotFound(body: unknown): boolean {
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, innererror } = error as { code?: unknown; message?: unknown; innererror?: { type?: unknown } };
  if (typeof code !== 'string' || code.toLowerCase() !== 'notfound') return false;
  const innerType = typeof innererror?.type === 'string' ? innererror.type : '';
  return /ODataServiceException$/.test(innerType) || message === 'Error executing cmdlet';
}

/** Retry-After as milliseconds: delta-seconds (what Exchange sends) or an HTTP-date. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

export interface ErrorResponse {
  status: number;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** Parsed JSON when the body was JSON, otherwise the raw text. */
  body: unknown;
}

export interface ErrorContext {
  cmdlet: string;
  origin: string;
  organization: string;
  nowMs: number;
  requestId?: string;
}

const OBJECT_REFERENCE_BUG = 'Object reference not set to an instance of an object';

export function errorFromResponse(response: ErrorResponse, context: ErrorContext): ExchangeError {
  const { status, headers } = response;
  const { cmdlet, origin, organization } = context;
  const detail = parseServiceError(response.body);
  const serviceText = detail?.text ?? describeBody(response.body);
  const withException = (text: string): string => (detail?.exception ? `${text} [${detail.exception}]` : text);
  const support = supportText(context.requestId, headers['request-id']);

  const tenantEvidence = unknownTenantEvidence(response, detail);
  if (tenantEvidence !== undefined)
    return unknownTenantError(
      organization,
      `Exchange Online (${origin} answered HTTP ${status}: ${tenantEvidence})`,
      cmdlet,
    );
  if (isNotFound(status, detail) || (status === 404 && !detail?.exception && isODataNotFound(response.body))) {
    return notFound(detail?.text ?? `${cmdlet} found no such object (HTTP 404).`, organization, cmdlet);
  }
  if (status === 429 || isConcurrencyLimitText(serviceText) || isConcurrencyLimitText(describeBody(response.body))) {
    // The concurrency sentence is retried whatever the status it came with (the module, ExoHelper, Scuba).
    const retryAfterMs = parseRetryAfter(headers['retry-after'], context.nowMs);
    return new ThrottledError(
      detail?.text ?? `Exchange Online throttled the request (HTTP ${status}).`,
      'Lower the number of concurrent operations (for example `terraform apply -parallelism=2`) or try again later.',
      retryAfterMs,
      cmdlet,
    );
  }
  if (status === 404) {
    // Not Exchange saying "no such object": the URL is wrong. Reporting NotFound here would make resources drop state.
    return new UnreachableError(
      `${origin} answered HTTP 404 for the Exchange admin API without an Exchange error (${serviceText}).`,
      "Check the `endpoint` and `organization` settings: the endpoint must be the Exchange Online host (https://outlook.office365.com or your cloud's equivalent).",
      cmdlet,
    );
  }
  if (status === 401) {
    const reason = bearerErrorDescription(headers['www-authenticate']) ?? detail?.text;
    return new AuthenticationError(
      `Exchange Online refused the access token (HTTP 401)${reason ? `: ${reason}` : ''}.`,
      `Check that the app has the Exchange.ManageAsApp application permission with admin consent in ${organization}, that the token was issued for https://outlook.office365.com in that tenant, and that it has not expired.`,
      401,
      cmdlet,
    );
  }
  if (status === 403) return forbidden(detail, headers, context);
  if (serviceText.includes(OBJECT_REFERENCE_BUG)) {
    return new ServiceBugError(
      withException(`${cmdlet} failed inside Exchange Online: ${serviceText}`),
      `This is a known Exchange Online defect, not a problem with your configuration. Apply again; if it persists, report it to Microsoft.${support}`,
      cmdlet,
    );
  }
  if (
    status === 502 ||
    status === 503 ||
    status === 504 ||
    status === 408 ||
    (detail?.exception && isTransientExceptionName(detail.exception))
  ) {
    return new TransientError(
      withException(`Exchange Online is temporarily unable to run ${cmdlet} (HTTP ${status}): ${serviceText}`),
      'Try again in a few minutes.',
      cmdlet,
    );
  }
  if (status >= 400 && status < 500) {
    return new InvalidInputError(
      withException(serviceText),
      `Exchange Online rejected the parameters of ${cmdlet} (HTTP ${status}); correct the configuration value it names and apply again.`,
      cmdlet,
    );
  }
  return new ServiceBugError(
    withException(`${cmdlet} failed inside Exchange Online (HTTP ${status}): ${serviceText}`),
    `Apply again later; if it keeps failing, report it to Microsoft.${support}`,
    cmdlet,
  );
}

function notFound(text: string, organization: string, cmdlet: string): NotFoundError {
  return new NotFoundError(
    text,
    `Check that the object exists in ${organization}; if it was deleted outside Terraform, it is removed from state on the next refresh. Recent changes can take a few seconds to replicate.`,
    cmdlet,
  );
}

/**
 * What Exchange Online answers for a tenant it does not know is unknown: no public client documents it (the
 * emulator's fidelity table says so). So every plausible form counts, under any 4xx status: an error code naming an
 * unknown tenant, or its sentence in the body, the x-ms-diagnostics header or the WWW-Authenticate description.
 * Returns the evidence (for the message), or undefined.
 */
function unknownTenantEvidence(response: ErrorResponse, detail: ServiceErrorDetail | undefined): string | undefined {
  if (response.status < 400 || response.status >= 500) return undefined;
  const error =
    typeof response.body === 'object' && response.body !== null
      ? (response.body as { error?: { code?: unknown; message?: unknown } }).error
      : undefined;
  const code = typeof error?.code === 'string' ? error.code : undefined;
  const texts = [
    detail?.text,
    typeof error?.message === 'string' ? error.message : undefined,
    typeof response.body === 'string' ? describeBody(response.body) : undefined,
    headerText(response.headers['x-ms-diagnostics']),
    bearerErrorDescription(response.headers['www-authenticate']),
  ].filter((text): text is string => text !== undefined && text !== '');
  const sentence = texts.find(isUnknownTenantText);
  if (sentence !== undefined) return sentence.length > 300 ? `${sentence.slice(0, 300)}...` : sentence;
  if (code !== undefined && isUnknownTenantCode(code)) return texts[0] ?? code;
  return undefined;
}

/** Words that show a 403 is about permissions; without them the provider does not blame a missing role. */
const PERMISSION_EVIDENCE =
  /not authori[sz]ed|access (is )?denied|permission|role|UnauthorizedAccess|insufficient privileges/i;

/**
 * 403. The service answers it with a JSON reason, or with an empty (or NUL-padded) body and its reason only in the
 * `x-ms-diagnostics` header (azat transport tests), and it answers a cmdlet it does not serve the same way. So the
 * remedy says only what the evidence allows: the body's text and the diagnostics header are shown, and a role is
 * named as the fix only when one of them speaks of permissions.
 */
function forbidden(
  detail: ServiceErrorDetail | undefined,
  headers: Record<string, string>,
  context: ErrorContext,
): AuthenticationError {
  const { cmdlet, organization } = context;
  const diagnostics = headerText(headers['x-ms-diagnostics']);
  const evidence = [detail?.text, diagnostics].filter((text): text is string => text !== undefined && text !== '');
  const reason =
    evidence.length > 0
      ? `: ${evidence.join('; x-ms-diagnostics: ')}`
      : ' with an empty body and no x-ms-diagnostics header';
  const message = `Exchange Online refused ${cmdlet} (HTTP 403)${reason}.${requestIds(context.requestId, headers['request-id'])}`;
  const remedy = evidence.some((text) => PERMISSION_EVIDENCE.test(text))
    ? `Assign the app's service principal an Exchange role that allows ${cmdlet} (for example the Exchange Administrator Entra role) in ${organization}; role changes can take up to an hour to apply.`
    : `The service refused the request without saying why in the body${diagnostics ? `; its diagnostics header says: ${diagnostics}` : ''}. ` +
      `If that names a missing role or permission, give the app's service principal an Exchange role that allows ${cmdlet} in ${organization}; ` +
      `the service also answers this way for a cmdlet it does not serve, which would be an exoform defect to report. Run \`exoform doctor\` to check the setup.`;
  return new AuthenticationError(message, remedy, 403, cmdlet);
}

/** A header value fit for a message: control characters (NUL padding included) removed, bounded. */
function headerText(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  if (text === '') return undefined;
  return text.length > 500 ? `${text.slice(0, 500)}...` : text;
}

function requestIds(clientRequestId: string | undefined, serverRequestId: string | undefined): string {
  const ids = [
    serverRequestId && headerText(serverRequestId) ? `request-id ${headerText(serverRequestId)}` : undefined,
    clientRequestId ? `client-request-id ${clientRequestId}` : undefined,
  ].filter((id) => id !== undefined);
  return ids.length > 0 ? ` (${ids.join(', ')})` : '';
}

function supportText(clientRequestId: string | undefined, serverRequestId: string | undefined): string {
  const server = headerText(serverRequestId);
  if (!clientRequestId && !server) return '';
  const ids = [
    clientRequestId ? `client-request-id ${clientRequestId}` : undefined,
    server ? `request-id ${server}` : undefined,
  ].filter(Boolean);
  return ` Quote ${ids.join(' and ')} if you contact Microsoft support.`;
}

/**
 * `@adminapi.errors` on a 200 page: the cmdlet ran and reported errors (the module reports each and fails the
 * call). Entries are read in either detail form; the exception type classifies as for an error status.
 */
export function errorFromAdminApiErrors(entries: readonly unknown[], context: ErrorContext): ExchangeError {
  const { cmdlet, organization } = context;
  const details = entries
    .map((entry) => {
      if (typeof entry === 'string') return parseDetailMessage(entry);
      if (typeof entry === 'object' && entry !== null) {
        const record = entry as Record<string, unknown>;
        const text = [record['Message'], record['message'], record['ErrorMessage']].find(
          (v): v is string => typeof v === 'string',
        );
        if (text !== undefined) {
          const fromText = parseDetailMessage(text);
          const type = [record['TypeName'], record['ClassName'], record['ExceptionType']].find(
            (v): v is string => typeof v === 'string',
          );
          return type && fromText ? { text: fromText.text, exception: shortTypeName(type) } : fromText;
        }
        return parseDetailMessage(JSON.stringify(entry));
      }
      return undefined;
    })
    .filter((detail): detail is ServiceErrorDetail => detail !== undefined);
  const detail = details.find((d) => d.exception !== undefined) ?? details[0];
  const text =
    details.length > 0
      ? details.map((d) => (d.exception ? `${d.text} [${d.exception}]` : d.text)).join('; ')
      : 'an unreadable error entry';
  if (details.some((d) => isConcurrencyLimitText(d.text))) {
    return new ThrottledError(
      detail!.text,
      'Lower the number of concurrent operations (for example `terraform apply -parallelism=2`) or try again later.',
      undefined,
      cmdlet,
    );
  }
  if (detail && isNotFound(400, detail)) return notFound(detail.text, organization, cmdlet); // by exception type only
  if (detail?.exception && isTransientExceptionName(detail.exception)) {
    return new TransientError(
      `Exchange Online is temporarily unable to run ${cmdlet}: ${text}`,
      'Try again in a few minutes.',
      cmdlet,
    );
  }
  return new InvalidInputError(
    `${cmdlet} reported errors in an otherwise successful answer (@adminapi.errors): ${text}`,
    `The cmdlet ran but did not complete; what it changed, if anything, shows on the next refresh. Correct the value the error names and apply again.${supportText(context.requestId, undefined)}`,
    cmdlet,
  );
}

function isNotFound(status: number, detail: ServiceErrorDetail | undefined): boolean {
  if (!detail) return false;
  // An unknown cmdlet is a missing *command*, not a missing object: treating it as "not found" would make a
  // resource drop itself from state.
  if (detail.exception?.endsWith('CommandNotFoundException')) return false;
  if (detail.exception?.endsWith('NotFoundException')) return status === 404 || status === 400;
  return status === 404 && detail.exception !== undefined;
}

/** `Bearer error="invalid_token", error_description="The token is expired"` → "The token is expired". */
function bearerErrorDescription(header: string | undefined): string | undefined {
  const match = header ? /error_description="([^"]*)"/i.exec(header) : null;
  return match?.[1] || undefined;
}

function describeBody(body: unknown): string {
  if (typeof body === 'string') {
    const text = body.replace(/[\s\u0000]+/g, ' ').trim();
    return text === '' ? 'empty response' : text.length > 300 ? `${text.slice(0, 300)}...` : text;
  }
  const text = JSON.stringify(body) ?? 'empty response';
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}
