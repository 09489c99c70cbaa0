import { createServer } from 'node:net';
import {
  AuthenticationError,
  CancelledError,
  ConfigurationError,
  InvalidInputError,
  NotFoundError,
  ServiceBugError,
  ThrottledError,
  TransientError,
  UnreachableError,
} from '../../../src/bridge/errors';
import type { RetryEvent } from '../../../src/bridge/retry';
import { adminApiPath } from '../../../src/bridge/rest/endpoint';
import type { LogFields, LogLevel } from '../../../src/bridge/rest/rest-logging';
import { RestBridge, type RestBridgeOptions } from '../../../src/bridge/rest/rest-bridge';
import {
  StaticTokenProvider,
  type TokenProvider,
  type TokenRequestOptions,
} from '../../../src/bridge/rest/token-provider';
import { makeCertificate } from '../helpers/certificates';
import { exchangeError, ExchangeTestServer, ok, script, type Reply } from '../helpers/exchange-test-server';
import { FakeClock } from '../helpers/fake-clock';

const ORG = 'contoso.onmicrosoft.com';
const TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.test-token.signature';
const INVOKE_PATH = `/adminapi/beta/${ORG}/InvokeCommand`;
const ANCHOR = `APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@${ORG}`;

/** Hands out token-1, token-2... and records what it was asked. */
class CountingTokenProvider implements TokenProvider {
  readonly requests: TokenRequestOptions[] = [];
  async getToken(options: TokenRequestOptions): Promise<string> {
    this.requests.push(options);
    return `token-${this.requests.length}`;
  }
  describe(): string {
    return 'counting test tokens';
  }
}

