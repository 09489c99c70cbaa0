import {
  ConfigurationError,
  InvalidInputError,
  NotFoundError,
  ServiceBugError,
  ThrottledError,
  TransientError,
  UnreachableError,
} from '../../../src/bridge/errors';
import { networkErrorToExchangeError } from '../../../src/bridge/rest/http-client';
import { errorFromResponse, parseRetryAfter, parseServiceError } from '../../../src/bridge/rest/response-errors';
import { exchangeError } from '../helpers/exchange-test-server';

const context = {
  cmdlet: 'Set-CASMailbox',
  origin: 'https://outlook.office365.com',
  organization: 'contoso.onmicrosoft.com',
  nowMs: Date.UTC(2026, 0, 1),
};
const map = (status: number, body: unknown = undefined, headers: Record<string, string> = {}) =>
  errorFromResponse({ status, headers, body }, context);

describe('parseServiceError', () => {
  it('splits "<id>|<exception type>|<text>" and keeps any "|" inside the text', () => {
    expect(parseServiceError(exchangeError('BadRequest', 'Microsoft.Exchange.Foo.BarException', 'a | b | c'))).toEqual({
      text: 'a | b | c',
      exception: 'BarException',
    });
  });

  it('falls back to the detail message, the inner exception, then the error message', () => {
    expect(parseServiceError({ error: { details: [{ message: 'plain detail' }] } })).toEqual({ text: 'plain detail' });
    expect(
      parseServiceError({ error: { message: 'outer', innererror: { internalException: { message: 'inner' } } } }),
    ).toEqual({ text: 'inner' });
    expect(parseServiceError({ error: { message: 'outer only' } })).toEqual({ text: 'outer only' });
    expect(parseServiceError('<html>')).toBeUndefined();
  });
});

