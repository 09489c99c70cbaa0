/**
 * PowerShell error records → the bridge's typed errors. The inputs cover the forms ExchangeOnlineManagement is known
 * to use ("<id>|<type>|<text>" messages, "||<text>", the exception only in CategoryInfo.Reason or in the
 * FullyQualifiedErrorId's FailureCategory) and .NET HTTP exceptions that carry a status.
 */
import {
  AuthenticationError,
  ConfigurationError,
  InvalidInputError,
  NotFoundError,
  ServiceBugError,
  ThrottledError,
  TransientError,
  UnreachableError,
  type ExchangeError,
} from '../../../src/bridge/errors';
import {
  errorFromPowerShell,
  exceptionNames,
  needsReconnect,
  serviceText,
  type PowerShellErrorContext,
} from '../../../src/bridge/powershell/error-mapping';
import type { PowerShellErrorInfo } from '../../../src/bridge/powershell/session-script';

const context: PowerShellErrorContext = {
  cmdlet: 'Get-CASMailbox',
  organization: 'contoso.onmicrosoft.com',
  authentication: 'certificate',
  secrets: ['s3cret-password'],
};
const info = (fields: Partial<PowerShellErrorInfo>): PowerShellErrorInfo => ({
  stage: 'invoke',
  type: 'System.Exception',
  message: '',
  ...fields,
});
const map = (fields: Partial<PowerShellErrorInfo>, overrides: Partial<PowerShellErrorContext> = {}): ExchangeError =>
  errorFromPowerShell(info(fields), { ...context, ...overrides });

const NOT_FOUND_TEXT =
  "The operation couldn't be performed because object 'nobody@contoso.com' couldn't be found on 'AM0PR01MB0001.eurprd01.prod.outlook.com'.";

