/**
 * Answer dialects: the forms in which the real admin API is known (from public clients) to answer, each producible on
 * demand, so the bridge is tested against every form and not only against the one the emulator happens to use.
 *
 * A dialect is chosen at start-up (`startEmulator({ dialect })`, `exoform emulator --dialect`) and applies to every
 * answer; a fault rule can also ask for one form for the calls it fails (`form`, `diagnostics`, faults.ts). Each form
 * and its source are listed in FIDELITY.md, "Answer forms".
 */
import { ErrorBody, ErrorDetail, WireError } from './wire-errors';

/** Forms a start-up dialect can switch on. Without any, the emulator answers in the pipe form with no extras. */
export const DIALECT_FORMS = [
  /** Cmdlet errors carry `details[].message` as a JSON string `{"Message","TypeName",...}` (goexo invoke_test.go). */
  'json-details',
  /** Every non-final page carries the "There are more results available..." warning (the module hides it). */
  'page-warnings',
  /** $batch items are accepted only in the observed form: absolute InvokeCommand URL and the full header set. */
  'strict-batch',
  /** API requests to the endpoint answer a 3xx to the tenant-specific host (Scuba EXORestHelper.psm1, goexo). */
  'redirect',
  /** @odata.nextLink carries the service's internal port 446 (goexo rewrites it to 443 before following). */
  'port-446',
  /** Every API answer carries Rate-Limit-Limit/-Remaining/-Reset (goexo reads them). */
  'rate-headers',
] as const;
export type DialectForm = (typeof DIALECT_FORMS)[number];

/** Named mixes. `strictest` is every form at once: what the list's strictest acceptance lifecycle uses. */
export const DIALECT_MIXES: Readonly<Record<string, readonly DialectForm[]>> = {
  default: [],
  strictest: DIALECT_FORMS,
};

export type Dialect = ReadonlySet<DialectForm>;

/**
 * Parses `json-details,page-warnings`, `strictest`, or a list of those; throws an Error naming the unknown word and
 * the valid ones.
 */
export function parseDialect(spec: string | readonly string[] | undefined): Dialect {
  const words = (typeof spec === 'string' ? spec.split(',') : (spec ?? []))
    .map((word) => word.trim())
    .filter((word) => word !== '');
  const forms = new Set<DialectForm>();
  for (const word of words) {
    const mix = DIALECT_MIXES[word.toLowerCase()];
    if (mix) mix.forEach((form) => forms.add(form));
    else if ((DIALECT_FORMS as readonly string[]).includes(word.toLowerCase()))
      forms.add(word.toLowerCase() as DialectForm);
    else {
      throw new Error(
        `Unknown answer dialect "${word}". Use a comma-separated list of ${DIALECT_FORMS.join(', ')}, or one of the mixes ${Object.keys(DIALECT_MIXES).join(', ')}.`,
      );
    }
  }
  return forms;
}

/** The ODataServiceException the service wraps every cmdlet failure in (the module; ExoHelper's fixtures). */
export const ODATA_SERVICE_EXCEPTION = 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException';

/** The tenant concurrency sentence (the module, ExoHelper and Scuba retry it whatever the status). */
export const CONCURRENCY_SENTENCE =
  'You have reached the maximum number of concurrent requests per tenant. Please wait and try again';

/** The warning on every non-final page when the page size is smaller than the result (module; CIPP reads warnings). */
export const MORE_RESULTS_WARNING =
  'There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter.';

/** `<id>|<type>|<text>` → `{"Message":text,"TypeName":type,"StackTrace":null,"InnerError":null}` (goexo's real 400). */
function pipeToJson(message: string): string {
  const parts = message.split('|');
  if (parts.length < 3) return message;
  return JSON.stringify({ Message: parts.slice(2).join('|'), TypeName: parts[1], StackTrace: null, InnerError: null });
}

/** An error body in the JSON-in-details form; bodies without pipe-form details are returned as they are. */
export function toJsonDetails(body: object): object {
  const error = (body as Partial<ErrorBody>).error;
  if (!error?.details) return body;
  const details: ErrorDetail[] = error.details.map((detail) => ({
    ...detail,
    code: 'Context',
    message: pipeToJson(detail.message),
  }));
  return { error: { ...error, details, innererror: { message: error.message, type: 'ODataServiceException' } } };
}