describe('parseServiceError: the JSON-in-details form', () => {
  it('reads Message and TypeName (goexo invoke_test.go) or ClassName (the module)', () => {
    const json = (value: object) => ({
      error: {
        code: 'BadRequest',
        message: 'Error executing cmdlet',
        details: [{ code: 'Context', target: '', message: JSON.stringify(value) }],
      },
    });
    expect(
      parseServiceError(
        json({
          Message: "The object 'x' already exists.",
          TypeName: 'Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException',
          StackTrace: null,
        }),
      ),
    ).toEqual({
      text: "The object 'x' already exists.",
      exception: 'ADObjectAlreadyExistsException',
    });
    expect(
      parseServiceError(
        json({
          Message: 'gone',
          ClassName: 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException',
        }),
      ),
    ).toEqual({ text: 'gone', exception: 'ManagementObjectNotFoundException' });
    expect(parseServiceError(json({ Message: 'no type' }))).toEqual({ text: 'no type' });
  });

  it("an OData NotFound without details is NotFound only with the service's innererror (else a wrong URL)", () => {
    expect(
      map(404, {
        error: {
          code: 'NotFound',
          message: 'x',
          innererror: { type: 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException' },
        },
      }),
    ).toBeInstanceOf(NotFoundError);
    expect(map(404, { error: { code: 'NotFound', message: 'Resource not found' } })).toBeInstanceOf(UnreachableError);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP-dates', () => {
    expect(parseRetryAfter('7', context.nowMs)).toBe(7000);
    expect(parseRetryAfter(' 1.5 ', context.nowMs)).toBe(1500);
    expect(parseRetryAfter(new Date(context.nowMs + 30_000).toUTCString(), context.nowMs)).toBe(30_000);
    expect(parseRetryAfter(new Date(context.nowMs - 30_000).toUTCString(), context.nowMs)).toBe(0);
    expect(parseRetryAfter('soon', context.nowMs)).toBeUndefined();
    expect(parseRetryAfter(undefined, context.nowMs)).toBeUndefined();
  });
});

describe('errorFromResponse', () => {
  it('treats a NotFoundException as NotFound even on 400, but a 404 without Exchange error as a wrong URL', () => {
    expect(
      map(
        400,
        exchangeError('BadRequest', 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException', 'gone'),
      ),
    ).toBeInstanceOf(NotFoundError);
    expect(map(404, { error: { code: 'NotFound', message: 'Resource not found' } })).toBeInstanceOf(UnreachableError);
    expect(map(404, undefined)).toBeInstanceOf(UnreachableError);
  });

  it('maps gateway failures and request timeouts to transient', () => {
    for (const status of [408, 502, 503, 504]) expect(map(status, 'gateway')).toBeInstanceOf(TransientError);
    expect(
      map(
        500,
        exchangeError('InternalServerError', 'Microsoft.Exchange.Data.Storage.StorageTransientException', 'busy'),
      ),
    ).toBeInstanceOf(TransientError);
  });

  it('maps other 4xx to invalid input and other 5xx to a service bug quoting the request id', () => {
    expect(map(409, { error: { message: 'conflict' } })).toBeInstanceOf(InvalidInputError);
    const bug = errorFromResponse(
      { status: 500, headers: {}, body: { error: { message: 'kaboom' } } },
      { ...context, requestId: 'abc-123' },
    );
    expect(bug).toBeInstanceOf(ServiceBugError);
    expect(bug.message).toBe('Set-CASMailbox failed inside Exchange Online (HTTP 500): kaboom');
    expect(bug.remedy).toContain('client-request-id abc-123');
  });
});

describe('networkErrorToExchangeError', () => {
  const origin = 'https://outlook.office365.com';
  const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

  it.each([
    ['ENOTFOUND', UnreachableError, 'host name not found (DNS) (ENOTFOUND)'],
    ['ECONNREFUSED', UnreachableError, 'connection refused (ECONNREFUSED)'],
    ['EHOSTUNREACH', UnreachableError, 'host unreachable (EHOSTUNREACH)'],
    ['ECONNRESET', TransientError, 'the connection was reset (ECONNRESET)'],
    ['EPIPE', TransientError, 'EPIPE'],
    ['ETIMEDOUT', TransientError, 'ETIMEDOUT'],
    ['EAI_AGAIN', TransientError, 'temporary DNS failure'],
    ['CERT_HAS_EXPIRED', UnreachableError, 'TLS failure (CERT_HAS_EXPIRED'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', UnreachableError, 'TLS failure'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', UnreachableError, 'TLS failure'],
  ] as const)('%s → %p', (code, type, text) => {
    const error = networkErrorToExchangeError(withCode(code), origin, 'Get-User');
    expect(error).toBeInstanceOf(type);
    expect(error.message).toContain(origin);
    expect(error.message).toContain(text);
    expect(error.cmdlet).toBe('Get-User');
  });

  it('says to check the endpoint setting and network when unreachable', () => {
    const error = networkErrorToExchangeError(
      withCode('ENOTFOUND', 'getaddrinfo ENOTFOUND outlook.office365.com'),
      origin,
    );
    expect(error.message).toBe('Could not reach https://outlook.office365.com: host name not found (DNS) (ENOTFOUND).');
    expect(error.remedy).toBe(
      'Check the `endpoint` setting and the network (DNS, proxy, firewall) from where Terraform runs.',
    );
  });
});

describe('errorFromResponse: an unknown tenant (the real answer form is unknown, so every plausible one counts)', () => {
  const pipe = (type: string, text: string) => ({
    error: {
      code: 'NotFound',
      message: 'Error executing cmdlet',
      details: [{ code: 'Client', target: '', message: `Ex1|${type}|${text}` }],
    },
  });
  const forms: Array<[string, number, unknown, Record<string, string>]> = [
    [
      'the emulator: 403 TenantNotFound',
      403,
      {
        error: {
          code: 'TenantNotFound',
          message: "Tenant 'fabrikam.onmicrosoft.com' does not exist on this emulator.",
        },
      },
      {},
    ],
    [
      'a Graph-style 404 UnknownTenantId',
      404,
      {
        error: {
          code: 'UnknownTenantId',
          message: 'We do not recognize this tenant ID x. Please double-check the tenant ID and try again.',
        },
      },
      {},
    ],
    [
      'a 401 whose WWW-Authenticate carries AADSTS90002',
      401,
      '',
      {
        'www-authenticate':
          'Bearer error="invalid_token", error_description="AADSTS90002: Tenant \'fabrikam\' not found."',
      },
    ],
    [
      'a 403 with an empty body and the reason in x-ms-diagnostics',
      403,
      '\u0000\u0000',
      { 'x-ms-diagnostics': '2000001;reason="The tenant fabrikam.onmicrosoft.com could not be found."' },
    ],
    [
      'a 400 with the sentence in a pipe-form detail',
      400,
      pipe(
        'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException',
        'Tenant fabrikam.onmicrosoft.com was not found.',
      ),
      {},
    ],
    ['a 400 saying invalid tenant', 400, { error: { code: 'BadRequest', message: 'Invalid tenant name or id.' } }, {}],
  ];
  it.each(forms)(
    '%s is a configuration error naming `organization`, with the tenant remedy, not a role remedy',
    (_, status, body, headers) => {
      const error = errorFromResponse({ status, headers, body }, context);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).attributes).toEqual(['organization']);
      expect(error.message).toMatch(/tenant ".+" \(the `organization` setting\) is unknown/);
      expect(error.remedy).toMatch(/EXO_ORGANIZATION/);
      expect(error.remedy).toMatch(/\.onmicrosoft\.com/);
      expect(error.remedy).not.toMatch(/role/i);
    },
  );

  it('does not mistake an object with "tenant" in its name, or the per-tenant throttling sentence, for an unknown tenant', () => {
    expect(
      map(
        404,
        pipe(
          'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException',
          "The operation couldn't be performed because object 'tenant-admin' couldn't be found on 'x'.",
        ),
      ),
    ).toBeInstanceOf(NotFoundError);
    expect(
      map(
        404,
        pipe(
          'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException',
          "The operation couldn't be performed because object 'tenant admin' couldn't be found on 'x'.",
        ),
      ),
    ).toBeInstanceOf(NotFoundError);
    expect(
      map(503, {
        error: {
          message: 'You have reached the maximum number of concurrent requests per tenant. Please wait and try again',
        },
      }),
    ).toBeInstanceOf(ThrottledError);
    expect(
      map(403, {
        error: { code: 'Forbidden', message: 'Access denied: the caller has no role for Set-TransportConfig' },
      }),
    ).not.toBeInstanceOf(ConfigurationError);
  });
});