describe('RestBridge', () => {
  let server: ExchangeTestServer;
  let clock: FakeClock;
  let bridge: RestBridge;
  let retries: RetryEvent[];

  const start = async (replies: Reply[], options: Partial<RestBridgeOptions> = {}): Promise<void> => {
    server = await ExchangeTestServer.start(script(...replies));
    bridge = new RestBridge({
      organization: ORG,
      tokenProvider: new StaticTokenProvider(TOKEN),
      endpoint: server.url,
      clock,
      retry: { onRetry: (event) => retries.push(event) },
      ...options,
    });
  };

  beforeEach(() => {
    clock = new FakeClock();
    retries = [];
  });

  afterEach(async () => {
    await bridge?.close();
    await server?.close();
  });

  describe('request shape', () => {
    it('POSTs the CmdletInput JSON to InvokeCommand with the headers of the official module', async () => {
      await start([
        ok([{ Identity: 'alice', SmtpClientAuthenticationDisabled: null }], {
          '@adminapi.warnings': ['Micro delay applied'],
        }),
      ]);
      const result = await bridge.invoke('Get-CASMailbox', { Identity: 'alice@contoso.com', ResultSize: 'Unlimited' });

      expect(result).toEqual({
        rows: [{ Identity: 'alice', SmtpClientAuthenticationDisabled: null }],
        warnings: ['Micro delay applied'],
      });
      expect(server.requests).toHaveLength(1);
      const request = server.requests[0]!;
      expect(request.method).toBe('POST');
      expect(request.path).toBe(INVOKE_PATH);
      expect(request.headers).toMatchObject({
        authorization: `Bearer ${TOKEN}`,
        'x-anchormailbox': ANCHOR,
        'x-cmdletname': 'Get-CASMailbox',
        'x-clientapplication': 'exoform',
        'x-responseformat': 'json',
        prefer: 'odata.maxpagesize=1000',
        'content-type': 'application/json',
        'user-agent': 'exoform',
      });
      expect(request.headers['client-request-id']).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(request.body).toBe(
        '{"CmdletInput":{"CmdletName":"Get-CASMailbox","Parameters":{"Identity":"alice@contoso.com","ResultSize":"Unlimited"}}}',
      );
    });

    it('sends switches as true and $null as JSON null, and honours pageSize, anchorMailbox and userAgent', async () => {
      await start([ok()], { pageSize: 250, anchorMailbox: 'UPN:admin@contoso.com', userAgent: 'exoform/1.2.3' });
      await bridge.invoke('Set-CASMailbox', {
        Identity: 'bob',
        SmtpClientAuthenticationDisabled: null,
        Confirm: false,
        Force: true,
      });
      expect(server.json(0)).toEqual({
        CmdletInput: {
          CmdletName: 'Set-CASMailbox',
          Parameters: { Identity: 'bob', SmtpClientAuthenticationDisabled: null, Confirm: false, Force: true },
        },
      });
      expect(server.requests[0]!.headers).toMatchObject({
        prefer: 'odata.maxpagesize=250',
        'x-anchormailbox': 'UPN:admin@contoso.com',
        'user-agent': 'exoform/1.2.3',
      });
    });

    it('delivers hostile parameter values byte-exact inside the JSON body', async () => {
      const hostile = {
        Quotes: `it's "quoted" ''doubled''`,
        Semicolon: 'alice; Remove-Mailbox bob -Confirm:$false',
        Subexpression: '$(Remove-Mailbox x)',
        Backticks: '`$env:PATH` `n `0',
        Newlines: 'line1\nline2\r\nline3\u2028\u2029',
        Unicode: 'Zoë 日本語 🚀 مرحبا \u0000 \u200b',
        LoneSurrogate: 'broken \ud800 pair',
        JsonBreakout: '"}},"CmdletInput":{"CmdletName":"Remove-Mailbox',
        Big: 'x'.repeat(10 * 1024) + 'END',
        Nested: { Add: ['a@contoso.com', '$(evil)'], Remove: [] },
        Number: 42.5,
      };
      await start([ok()]);
      await bridge.invoke('Set-AuthenticationPolicy', hostile);

      const raw = server.requests[0]!.body;
      expect(raw).toBe(
        JSON.stringify({ CmdletInput: { CmdletName: 'Set-AuthenticationPolicy', Parameters: hostile } }),
      );
      expect(server.json(0).CmdletInput.Parameters).toEqual(hostile);
      expect(server.json(0).CmdletInput.CmdletName).toBe('Set-AuthenticationPolicy');
      expect(Buffer.byteLength(raw)).toBeGreaterThan(10 * 1024);
    });

    it('uses a fresh client-request-id for every HTTP request', async () => {
      await start([ok(), ok()]);
      await bridge.invoke('Get-TransportConfig', {});
      await bridge.invoke('Get-TransportConfig', {});
      expect(server.requests[0]!.headers['client-request-id']).not.toBe(
        server.requests[1]!.headers['client-request-id'],
      );
    });

    it('refuses a malformed cmdlet name or a value JSON cannot carry without sending anything', async () => {
      await start([]);
      await expect(bridge.invoke('Get-Mailbox; Remove-Mailbox', {})).rejects.toBeInstanceOf(InvalidInputError);
      await expect(bridge.invoke('Get-Mailbox\r\nX-Injected: 1', {})).rejects.toBeInstanceOf(InvalidInputError);
      await expect(bridge.invoke('Get-CASMailbox', { ResultSize: Number.NaN })).rejects.toThrow(/-ResultSize is NaN/);
      await expect(bridge.invoke('Get-CASMailbox', { Identity: undefined as never })).rejects.toBeInstanceOf(
        InvalidInputError,
      );
      expect(server.requests).toHaveLength(0);
    });
  });

  describe('organization', () => {
    it('accepts a tenant id and puts it in the path', async () => {
      const tenantId = '72f988bf-86f1-41af-91ab-2d7cd011db47';
      await start([ok()], { organization: tenantId });
      await bridge.invoke('Get-TransportConfig', {});
      expect(server.requests[0]!.path).toBe(`/adminapi/beta/${tenantId}/InvokeCommand`);
      expect(server.requests[0]!.headers['x-anchormailbox']).toBe(
        `APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@${tenantId}`,
      );
    });

    it.each([
      '',
      '   ',
      'contoso',
      'contoso.com/../../evil',
      'contoso.com?x=1',
      'contoso.com#x',
      'a b.com',
      '..',
      'contoso.onmicrosoft.com/',
      '%2e%2e',
      '-bad.com',
      '1.2.3.4',
      'x'.repeat(64) + '.com',
    ])('refuses organization %j with a ConfigurationError naming the setting', (organization) => {
      const error = captureError(() => new RestBridge({ organization, tokenProvider: new StaticTokenProvider(TOKEN) }));
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).attributes).toEqual(['organization']);
      expect((error as ConfigurationError).message).toContain('`organization`');
      expect((error as ConfigurationError).remedy).toContain('contoso.onmicrosoft.com');
    });

    it('accepts domains with hyphens, digits and punycode labels', () => {
      for (const organization of [
        'contoso-ltd.onmicrosoft.com',
        'xn--bcher-kva.example',
        'a1.b2.co.uk',
        'CONTOSO.ONMICROSOFT.COM',
      ]) {
        expect(new RestBridge({ organization, tokenProvider: new StaticTokenProvider(TOKEN) }).organization).toBe(
          organization,
        );
      }
    });

    it('percent-encodes the organization as one path segment', () => {
      expect(adminApiPath('a/b?c#d', 'InvokeCommand')).toBe('/adminapi/beta/a%2Fb%3Fc%23d/InvokeCommand');
      expect(adminApiPath(ORG, '$batch')).toBe(`/adminapi/beta/${ORG}/$batch`);
    });
  });

  describe('endpoint', () => {
    it.each([
      'http://outlook.office365.com',
      'http://10.0.0.5:8080',
      'http://localhost.evil.com',
      'http://127.0.0.1.nip.io',
    ])('refuses plain http to %s and says to use https', (endpoint) => {
      const error = captureError(
        () => new RestBridge({ organization: ORG, tokenProvider: new StaticTokenProvider(TOKEN), endpoint }),
      ) as ConfigurationError;
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.attributes).toEqual(['endpoint']);
      expect(error.message).toContain('plain http');
      expect(error.remedy).toContain('https://');
    });

    it.each([
      'http://127.0.0.1:8080',
      'http://127.1.2.3',
      'http://localhost:3000',
      'http://[::1]:3000',
      'https://outlook.office365.us',
      'https://outlook.office365.com/',
    ])('accepts %s', (endpoint) => {
      expect(
        () => new RestBridge({ organization: ORG, tokenProvider: new StaticTokenProvider(TOKEN), endpoint }),
      ).not.toThrow();
    });

    it('refuses paths, queries, other schemes and credentials without echoing the credentials', () => {
      for (const endpoint of [
        'https://outlook.office365.com/adminapi',
        'https://outlook.office365.com?x=1',
        'ftp://outlook.office365.com',
        'not a url',
        'https://user:hunter22@outlook.office365.com',
      ]) {
        const error = captureError(
          () => new RestBridge({ organization: ORG, tokenProvider: new StaticTokenProvider(TOKEN), endpoint }),
        ) as ConfigurationError;
        expect(error).toBeInstanceOf(ConfigurationError);
        expect(error.attributes).toEqual(['endpoint']);
        expect(`${error.message} ${error.remedy}`).not.toContain('hunter22');
      }
    });
  });

  describe('paging', () => {
    it('follows @odata.nextLink across 3 pages, POSTing the same body, and concatenates rows and warnings', async () => {
      await start([]);
      const next = (token: string) => `${server.url}/adminapi/beta/${ORG}/InvokeCommand?%24skiptoken=${token}`;
      server.setResponder(
        script(
          ok([{ n: 1 }, { n: 2 }], { '@odata.nextLink': next('page2'), '@adminapi.warnings': ['first'] }),
          ok([{ n: 3 }], { '@odata.nextLink': next('page3') }),
          ok([{ n: 4 }], { '@adminapi.warnings': ['last'] }),
        ),
      );
      const result = await bridge.invoke('Get-CASMailbox', { ResultSize: 'Unlimited' });

      expect(result.rows).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
      expect(result.warnings).toEqual(['first', 'last']);
      expect(server.requests.map((request) => request.path)).toEqual([
        INVOKE_PATH,
        `${INVOKE_PATH}?%24skiptoken=page2`,
        `${INVOKE_PATH}?%24skiptoken=page3`,
      ]);
      for (const request of server.requests) {
        expect(request.method).toBe('POST');
        expect(request.body).toBe(server.requests[0]!.body);
        expect(request.headers).toMatchObject({ authorization: `Bearer ${TOKEN}`, 'x-cmdletname': 'Get-CASMailbox' });
      }
    });

    it('follows a relative nextLink on the same origin', async () => {
      await start([
        ok([{ n: 1 }], { '@odata.nextLink': `/adminapi/beta/${ORG}/InvokeCommand?$skiptoken=2` }),
        ok([{ n: 2 }]),
      ]);
      const result = await bridge.invoke('Get-User', {});
      expect(result.rows).toEqual([{ n: 1 }, { n: 2 }]);
      expect(server.requests[1]!.path).toBe(`${INVOKE_PATH}?$skiptoken=2`);
    });

    it.each([
      ['another port on the same host', (_own: string, other: string) => `${other}${INVOKE_PATH}?$skiptoken=2`],
      [
        'another scheme on the same host and port',
        (own: string) => `${own.replace('http:', 'https:')}${INVOKE_PATH}?$skiptoken=2`,
      ],
      ['another host', () => `https://evil.example${INVOKE_PATH}?$skiptoken=2`],
      ['a protocol-relative link', () => `//evil.example${INVOKE_PATH}`],
    ])('refuses a nextLink to %s, so the token is never sent there', async (_name, link) => {
      const elsewhere = await ExchangeTestServer.start(script(ok([{ stolen: true }])));
      try {
        await start([]);
        server.setResponder(script(ok([{ n: 1 }], { '@odata.nextLink': link(server.url, elsewhere.url) })));
        const error = (await bridge.invoke('Get-User', {}).catch((e: unknown) => e)) as ServiceBugError;
        expect(error).toBeInstanceOf(ServiceBugError);
        expect(error.message).toContain('Refused to follow @odata.nextLink');
        expect(server.requests).toHaveLength(1);
        expect(elsewhere.requests).toHaveLength(0);
      } finally {
        await elsewhere.close();
      }
    });

    it('retries a throttled page without repeating the pages before it', async () => {
      await start([
        ok([{ n: 1 }], { '@odata.nextLink': `/adminapi/beta/${ORG}/InvokeCommand?p=2` }),
        { status: 429, headers: { 'Retry-After': '2' } },
        ok([{ n: 2 }]),
      ]);
      const result = await bridge.invoke('Get-User', {});
      expect(result.rows).toEqual([{ n: 1 }, { n: 2 }]);
      expect(server.requests.map((request) => request.path)).toEqual([
        INVOKE_PATH,
        `${INVOKE_PATH}?p=2`,
        `${INVOKE_PATH}?p=2`,
      ]);
      expect(clock.sleeps).toEqual([2000]);
    });

    it('follows only the nextLink the parsed page gives: a link inside a row is never requested', async () => {
      // A row carrying the key: tenant data, not a page link; the page itself has none, so the read ends here.
      const decoy = `/adminapi/beta/${ORG}/InvokeCommand?p=decoy`;
      await start([]);
      server.setResponder((request) =>
        request.path.endsWith('p=decoy') ? ok([{ stolen: true }]) : ok([{ n: 1, more: { '@odata.nextLink': decoy } }]),
      );
      const result = await bridge.invoke('Get-User', {});
      expect(result.rows).toEqual([{ n: 1, more: { '@odata.nextLink': decoy } }]);
      expect(server.requests.map((request) => request.path)).toEqual([INVOKE_PATH]);
    });

    it('a page that fails inside a 200 fails the call with its own error, and the page it links to is not asked for', async () => {
      await start([]);
      server.setResponder((request) =>
        request.path.endsWith('p=2')
          ? ok([{ n: 2 }])
          : ok([], {
              '@odata.nextLink': `/adminapi/beta/${ORG}/InvokeCommand?p=2`,
              '@adminapi.errors': [{ ErrorCode: 'BadThing', Message: 'the cmdlet failed on the first page' }],
            }),
      );
      const error = (await bridge.invoke('Get-User', {}).catch((e: unknown) => e)) as Error;
      expect(error).not.toBeInstanceOf(CancelledError);
      expect(error.message).toContain('the cmdlet failed on the first page');
      expect(server.requests.map((request) => request.path)).toEqual([INVOKE_PATH]);
    });

    it('stops when the service returns the same nextLink again', async () => {
      const link = `/adminapi/beta/${ORG}/InvokeCommand?p=2`;
      await start([ok([], { '@odata.nextLink': link }), ok([], { '@odata.nextLink': link })]);
      await expect(bridge.invoke('Get-User', {})).rejects.toThrow(/same @odata.nextLink twice/);
    });
  });

  describe('error mapping', () => {
    const notFound = exchangeError(
      'NotFound',
      'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException',
      "The operation couldn't be performed because object 'ghost@contoso.com' couldn't be found on 'AM0PR01MB1234.EURPRD01.PROD.OUTLOOK.COM'.",
    );

    it('404 with an Exchange error → NotFoundError with the human text, not retried', async () => {
      await start([{ status: 404, body: notFound }]);
      const error = (await bridge
        .invoke('Get-CASMailbox', { Identity: 'ghost@contoso.com' })
        .catch((e: unknown) => e)) as NotFoundError;
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error.message).toBe(
        "The operation couldn't be performed because object 'ghost@contoso.com' couldn't be found on 'AM0PR01MB1234.EURPRD01.PROD.OUTLOOK.COM'.",
      );
      expect(error.cmdlet).toBe('Get-CASMailbox');
      expect(error.remedy).toContain(ORG);
      expect(server.requests).toHaveLength(1);
    });

    it('404 without an Exchange error (wrong URL) → UnreachableError, never NotFound (which would drop state)', async () => {
      await start([{ status: 404, body: '<html>Not Found</html>' }]);
      const error = (await bridge.invoke('Get-CASMailbox', {}).catch((e: unknown) => e)) as UnreachableError;
      expect(error).toBeInstanceOf(UnreachableError);
      expect(error.remedy).toContain('`endpoint`');
    });

    it('429 → waits Retry-After seconds exactly, then succeeds', async () => {
      await start([
        {
          status: 429,
          headers: { 'Retry-After': '5' },
          body: {
            error: {
              code: 'TooManyRequests',
              message:
                'You have reached the maximum number of concurrent requests per tenant. Please wait and try again',
            },
          },
        },
        ok([{ ok: true }]),
      ]);
      await expect(bridge.invoke('Get-TransportConfig', {})).resolves.toEqual({ rows: [{ ok: true }], warnings: [] });
      expect(clock.sleeps).toEqual([5000]);
      expect(retries[0]).toMatchObject({ attempt: 1, delayMs: 5000 });
    });

    it('429 whose Retry-After exceeds the wait bound → ThrottledError at once', async () => {
      await start([{ status: 429, headers: { 'Retry-After': '900' } }]);
      const error = (await bridge.invoke('Get-TransportConfig', {}).catch((e: unknown) => e)) as ThrottledError;
      expect(error).toBeInstanceOf(ThrottledError);
      expect(error.retryAfterMs).toBe(900_000);
      expect(error.remedy).toMatch(/parallelism/);
      expect(clock.sleeps).toEqual([]);
    });

    it('401 → asks the token provider for a forced refresh once and retries with the new token', async () => {
      const tokens = new CountingTokenProvider();
      await start([{ status: 401 }, ok([{ ok: true }])], { tokenProvider: tokens });
      await bridge.invoke('Get-TransportConfig', {});
      expect(tokens.requests.map((request) => request.forceRefresh)).toEqual([false, true]);
      expect(server.requests.map((request) => request.headers.authorization)).toEqual([
        'Bearer token-1',
        'Bearer token-2',
      ]);
    });

    it('401 twice → AuthenticationError with the service reason and a remedy', async () => {
      const tokens = new CountingTokenProvider();
      const refused = {
        status: 401,
        headers: { 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="The token is expired"' },
      };
      await start([refused, refused], { tokenProvider: tokens });
      const error = (await bridge.invoke('Get-TransportConfig', {}).catch((e: unknown) => e)) as AuthenticationError;
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error.status).toBe(401);
      expect(error.message).toContain('The token is expired');
      expect(error.remedy).toContain('Exchange.ManageAsApp');
      expect(server.requests).toHaveLength(2);
    });

    it('401 with a static token: one retry after a pause, then an AuthenticationError telling the user to supply a fresh token', async () => {
      await start([{ status: 401 }, { status: 401 }]);
      const error = (await bridge.invoke('Get-TransportConfig', {}).catch((e: unknown) => e)) as AuthenticationError;
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error.message).toContain('`access_token` twice');
      expect(error.message).toContain('no readable `exp` claim');
      expect(error.remedy).toMatch(/fresh token.*client_id/);
      expect(server.requests).toHaveLength(2);
    });

    it('a single 401 with a static token is survived: the same token is sent once more', async () => {
      await start([{ status: 401 }, { status: 200, body: { value: [{ Identity: 'x' }] } }]);
      await expect(bridge.invoke('Get-TransportConfig', {})).resolves.toEqual({
        rows: [{ Identity: 'x' }],
        warnings: [],
      });
      expect(server.requests).toHaveLength(2);
    });

    it('403 → AuthenticationError about roles, not retried', async () => {
      await start([{ status: 403, body: { error: { code: 'Forbidden', message: 'The user is not authorized' } } }]);
      const error = (await bridge.invoke('Set-TransportConfig', {}).catch((e: unknown) => e)) as AuthenticationError;
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error.status).toBe(403);
      expect(error.remedy).toContain('Exchange Administrator');
      expect(server.requests).toHaveLength(1);
    });

    it('400 → InvalidInputError with the service message, not retried', async () => {
      const body = exchangeError(
        'BadRequest',
        'Microsoft.Exchange.Management.Tasks.NameAlreadyExistsException',
        "An authentication policy named 'Block' already exists.",
      );
      await start([{ status: 400, body }]);
      const error = (await bridge
        .invoke('New-AuthenticationPolicy', { Name: 'Block' })
        .catch((e: unknown) => e)) as InvalidInputError;
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error.message).toBe("An authentication policy named 'Block' already exists. [NameAlreadyExistsException]");
      expect(server.requests).toHaveLength(1);
    });

    it('500 "Object reference not set" → ServiceBugError, not retried (the caller decides)', async () => {
      const body = exchangeError(
        'InternalServerError',
        'System.NullReferenceException',
        'Object reference not set to an instance of an object.',
      );
      await start([{ status: 500, body }]);
      const error = (await bridge
        .invoke('Set-AuthenticationPolicy', { Identity: 'Block' })
        .catch((e: unknown) => e)) as ServiceBugError;
      expect(error).toBeInstanceOf(ServiceBugError);
      expect(error.message).toContain('Object reference not set to an instance of an object');
      expect(error.remedy).toMatch(/client-request-id [0-9a-f-]{36}/);
      expect(server.requests).toHaveLength(1);
    });

    it('500 with a transient exception → retried with backoff', async () => {
      const body = exchangeError(
        'InternalServerError',
        'Microsoft.Exchange.Data.Directory.DCOverloadedException',
        'The directory is busy.',
      );
      await start([{ status: 500, body }, ok([{ ok: true }])]);
      await expect(bridge.invoke('Get-User', {})).resolves.toMatchObject({ rows: [{ ok: true }] });
      expect(clock.sleeps).toEqual([2000]);
    });

    it('503 five times → TransientError after 2/4/8/16 s', async () => {
      const unavailable = { status: 503, body: 'Service Unavailable' };
      await start([unavailable, unavailable, unavailable, unavailable, unavailable]);
      const error = await bridge.invoke('Get-User', {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientError);
      expect((error as TransientError).message).toContain('HTTP 503');
      expect(server.requests).toHaveLength(5);
      expect(clock.sleeps).toEqual([2000, 4000, 8000, 16000]);
    });

    it('504 then success → retried', async () => {
      await start([{ status: 504 }, ok()]);
      await expect(bridge.invoke('Get-User', {})).resolves.toEqual({ rows: [], warnings: [] });
      expect(server.requests).toHaveLength(2);
    });

    it('a connection reset mid-call is transient and retried', async () => {
      await start([{ destroy: true }, ok([{ ok: true }])]);
      await expect(bridge.invoke('Get-User', {})).resolves.toMatchObject({ rows: [{ ok: true }] });
      expect(retries[0]!.error).toBeInstanceOf(TransientError);
      expect(retries[0]!.error.message).toContain('ECONNRESET');
    });

    it('a 200 that is not JSON → ServiceBugError', async () => {
      await start([{ status: 200, body: '<html>captive portal</html>' }]);
      await expect(bridge.invoke('Get-User', {})).rejects.toBeInstanceOf(ServiceBugError);
    });
  });

  describe('network', () => {
    it('connection refused → UnreachableError naming the endpoint, not retried', async () => {
      const port = await closedPort();
      const endpoint = `http://127.0.0.1:${port}`;
      bridge = new RestBridge({ organization: ORG, tokenProvider: new StaticTokenProvider(TOKEN), endpoint, clock });
      const error = (await bridge.invoke('Get-User', {}).catch((e: unknown) => e)) as UnreachableError;
      expect(error).toBeInstanceOf(UnreachableError);
      expect(error.message).toBe(`Could not reach ${endpoint}: connection refused (ECONNREFUSED).`);
      expect(error.remedy).toContain('`endpoint`');
      expect(clock.sleeps).toEqual([]);
    });

    it('an untrusted TLS certificate → UnreachableError about TLS', async () => {
      const certificate = makeCertificate({ commonName: '127.0.0.1' });
      server = await ExchangeTestServer.start(script(ok()), { key: certificate.keyPem, cert: certificate.certPem });
      bridge = new RestBridge({
        organization: ORG,
        tokenProvider: new StaticTokenProvider(TOKEN),
        endpoint: server.url,
        clock,
      });
      const error = (await bridge.invoke('Get-User', {}).catch((e: unknown) => e)) as UnreachableError;
      expect(error).toBeInstanceOf(UnreachableError);
      expect(error.message).toMatch(/TLS failure \((DEPTH_ZERO_SELF_SIGNED_CERT|ERR_TLS_CERT_ALTNAME_INVALID)/);
      expect(error.remedy).toContain('NODE_EXTRA_CA_CERTS');
      expect(server.requests).toHaveLength(0);
    });

    it('a request that gets no answer in time ends with TransientError', async () => {
      await start([{ hang: true }], { requestTimeoutMs: 50, retry: { maxAttempts: 1 } });
      const error = await bridge.invoke('Set-CASMailbox', {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientError);
      expect((error as TransientError).message).toContain('No complete response');
    });

    it('aborting cancels an in-flight call promptly with CancelledError', async () => {
      await start([{ hang: true }]);
      const controller = new AbortController();
      const call = bridge.invoke('Get-User', {}, { signal: controller.signal });
      await waitFor(() => server.requests.length === 1);
      controller.abort();
      const error = await call.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CancelledError);
      expect((error as CancelledError).cmdlet).toBe('Get-User');
    });

    it('aborting cancels a retry wait', async () => {
      await start([{ status: 429, headers: { 'Retry-After': '60' } }]);
      const sleeping = clock.holdSleeps();
      const controller = new AbortController();
      const call = bridge.invoke('Get-User', {}, { signal: controller.signal });
      await sleeping;
      controller.abort();
      await expect(call).rejects.toBeInstanceOf(CancelledError);
      expect(server.requests).toHaveLength(1);
    });
  });

  describe('logging', () => {
    it('logs calls and retries but never the token or secret-looking parameter values', async () => {
      const lines: Array<{ level: LogLevel; message: string; fields: LogFields }> = [];
      await start([{ status: 503 }, ok()], {
        logger: (level, message, fields) => lines.push({ level, message, fields }),
      });
      await bridge.invoke('Set-Thing', {
        Identity: 'alice',
        Password: 'Sup3r-S3cret!',
        ClientSecret: 'abc~secret~xyz',
        Note: 'visible',
      });

      const logged = JSON.stringify(lines);
      expect(logged).not.toContain(TOKEN);
      expect(logged).not.toContain('Sup3r-S3cret!');
      expect(logged).not.toContain('abc~secret~xyz');
      expect(logged).toContain('visible');
      expect(logged).toContain('[redacted]');
      expect(lines.some((line) => line.level === 'warn' && line.message.includes('retrying'))).toBe(true);
      expect(lines.some((line) => line.fields['requestId'] !== undefined && line.fields['status'] === 503)).toBe(true);
    });
  });

  it('close() can be called twice, and the bridge still works afterwards', async () => {
    await start([ok(), ok()]);
    await bridge.invoke('Get-User', {});
    await bridge.close();
    await bridge.close();
    await expect(bridge.invoke('Get-User', {})).resolves.toEqual({ rows: [], warnings: [] });
  });
});

function captureError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}