describe('errorFromPowerShell', () => {
  test.each([
    [
      'id|type|text message',
      {
        message: `Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|${NOT_FOUND_TEXT}`,
      },
    ],
    [
      '"||text" message with the exception in CategoryInfo.Reason',
      { message: `||${NOT_FOUND_TEXT}`, reason: 'ManagementObjectNotFoundException' },
    ],
    [
      'exception only in the FullyQualifiedErrorId',
      {
        message: NOT_FOUND_TEXT,
        errorId:
          '[Server=AM0PR01MB0001,RequestId=1] [FailureCategory=Cmdlet-ManagementObjectNotFoundException] 5E8D1B3B,Microsoft.Exchange.Management.RecipientTasks.GetCASMailbox',
      },
    ],
    [
      'the exception type itself',
      { type: 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException', message: NOT_FOUND_TEXT },
    ],
  ])('not found: %s', (_name, fields) => {
    const error = map(fields);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe(NOT_FOUND_TEXT);
    expect(error.cmdlet).toBe('Get-CASMailbox');
  });

  test('an unknown cmdlet is invalid input, not "object not found"', () => {
    expect(
      map({
        type: 'System.Management.Automation.CommandNotFoundException',
        message: "The term 'Get-Nonsense' is not recognized",
      }),
    ).toBeInstanceOf(InvalidInputError);
  });

  test('parameter binding errors are invalid input and name the exception', () => {
    const error = map({
      type: 'System.Management.Automation.ParameterBindingException',
      message: "A parameter cannot be found that matches parameter name 'Bogus'.",
      reason: 'ParameterBindingException',
    });
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toBe(
      "A parameter cannot be found that matches parameter name 'Bogus'. [ParameterBindingException]",
    );
  });

  test.each([
    [
      'HTTP 429 with Retry-After from the response',
      {
        type: 'System.Net.Http.HttpRequestException',
        message: 'Response status code does not indicate success: 429 (Too Many Requests).',
        status: 429,
        retryAfterSeconds: 3,
      },
      3000,
    ],
    [
      'the service text with Retry-After in it',
      {
        message:
          'You have reached the maximum number of concurrent requests per tenant. Please wait and try again (Retry-After: 7)',
      },
      7000,
    ],
    ['"try again after N seconds"', { message: 'Request was throttled, try again after 12 seconds.' }, 12000],
    ['throttling without a wait', { message: 'TooManyRequests|Microsoft.Exchange.Throttling|Throttled' }, undefined],
  ])('throttled: %s', (_name, fields, retryAfterMs) => {
    const error = map(fields as Partial<PowerShellErrorInfo>);
    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).retryAfterMs).toBe(retryAfterMs);
  });

  test('401 / expired token: reconnect first; if it persists, a final AuthenticationError (no status, so no policy retry)', () => {
    const expired = info({
      type: 'System.Net.Http.HttpRequestException',
      message: 'Response status code does not indicate success: 401 (Unauthorized).',
      status: 401,
    });
    expect(needsReconnect(expired)).toBe(true);
    expect(needsReconnect(info({ message: 'IDX10223: Lifetime validation failed. The token is expired.' }))).toBe(true);
    expect(needsReconnect(info({ stage: 'session', type: 'ExoformNotConnected', message: 'not connected' }))).toBe(
      true,
    );
    const error = errorFromPowerShell(expired, context);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).status).toBeUndefined();
    expect(error.remedy).toMatch(/certificate_path/);
  });

  test('403 / access denied: final, with the role remedy, and no reconnect', () => {
    const denied = info({
      type: 'System.UnauthorizedAccessException',
      message: 'The caller is not authorized to run this cmdlet.',
    });
    expect(needsReconnect(denied)).toBe(false);
    const error = errorFromPowerShell(denied, context);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).status).toBe(403);
    expect(error.remedy).toMatch(/Exchange role/);
  });

  test.each([
    [
      'a transient Exchange exception',
      { message: '|Microsoft.Exchange.Data.Directory.DCOverloadedException|The domain controller is overloaded.' },
      TransientError,
    ],
    ['HTTP 503', { message: 'Service Unavailable', status: 503 }, TransientError],
    ['a timeout', { type: 'System.TimeoutException', message: 'The operation has timed out.' }, TransientError],
    [
      'a connection reset',
      {
        type: 'System.Net.Http.HttpRequestException',
        message: 'An error occurred while sending the request. Connection reset by peer',
      },
      TransientError,
    ],
    [
      'the Set-AuthenticationPolicy null-reference bug',
      { message: 'Object reference not set to an instance of an object.', status: 500 },
      ServiceBugError,
    ],
    ['another HTTP 500', { message: 'An internal server error occurred.', status: 500 }, ServiceBugError],
    [
      'DNS failure',
      { type: 'System.Net.Http.HttpRequestException', message: 'No such host is known. (outlook.office365.com:443)' },
      UnreachableError,
    ],
    [
      'connection refused',
      { type: 'System.Net.Http.HttpRequestException', message: 'Connection refused (127.0.0.1:9)' },
      UnreachableError,
    ],
    [
      'an already-existing policy',
      {
        message: "|Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException|The object 'x' already exists.",
        status: 400,
      },
      InvalidInputError,
    ],
  ])('%s', (_name, fields, kind) => {
    expect(map(fields as Partial<PowerShellErrorInfo>)).toBeInstanceOf(kind);
  });

  /**
   * What .NET raises when the transport fails, as the module passes it on (src/emulator/FIDELITY.md, "PowerShell
   * bridge errors"): no HTTP status, the reason in the inner exceptions. Read like the REST bridge's socket errors:
   * a dropped or timed-out exchange is transient (retried, or confirmed for New-/Remove-), never a configuration error.
   */
  describe('transport failures without an HTTP status', () => {
    const SENDING = 'An error occurred while sending the request.';
    const READ_FAILED = 'System.IO.IOException: Unable to read data from the transport connection:';
    const RESET = 'Connection reset by peer';
    const CLOSED = 'An existing connection was forcibly closed by the remote host.';
    const TIMEOUT = 'The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.';
    const UNTRUSTED =
      'System.Security.Authentication.AuthenticationException: The remote certificate is invalid because of errors ' +
      'in the certificate chain: UntrustedRoot';
    const sending = (inner: string[], fields: Partial<PowerShellErrorInfo> = {}): Partial<PowerShellErrorInfo> => ({
      type: 'System.Net.Http.HttpRequestException',
      message: SENDING,
      reason: 'HttpRequestException',
      category: 'OperationStopped',
      errorId: SENDING,
      inner,
      status: null,
      ...fields,
    });
    const socket = (text: string): string => `System.Net.Sockets.SocketException: ${text}`;
    test.each([
      ['connection reset by peer (Linux)', sending([`${READ_FAILED} ${RESET}.`, socket(RESET)])],
      ['connection forcibly closed (Windows)', sending([`${READ_FAILED} ${CLOSED}`, socket(CLOSED)])],
      ['the response ended prematurely', sending(['System.Net.Http.HttpIOException: The response ended prematurely.'])],
      ['no inner exception at all', sending([])],
      [
        'an HttpClient timeout',
        sending(['System.TimeoutException: A task was canceled.'], {
          type: 'System.Threading.Tasks.TaskCanceledException',
          reason: 'TaskCanceledException',
          message: TIMEOUT,
        }),
      ],
      [
        'a receive failure on Windows PowerShell',
        {
          type: 'System.Data.Services.Client.DataServiceTransportException',
          reason: 'DataServiceTransportException',
          category: 'ProtocolError',
          message: 'The underlying connection was closed: An unexpected error occurred on a receive.',
        },
      ],
    ])('%s is transient, names the cause, and is never "rejected the parameters"', (_name, fields) => {
      const error = map(fields, { cmdlet: 'Set-CASMailbox' });
      expect(error).toBeInstanceOf(TransientError);
      expect(error.message).toMatch(/^Lost the connection to Exchange Online during Set-CASMailbox: /);
      expect(error.message).toMatch(/\[(HttpRequestException|TaskCanceledException|DataServiceTransportException)\]$/);
      expect(error.remedy).not.toMatch(/rejected the parameters|correct the configuration/);
      expect(error.cmdlet).toBe('Set-CASMailbox');
    });

    test('the innermost reason is scrubbed of secrets like every other text', () => {
      const error = map(sending(['System.IO.IOException: proxy said no to s3cret-password']));
      expect(error.message).not.toContain('s3cret-password');
      expect(error.message).toContain('[redacted]');
    });

    test('the innermost reason is in the message', () => {
      const error = map(sending([`${READ_FAILED} ${RESET}.`, socket(RESET)]));
      expect(error.message).toContain(`${SENDING} (${RESET})`);
    });

    test.each([
      [
        'connection refused',
        sending([socket('Connection refused')], { message: 'Connection refused (127.0.0.1:9)' }),
        /refused/,
      ],
      [
        'an unknown host',
        sending([socket('Name or service not known')], { message: 'Name or service not known (x:443)' }),
        /known/,
      ],
      [
        'an untrusted certificate',
        sending([UNTRUSTED], { message: 'The SSL connection could not be established.' }),
        /TLS failure/,
      ],
    ])('%s is unreachable (final), as over REST', (_name, fields, words) => {
      const error = map(fields);
      expect(error).toBeInstanceOf(UnreachableError);
      expect(error.message).toMatch(words);
    });

    test('at sign-in too: a reset is transient, an AADSTS answer stays a credential problem', () => {
      expect(map(sending([socket(RESET)], { stage: 'connect' }), { cmdlet: undefined })).toBeInstanceOf(TransientError);
      const entra: Partial<PowerShellErrorInfo> = {
        stage: 'connect',
        type: 'Microsoft.Identity.Client.MsalServiceException',
        message: 'AADSTS700027: Client assertion failed signature validation.',
        inner: [
          'System.Net.Http.HttpRequestException: Response status code does not indicate success: 401 (Unauthorized).',
        ],
      };
      expect(map(entra, { cmdlet: undefined })).toBeInstanceOf(AuthenticationError);
    });

    test('an answer with a status is not a transport failure: the status decides', () => {
      const badRequest = sending([], {
        message: 'Response status code does not indicate success: 400 (Bad Request).',
        status: 400,
      });
      expect(map(badRequest)).toBeInstanceOf(InvalidInputError);
    });
  });

  test('the module\'s "HttpStatusCode=500" text with ADTransientException is transient (docs issue 10972)', () => {
    const message =
      'Error while querying REST service. HttpStatusCode=500 ErrorMessage={"error":{"code":"InternalServerError",' +
      '"message":"Active Directory server  is not available.","innererror":{"message":"Active Directory server  is ' +
      'not available.","type":"Microsoft.Exchange.Data.Directory.ADTransientException"}}}';
    expect(map({ type: 'System.Exception', message })).toBeInstanceOf(TransientError);
    const other = message.replace('ADTransientException', 'SomeOtherException');
    expect(map({ type: 'System.Exception', message: other })).toBeInstanceOf(ServiceBugError);
  });

  describe('session set-up', () => {
    test('Import-Module failing is a configuration problem with the install command', () => {
      const error = map(
        {
          stage: 'import',
          type: 'System.IO.FileNotFoundException',
          message:
            "The specified module 'ExchangeOnlineManagement' was not loaded because no valid module file was found in any module directory.",
        },
        { cmdlet: undefined },
      );
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).attributes).toEqual(['powershell_path']);
      expect(error.remedy).toMatch(
        /Install-Module ExchangeOnlineManagement -MinimumVersion 3\.1\.0 -Scope CurrentUser/,
      );
    });

    test('Windows PowerShell 5.1 (or anything older than 7) is refused at bootstrap', () => {
      const error = map(
        {
          stage: 'bootstrap',
          type: 'System.NotSupportedException',
          message: 'exoform needs PowerShell 7 or later; this is 5.1.19041.',
        },
        { cmdlet: undefined },
      );
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).attributes).toEqual(['powershell_path']);
    });

    test.each([
      ['access-token', /access_token/],
      ['certificate', /certificate_path/],
      ['managed-identity', /managed identity/],
      ['delegated', /user_principal_name/],
    ] as const)(
      "Connect-ExchangeOnline refused (%s): AuthenticationError with that sign-in's remedy",
      (authentication, remedy) => {
        const error = map(
          {
            stage: 'connect',
            type: 'Microsoft.Identity.Client.MsalServiceException',
            message: 'AADSTS7000215: Invalid client secret provided.',
          },
          { cmdlet: undefined, authentication },
        );
        expect(error).toBeInstanceOf(AuthenticationError);
        expect(error.message).toMatch(
          /^Connect-ExchangeOnline could not sign in to contoso\.onmicrosoft\.com: AADSTS7000215/,
        );
        expect(error.remedy).toMatch(remedy);
      },
    );

    test('Connect-ExchangeOnline unable to reach the service is unreachable, not a credential problem', () => {
      expect(
        map(
          { stage: 'connect', type: 'System.Net.Http.HttpRequestException', message: 'No such host is known.' },
          { cmdlet: undefined },
        ),
      ).toBeInstanceOf(UnreachableError);
    });

    test('a payload the session could not decode is an exoform bug', () => {
      expect(
        map({ stage: 'decode', type: 'System.FormatException', message: 'The input is not a valid Base-64 string' }),
      ).toBeInstanceOf(ServiceBugError);
    });
  });

  test('secrets are scrubbed from every message', () => {
    const error = map(
      { stage: 'connect', message: 'Connect failed for password s3cret-password (AADSTS50000)' },
      { cmdlet: undefined },
    );
    expect(error.message).not.toContain('s3cret-password');
    expect(error.message).toContain('[redacted]');
  });
});

describe('helpers', () => {
  test('exceptionNames collects short names from every field', () => {
    expect(
      exceptionNames(
        info({
          type: 'System.Management.Automation.RemoteException',
          message: 'Ex1|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|x',
          errorId: '[FailureCategory=Cmdlet-ManagementObjectAmbiguousException] 1,Get-User',
          inner: ['System.Net.Http.HttpRequestException: y'],
        }),
      ).sort(),
    ).toEqual([
      'HttpRequestException',
      'ManagementObjectAmbiguousException',
      'ManagementObjectNotFoundException',
      'RemoteException',
    ]);
  });

  test('serviceText strips the id|type| prefix and the Write-ErrorMessage prefix', () => {
    expect(serviceText(info({ message: 'Ex1|T|The text | with a pipe' }))).toBe('The text | with a pipe');
    expect(serviceText(info({ message: 'Write-ErrorMessage : plain' }))).toBe('plain');
    expect(serviceText(info({ details: 'a|b|from details', message: 'ignored' }))).toBe('from details');
  });
});
