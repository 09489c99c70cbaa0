/**
 * Maps a non-2xx answer of the admin API (a whole request, or one item of a batch) to a typed ExchangeError.
 *
 * Error bodies look like
 *   {"error":{"code":"NotFound","message":"Error executing cmdlet","details":[{"code":"Client","target":"",
 *     "message":"Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't..."}]}}
 * where the detail message is "<error id>|<exception type>|<human text>".
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
} from '../errors';
import { isTransientExceptionName } from '../retry';

export interface ServiceErrorDetail {
  /** The human text, e.g. "The operation couldn't be performed because object 'x' couldn't be found on '...'". */
  text: string;
  /** Short exception type name, e.g. "ManagementObjectNotFoundException", when the service named one. */
  exception?: string;
}

/** Extracts the human text and exception type from an admin API error body (parsed JSON or raw text). */
export function parseServiceError(body: unknown): ServiceErrorDetail | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { message, details, innererror } = error as { message?: unknown; details?: unknown; innererror?: unknown };
  const detailMessage = Array.isArray(details) ? (details[0] as { message?: unknown } | undefined)?.message : undefined;
  if (typeof detailMessage === 'string' && detailMessage !== '') {
    const parts = detailMessage.split('|');
    if (parts.length >= 3) {
      const exceptionType = parts[1]!.trim();
      return { text: parts.slice(2).join('|').trim(), exception: exceptionType.slice(exceptionType.lastIndexOf('.') + 1) || undefined };
    }
    return { text: detailMessage };
  }
  const inner = innererror as { internalException?: { message?: unknown }; message?: unknown } | undefined;
  const innerMessage = inner?.internalException?.message ?? inner?.message;
  if (typeof innerMessage === 'string' && innerMessage !== '') return { text: innerMessage };
  if (typeof message === 'string' && message !== '') return { text: message };
  return undefined;
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
  const support = context.requestId ? ` Quote client-request-id ${context.requestId} if you contact Microsoft support.` : '';

  if (isNotFound(status, detail)) {
    return new NotFoundError(
      detail!.text,
      `Check that the object exists in ${organization}; if it was deleted outside Terraform, it is removed from state on the next refresh. Recent changes can take a few seconds to replicate.`,
      cmdlet,
    );
  }
  if (status === 404) {
    // Not Exchange saying "no such object": the URL is wrong. Reporting NotFound here would make resources drop state.
    return new UnreachableError(
      `${origin} answered HTTP 404 for the Exchange admin API without an Exchange error (${serviceText}).`,
      'Check the `endpoint` and `organization` settings: the endpoint must be the Exchange Online host (https://outlook.office365.com or your cloud\'s equivalent).',
      cmdlet,
    );
  }
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(headers['retry-after'], context.nowMs);
    return new ThrottledError(
      detail?.text ?? 'Exchange Online throttled the request (HTTP 429).',
      'Lower the number of concurrent operations (for example `terraform apply -parallelism=2`) or try again later.',
      retryAfterMs,
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
  if (status === 403) {
    return new AuthenticationError(
      `Exchange Online denied ${cmdlet} (HTTP 403)${detail ? `: ${detail.text}` : ''}.`,
      `Assign the app's service principal an Exchange role that allows ${cmdlet} (for example the Exchange Administrator Entra role) in ${organization}; role changes can take up to an hour to apply.`,
      403,
      cmdlet,
    );
  }
  if (serviceText.includes(OBJECT_REFERENCE_BUG)) {
    return new ServiceBugError(
      withException(`${cmdlet} failed inside Exchange Online: ${serviceText}`),
      `This is a known Exchange Online defect, not a problem with your configuration. Apply again; if it persists, report it to Microsoft.${support}`,
      cmdlet,
    );
  }
  if (status === 502 || status === 503 || status === 504 || status === 408 || (detail?.exception && isTransientExceptionName(detail.exception))) {
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
    const text = body.replace(/\s+/g, ' ').trim();
    return text === '' ? 'empty response' : text.length > 300 ? `${text.slice(0, 300)}...` : text;
  }
  const text = JSON.stringify(body) ?? 'empty response';
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}
