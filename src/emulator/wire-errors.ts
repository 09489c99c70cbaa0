/**
 * Every error the emulator sends, in one place, in the shapes the real endpoint uses.
 *
 * Cmdlet failures follow the pipe form ExoHelper's Get-ExoException.ps1 parses (and the module reads):
 * `{"error":{"code":"NotFound","message":"Error executing cmdlet","details":[{"code":"Client","target":"",
 * "message":"<error id>|<exception type>|<text>"}],"innererror":{...ODataServiceException}}}`. The other observed
 * forms (JSON-in-details, no details, empty bodies) are produced by answer-forms.ts on demand. PowerShell binding errors use PowerShell's own error ids and
 * texts, since the endpoint runs the cmdlet through PowerShell. Transport-level errors (auth, routing, body) carry
 * only `code` and `message`. Only Ex6F9304 is a known Exchange error id; where the real id is unknown the id part is
 * the PowerShell FullyQualifiedErrorId or left empty rather than invented.
 */
import { EMULATED_SERVER } from './model';

export interface ErrorDetail {
  code: 'Client' | 'Server' | 'Context';
  target: string;
  message: string;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: ErrorDetail[]; innererror?: { message?: string; type: string } };
}

export interface WireErrorOptions {
  /** Send this text as the body instead of the JSON (an empty or NUL-padded 403, a redirect). */
  readonly rawBody?: string;
  /** The body is already in its final form: the start-up dialect does not reshape it (a fault rule chose it). */
  readonly keepForm?: boolean;
}

/**
 * An error answer: status, body and extra headers. Thrown anywhere below the server, turned into a response there.
 * With `options.rawBody` the answer carries that text instead (the service's empty 403s); `body` then only feeds the call log.
 */
export class WireError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
    readonly headers: Readonly<Record<string, string>> = {},
    readonly options: WireErrorOptions = {},
  ) {
    super(body.error?.details?.[0]?.message.split('|').pop() ?? body.error?.message ?? `HTTP ${status}`);
    this.name = 'WireError';
  }
}

export const ERROR_CODES = {
  badRequest: 'BadRequest',
  notFound: 'NotFound',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  tenantNotFound: 'TenantNotFound',
  methodNotAllowed: 'MethodNotAllowed',
  conflict: 'Conflict',
  payloadTooLarge: 'PayloadTooLarge',
  invalidSkipToken: 'InvalidSkipToken',
  tooManyRequests: 'TooManyRequests',
  internalServerError: 'InternalServerError',
  badGateway: 'BadGateway',
  serviceUnavailable: 'ServiceUnavailable',
  gatewayTimeout: 'GatewayTimeout',
} as const;

const CMDLET_FAILED = 'Error executing cmdlet';

function codeForStatus(status: number): string {
  switch (status) {
    case 401:
      return ERROR_CODES.unauthorized;
    case 403:
      return ERROR_CODES.forbidden;
    case 404:
      return ERROR_CODES.notFound;
    case 429:
      return ERROR_CODES.tooManyRequests;
    case 502:
      return ERROR_CODES.badGateway;
    case 503:
      return ERROR_CODES.serviceUnavailable;
    case 504:
      return ERROR_CODES.gatewayTimeout;
    default:
      return status >= 500 ? ERROR_CODES.internalServerError : ERROR_CODES.badRequest;
  }
}