/** The body of an answer in the dialect: JSON-in-details when that form is on, else unchanged. */
export function renderBody(body: object, status: number, dialect: Dialect): object {
  return status >= 400 && dialect.has('json-details') ? toJsonDetails(body) : body;
}

/** Rate headers for an API answer. The values' meaning (window, units) is unknown: these are plausible counts. */
export class RateHeaders {
  private windowStart = 0;
  private used = 0;
  static readonly LIMIT = 10_000;
  static readonly WINDOW_SECONDS = 60;

  next(now = Date.now()): Record<string, string> {
    if (now - this.windowStart >= RateHeaders.WINDOW_SECONDS * 1000) {
      this.windowStart = now;
      this.used = 0;
    }
    this.used++;
    return {
      'Rate-Limit-Limit': String(RateHeaders.LIMIT),
      'Rate-Limit-Remaining': String(Math.max(0, RateHeaders.LIMIT - this.used)),
      'Rate-Limit-Reset': String(Math.ceil((this.windowStart + RateHeaders.WINDOW_SECONDS * 1000 - now) / 1000)),
    };
  }
}

// ---- Per-fault-rule answer forms ------------------------------------------------------------------------------

/** What a fault rule's `form` may ask for; see FIDELITY.md, "Answer forms". */
export const FAULT_FORMS = [
  'pipe',
  'json-details',
  'no-details',
  'empty-body',
  'nul-body',
  'adminapi-errors',
  'redirect',
] as const;
export type FaultForm = (typeof FAULT_FORMS)[number];

/** Statuses only meaningful with a form: 200 carries `@adminapi.errors`, 3xx redirects. */
export const FORM_STATUSES = [200, 301, 302, 307, 308] as const;

/** The form a rule answers in when it names none: 200 → adminapi-errors, 3xx → redirect, else the dialect's. */
export function defaultFaultForm(status: number): FaultForm | undefined {
  if (status === 200) return 'adminapi-errors';
  if (status >= 300 && status < 400) return 'redirect';
  return undefined;
}

/**
 * Re-shapes the error a fault rule produces (`base`, pipe form) into the rule's form. `redirectTo` is the URL on the
 * tenant-specific host for the same request (undefined when the emulator has no such listener).
 */
export function shapeFault(
  base: WireError,
  form: FaultForm | undefined,
  diagnostics: string | null,
  redirectTo: string | undefined,
): WireError {
  const headers: Record<string, string> = { ...base.headers };
  if (diagnostics !== null) headers['x-ms-diagnostics'] = diagnostics;
  const status = base.status;
  switch (form) {
    case undefined:
    case 'pipe':
      return new WireError(status, base.body, headers, { keepForm: form === 'pipe' });
    case 'json-details':
      return new WireError(status, toJsonDetails(base.body) as ErrorBody, headers, { keepForm: true });
    case 'no-details': {
      const { code } = base.body.error;
      return new WireError(
        status,
        { error: { code, message: base.message, innererror: { type: ODATA_SERVICE_EXCEPTION } } } as ErrorBody,
        headers,
        { keepForm: true },
      );
    }
    case 'empty-body':
      return new WireError(status, base.body, headers, { rawBody: '' });
    case 'nul-body':
      // A NUL-padded body as an unattributed live test recorded it: the length is arbitrary.
      return new WireError(status, base.body, headers, { rawBody: '\u0000'.repeat(16) });
    case 'adminapi-errors':
      return new WireError(
        200,
        {
          value: [],
          '@adminapi.errors': base.body.error.details?.map((detail) => detail.message) ?? [base.message],
        } as unknown as ErrorBody,
        headers,
        {
          keepForm: true,
        },
      );
    case 'redirect':
      if (redirectTo === undefined) {
        return new WireError(
          500,
          {
            error: {
              code: 'InternalServerError',
              message:
                'This fault rule asks for a redirect, but the emulator has no tenant-specific host listener (it needs an IPv4 loopback --host such as 127.0.0.1, and 127.0.0.2 free on the same port).',
            },
          },
          {},
        );
      }
      return new WireError(
        status >= 300 && status < 400 ? status : 302,
        { error: { code: 'Redirect', message: `Moved to ${redirectTo}` } },
        { ...headers, Location: redirectTo },
        { rawBody: '' },
      );
  }
}