function cmdletError(status: number, code: string, errorId: string, exceptionType: string, text: string): WireError {
  const detail: ErrorDetail = {
    code: status >= 500 ? 'Server' : 'Client',
    target: '',
    message: `${errorId}|${exceptionType}|${text}`,
  };
  const innererror = { message: text, type: 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException' };
  return new WireError(status, { error: { code, message: CMDLET_FAILED, details: [detail], innererror } });
}

function plainError(status: number, code: string, message: string, headers?: Record<string, string>): WireError {
  return new WireError(status, { error: { code, message } }, headers);
}

export const wireErrors = {
  objectNotFound: (identity: string): WireError =>
    cmdletError(
      404,
      ERROR_CODES.notFound,
      'Ex6F9304',
      'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException',
      `The operation couldn't be performed because object '${identity}' couldn't be found on '${EMULATED_SERVER}'.`,
    ),

  objectAmbiguous: (identity: string): WireError =>
    cmdletError(
      400,
      ERROR_CODES.badRequest,
      '',
      'Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException',
      `The operation couldn't be performed because '${identity}' matches multiple entries.`,
    ),

  /**
   * A cmdlet InvokeCommand does not serve: 403 with an empty body and the reason only in `x-ms-diagnostics` (azat's
   * transport tests and a public live test show this answer for an unserved cmdlet). The real diagnostic text is not
   * known; this one says what the emulator knows. Get-EXO* cmdlets are the PowerShell module's client-side cmdlets.
   */
  cmdletNotServed: (name: string): WireError => {
    const why = /^get-exo/i.test(name)
      ? `'${name}' is a client-side cmdlet of the ExchangeOnlineManagement module and is not served by InvokeCommand`
      : `'${name}' is not a cmdlet this endpoint serves`;
    return new WireError(
      403,
      { error: { code: ERROR_CODES.forbidden, message: why } },
      { 'x-ms-diagnostics': `2000001;reason="${why}";error_category="invalid_request"` },
      { rawBody: '', keepForm: true },
    );
  },

  unknownParameter: (name: string, hint = ''): WireError =>
    wireErrors.parameterBinding(
      'NamedParameterNotFound',
      `A parameter cannot be found that matches parameter name '${name}'.${hint}`,
    ),

  /** Other PowerShell binding failures (ParameterAlreadyBound, MissingMandatoryParameter, ...). */
  parameterBinding: (errorId: string, text: string): WireError =>
    cmdletError(400, ERROR_CODES.badRequest, errorId, 'System.Management.Automation.ParameterBindingException', text),

  argumentTransformation: (parameter: string, detail: string): WireError =>
    cmdletError(
      400,
      ERROR_CODES.badRequest,
      'ParameterArgumentTransformationError',
      'System.Management.Automation.ParameterBindingArgumentTransformationException',
      `Cannot process argument transformation on parameter '${parameter}'. ${detail}`,
    ),

  /** "Cannot bind argument to parameter 'X' because it is null / an empty string." (mandatory parameters). */
  argumentBinding: (_parameter: string, errorId: string, text: string): WireError =>
    cmdletError(
      400,
      ERROR_CODES.badRequest,
      errorId,
      'System.Management.Automation.ParameterBindingValidationException',
      text,
    ),

  /** Two parameters from different parameter sets, e.g. -Identity with -UserPrincipalName. */
  ambiguousParameterSet: (): WireError =>
    wireErrors.parameterBinding(
      'AmbiguousParameterSet',
      'Parameter set cannot be resolved using the specified named parameters. One or more parameters issued cannot be used together or an insufficient number of parameters were provided.',
    ),

  /** New-* with a name that is taken (Active Directory names are unique per container, case-insensitively). */
  objectAlreadyExists: (distinguishedName: string): WireError =>
    cmdletError(
      400,
      ERROR_CODES.badRequest,
      '',
      'Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException',
      `Active Directory operation failed on ${EMULATED_SERVER}. The object '${distinguishedName}' already exists.`,
    ),

  /** A -Filter the emulator cannot evaluate (or that is not valid OPATH). */
  invalidFilter: (filter: string, reason: string): WireError =>
    cmdletError(
      400,
      ERROR_CODES.badRequest,
      'ParameterBindingFailed',
      'System.Management.Automation.ParameterBindingException',
      `Cannot bind parameter 'Filter' to the target. Exception setting "Filter": "Invalid filter syntax. ${reason} Filter: '${filter}'."`,
    ),

  argumentValidation: (parameter: string, detail: string): WireError =>
    cmdletError(
      400,
      ERROR_CODES.badRequest,
      'ParameterArgumentValidationError',
      'System.Management.Automation.ParameterBindingValidationException',
      `Cannot validate argument on parameter '${parameter}'. ${detail}`,
    ),

  /** A failure injected by a fault rule, or raised by a cmdlet, that looks like an exception thrown by the cmdlet. */
  cmdletException: (status: number, exceptionType: string, text: string, errorId = ''): WireError =>
    cmdletError(status, codeForStatus(status), errorId, exceptionType, text),

  malformedBody: (reason: string): WireError =>
    plainError(
      400,
      ERROR_CODES.badRequest,
      `The request body is not valid: ${reason}. Send JSON like {"CmdletInput":{"CmdletName":"Get-TransportConfig","Parameters":{}}}.`,
    ),

  badInspectionRequest: (reason: string): WireError => plainError(400, ERROR_CODES.badRequest, reason),

  inspectionNotFound: (message: string): WireError => plainError(404, ERROR_CODES.notFound, message),

  inspectionAmbiguous: (message: string): WireError => plainError(409, ERROR_CODES.conflict, message),

  inspectionConflict: (message: string): WireError => plainError(409, ERROR_CODES.conflict, message),

  unauthorized: (reason: string): WireError =>
    plainError(
      401,
      ERROR_CODES.unauthorized,
      `The access token was not accepted: ${reason}. Send "Authorization: Bearer <token>" with the token the emulator printed at start-up ` +
        '(or the one given with --token).',
      {
        'WWW-Authenticate': `Bearer realm="exoform-emulator", error="invalid_token", error_description="${reason.replace(/["\\]/g, "'")}"`,
      },
    ),

  /**
   * 403, not 404: a 404 is what a vanished object returns, and a provider treats that as "gone, remove it from the
   * state". A mistyped tenant must fail loudly instead. The real service fails earlier, at token acquisition
   * (AADSTS90002 "Tenant not found") or by refusing a token issued for another tenant.
   */
  tenantNotFound: (tenant: string, known: readonly string[]): WireError =>
    plainError(
      403,
      ERROR_CODES.tenantNotFound,
      `Tenant '${tenant}' does not exist on this emulator. Known tenants: ${known.join(', ') || '(none)'}. ` +
        'Use one of their domains or tenant ids as the organization, or add the tenant to the seed fixture.',
    ),

  routeNotFound: (method: string, path: string): WireError =>
    plainError(
      404,
      ERROR_CODES.notFound,
      `No route for ${method} ${path}. The emulator serves POST /adminapi/beta/{tenant}/InvokeCommand, POST /adminapi/beta/{tenant}/$batch ` +
        'and the inspection API under /_emulator/ (see src/emulator/README.md).',
    ),

  methodNotAllowed: (method: string, allowed: string): WireError =>
    plainError(405, ERROR_CODES.methodNotAllowed, `${method} is not supported here; use ${allowed}.`, {
      Allow: allowed,
    }),

  payloadTooLarge: (limit: number): WireError =>
    plainError(413, ERROR_CODES.payloadTooLarge, `The request body is larger than ${limit} bytes.`),

  invalidSkipToken: (reason: string): WireError =>
    plainError(
      400,
      ERROR_CODES.invalidSkipToken,
      `The $skiptoken is not valid: ${reason}. Start the listing again without $skiptoken.`,
    ),

  throttled: (retryAfterSeconds: number, message?: string): WireError =>
    plainError(
      429,
      ERROR_CODES.tooManyRequests,
      message ?? 'You have reached the maximum number of concurrent requests per tenant. Please wait and try again',
      {
        'Retry-After': String(retryAfterSeconds),
        'Rate-Limit-Remaining': '0',
        'Rate-Limit-Reset': new Date(Date.now() + retryAfterSeconds * 1000).toISOString(),
      },
    ),

  stateNotSaved: (message: string): WireError => plainError(500, ERROR_CODES.internalServerError, message),

  internal: (message: string): WireError =>
    plainError(
      500,
      ERROR_CODES.internalServerError,
      `The emulator failed unexpectedly: ${message}. This is a bug in exoform; please report it.`,
    ),
};
