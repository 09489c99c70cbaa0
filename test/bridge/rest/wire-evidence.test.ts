/**
 * One describe per row of the answer table in src/emulator/FIDELITY.md ("Answer forms"): the emulator produces the
 * form over real HTTP (a start-up dialect or a fault rule's `form`), and the real REST bridge must handle it. A
 * regression in the bridge's handling of any observed answer form fails the describe named after it.
 */
import {
  AuthenticationError,
  InvalidInputError,
  NotFoundError,
  ThrottledError,
  UnreachableError,
} from '../../../src/bridge/errors';
import type { LogFields, LogLevel } from '../../../src/bridge/rest/rest-logging';
import { HttpClient, type HttpPost } from '../../../src/bridge/rest/http-client';
import { defaultTimeoutMs, RestBridge } from '../../../src/bridge/rest/rest-bridge';
import { StaticTokenProvider } from '../../../src/bridge/rest/token-provider';
import { startEmulator, type RunningEmulator } from '../../../src/emulator';
import { CONCURRENCY_SENTENCE } from '../../../src/emulator/answer-forms';
import { userFromRow } from '../../../src/exchange/user-operations';
import { ExchangeTestServer } from '../helpers/exchange-test-server';

const ORG = 'contoso.onmicrosoft.com';
const TOKEN = 'wire-evidence-token';
const NOT_FOUND_TYPE = 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException';

let emulator: RunningEmulator;
let bridge: RestBridge;
let logs: Array<{ level: LogLevel; message: string; fields: LogFields }>;

async function start(dialect?: string): Promise<void> {
  emulator = await startEmulator({ seed: 'demo', token: TOKEN, dialect });
  logs = [];
  bridge = new RestBridge({
    organization: ORG,
    tokenProvider: new StaticTokenProvider(TOKEN),
    endpoint: emulator.url,
    // Short backoffs: the tests check which answers are retried, not how long the module waits.
    retry: { initialBackoffMs: 5 },
    logger: (level, message, fields) => logs.push({ level, message, fields }),
  });
}

afterEach(async () => {
  await bridge?.close();
  await emulator?.close();
});

const failure = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );
const calls = (cmdlet: string): number =>
  emulator.control.calls.list().calls.filter((call) => call.cmdlet === cmdlet).length;

describe('not found, pipe form (404 Ex6F9304|...ManagementObjectNotFoundException|...)', () => {
  it('is a NotFoundError carrying the service text', async () => {
    await start();
    const error = await failure(bridge.invoke('Get-User', { Identity: 'nobody@contoso.com' }));
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).message).toContain("object 'nobody@contoso.com' couldn't be found");
  });
});

describe('error, JSON-in-details form (details[].message = {"Message","TypeName",...})', () => {
  it('recognises not-found by the exception type inside the JSON', async () => {
    await start('json-details');
    const error = await failure(bridge.invoke('Get-User', { Identity: 'nobody@contoso.com' }));
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).message).toContain("object 'nobody@contoso.com' couldn't be found");
    expect((error as NotFoundError).message).not.toContain('TypeName');
  });

  it('recognises already-exists by the exception type inside the JSON', async () => {
    await start('json-details');
    await bridge.invoke('New-AuthenticationPolicy', { Name: 'Block Basic' });
    const error = await failure(bridge.invoke('New-AuthenticationPolicy', { Name: 'Block Basic' }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).message).toMatch(/already exists\. \[ADObjectAlreadyExistsException\]$/);
  });

  it('also when a fault rule asks for that form under the default dialect', async () => {
    await start();
    emulator.control.addFault({
      cmdlet: 'Get-User',
      status: 400,
      form: 'json-details',
      exceptionType: NOT_FOUND_TYPE,
      message: 'gone',
    });
    const error = await failure(bridge.invoke('Get-User', { Identity: 'sean@contoso.com' }));
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).message).toBe('gone');
  });
});

describe('404 with no details ({"error":{"code":"NotFound",...,"innererror":{ODataServiceException}}})', () => {
  it('is a NotFoundError (the OData code is the only clue), not an unreachable endpoint', async () => {
    await start();
    emulator.control.addFault({ cmdlet: 'Get-User', status: 404, form: 'no-details' });
    const error = await failure(bridge.invoke('Get-User', { Identity: 'sean@contoso.com' }));
    expect(error).toBeInstanceOf(NotFoundError);
  });
});

describe('forbidden / unknown cmdlet (403 with an empty or NUL-padded body, reason in x-ms-diagnostics)', () => {
  const diagnostics =
    '2000003;reason="The cmdlet Get-Widget is not available in this session";error_category="invalid_request"';

  it.each(['empty-body', 'nul-body'] as const)(
    '%s: shows x-ms-diagnostics and request-id, blames no missing role, is not retried',
    async (form) => {
      await start();
      emulator.control.addFault({ cmdlet: 'Get-TransportConfig', status: 403, form, diagnostics });
      const error = (await failure(bridge.invoke('Get-TransportConfig', {}))) as AuthenticationError;
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error.status).toBe(403);
      expect(error.message).toContain(`x-ms-diagnostics: ${diagnostics}`.replace('x-ms-diagnostics: ', ''));
      expect(error.message).toMatch(/request-id [0-9a-f-]{36}/);
      expect(error.message).not.toMatch(/\u0000/);
      expect(error.remedy).toContain(`its diagnostics header says: ${diagnostics}`);
      expect(error.remedy).not.toMatch(/^Assign/);
      expect(calls('Get-TransportConfig')).toBe(1);
    },
  );

  it('names a role as the fix only when the answer speaks of permissions', async () => {
    await start();
    emulator.control.addFault({
      cmdlet: 'Get-TransportConfig',
      status: 403,
      form: 'empty-body',
      diagnostics: 'reason="The user is not authorized to run Get-TransportConfig"',
    });
    const error = (await failure(bridge.invoke('Get-TransportConfig', {}))) as AuthenticationError;
    expect(error.remedy).toMatch(/^Assign the app's service principal an Exchange role/);
  });

  it('an empty 403 without the header says so', async () => {
    await start();
    emulator.control.addFault({ cmdlet: 'Get-TransportConfig', status: 403, form: 'empty-body' });
    const error = (await failure(bridge.invoke('Get-TransportConfig', {}))) as AuthenticationError;
    expect(error.message).toContain('with an empty body and no x-ms-diagnostics header');
    expect(error.remedy).toContain('without saying why');
  });
});

describe('throttled (429 + Retry-After; the concurrency sentence retried whatever the status)', () => {
  it('429 with Retry-After is waited out and retried', async () => {
    await start();
    emulator.control.addFault({ cmdlet: 'Get-TransportConfig', status: 429, retryAfterSeconds: 0 });
    const result = await bridge.invoke('Get-TransportConfig', {});
    expect(result.rows).toHaveLength(1);
    expect(calls('Get-TransportConfig')).toBe(2);
  });

  it.each([503, 400, 500])('the sentence under HTTP %i is throttling: retried until it succeeds', async (status) => {
    await start();
    emulator.control.addFault({ cmdlet: 'Get-TransportConfig', status, message: CONCURRENCY_SENTENCE, times: 2 });
    const result = await bridge.invoke('Get-TransportConfig', {});
    expect(result.rows).toHaveLength(1);
    expect(calls('Get-TransportConfig')).toBe(3);
  });

  it('a 400 without the sentence is final (the contrast)', async () => {
    await start();
    emulator.control.addFault({ cmdlet: 'Get-TransportConfig', status: 400, message: 'something else' });
    expect(await failure(bridge.invoke('Get-TransportConfig', {}))).toBeInstanceOf(InvalidInputError);
    expect(calls('Get-TransportConfig')).toBe(1);
  });

  it('when the tries run out it is a ThrottledError', async () => {
    await start();
    emulator.control.addFault({
      cmdlet: 'Get-TransportConfig',
      status: 503,
      message: CONCURRENCY_SENTENCE,
      times: 1000,
    });
    const limited = new RestBridge({
      organization: ORG,
      tokenProvider: new StaticTokenProvider(TOKEN),
      endpoint: emulator.url,
      retry: { initialBackoffMs: 1, maxThrottledRetries: 2 },
    });
    try {
      expect(await failure(limited.invoke('Get-TransportConfig', {}))).toBeInstanceOf(ThrottledError);
    } finally {
      await limited.close();
    }
  });
});

describe('errors inside a 200 (@adminapi.errors)', () => {
  it('fail the call, with the entry text', async () => {
    await start();
    emulator.control.addFault({ cmdlet: 'Set-TransportConfig', status: 200, message: 'The value could not be saved.' });
    const error = await failure(bridge.invoke('Set-TransportConfig', { SmtpClientAuthenticationDisabled: true }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).message).toContain('@adminapi.errors');
    expect((error as InvalidInputError).message).toContain('The value could not be saved.');
  });

  it('are classified by their exception type (not found), in the JSON-in-details form too', async () => {
    await start('json-details');
    emulator.control.addFault({ cmdlet: 'Get-User', status: 200, exceptionType: NOT_FOUND_TYPE, message: 'gone' });
    expect(await failure(bridge.invoke('Get-User', { Identity: 'sean@contoso.com' }))).toBeInstanceOf(NotFoundError);
  });

  it('fail a $batch item, not the whole batch', async () => {
    await start();
    emulator.control.addFault({ cmdlet: 'Get-User', status: 200, message: 'item failed', nth: 2 });
    const results = await bridge.invokeBatch([
      { cmdlet: 'Get-User', parameters: { Identity: 'sean@contoso.com' } },
      { cmdlet: 'Get-User', parameters: { Identity: 'chris@contoso.com' } },
    ]);
    expect(results[0]).toMatchObject({ rows: [expect.objectContaining({ UserPrincipalName: 'sean@contoso.com' })] });
    expect(results[1]).toBeInstanceOf(InvalidInputError);
  });
});

describe('warnings (@adminapi.warnings; "There are more results available..." on non-final pages)', () => {
  it('drops the non-final-page warning, keeps every row', async () => {
    await start('page-warnings');
    emulator.control.updateLatency({ pageSize: 2 });
    const all = emulator.tenants()[0]!;
    const result = await bridge.invoke('Get-User', { ResultSize: 'Unlimited' });
    expect(result.rows).toHaveLength(all.mailboxes + all.usersWithoutMailbox);
    expect(result.warnings).toEqual([]);
    expect(
      logs.some((log) => log.level === 'debug' && /dropped \d+ "more results available" warning/.test(log.message)),
    ).toBe(true);
  });

  it('keeps the warnings that are not about paging', async () => {
    await start('page-warnings');
    await bridge.invoke('New-AuthenticationPolicy', { Name: 'Same' });
    const result = await bridge.invoke('Set-AuthenticationPolicy', { Identity: 'Same' });
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).not.toMatch(/more results/);
  });
});

describe('rate headers (Rate-Limit-Limit / -Remaining / -Reset)', () => {
  it('are logged at debug and never reach the result', async () => {
    await start('rate-headers');
    const result = await bridge.invoke('Get-TransportConfig', {});
    expect(result.warnings).toEqual([]);
    const answered = logs.find((log) => log.message === 'Get-TransportConfig answered HTTP 200')!;
    expect(answered.level).toBe('debug');
    expect(answered.fields).toMatchObject({
      rateLimitLimit: '10000',
      rateLimitRemaining: expect.stringMatching(/^\d+$/),
      rateLimitReset: expect.stringMatching(/^\d+$/),
    });
    expect(logs.filter((log) => log.level !== 'debug' && JSON.stringify(log).includes('rateLimit'))).toEqual([]);
  });
});

describe('timeouts (960 s per call; 1,800 s for Set-OrganizationConfig)', () => {
  it('each request goes out with the module timeout of its cmdlet', async () => {
    await start();
    const seen: Array<[string | undefined, number]> = [];
    const post = HttpClient.prototype.post;
    const spy = jest.spyOn(HttpClient.prototype, 'post').mockImplementation(function (
      this: HttpClient,
      request: HttpPost,
    ) {
      seen.push([request.cmdlet, request.timeoutMs]);
      return post.call(this, request);
    });
    try {
      await bridge.invoke('Get-OrganizationConfig', {});
      await bridge.invoke('Set-OrganizationConfig', { DefaultAuthenticationPolicy: null });
      await bridge.invokeBatch([
        { cmdlet: 'Get-User', parameters: { Identity: 'sean@contoso.com' } },
        { cmdlet: 'Set-OrganizationConfig', parameters: { DefaultAuthenticationPolicy: null } },
      ]);
    } finally {
      spy.mockRestore();
    }
    expect(seen).toEqual([
      ['Get-OrganizationConfig', 960_000],
      ['Set-OrganizationConfig', 1_800_000],
      ['$batch', 1_800_000],
    ]);
    expect(defaultTimeoutMs('set-organizationconfig')).toBe(1_800_000);
  });
});

describe('regional redirect (3xx to a tenant-specific host of the same cloud)', () => {
  it('is followed with Authorization, and later requests go straight to the tenant-specific host', async () => {
    await start('redirect');
    expect(emulator.tenantHostUrl).toBeDefined();
    expect((await bridge.invoke('Get-TransportConfig', {})).rows).toHaveLength(1);
    const redirected = logs.filter((log) => /answered HTTP 302/.test(log.message)).length;
    expect(redirected).toBe(1);
    expect((await bridge.invoke('Get-User', { Identity: 'sean@contoso.com' })).rows).toHaveLength(1);
    expect(logs.filter((log) => /answered HTTP 302/.test(log.message))).toHaveLength(1);
    expect(logs.some((log) => log.level === 'info' && log.message.includes(emulator.tenantHostUrl!))).toBe(true);
  });

  it('a redirect fault rule (one call) is followed the same way', async () => {
    await start();
    emulator.control.addFault({ cmdlet: 'Get-TransportConfig', status: 307 });
    expect((await bridge.invoke('Get-TransportConfig', {})).rows).toHaveLength(1);
    expect(calls('Get-TransportConfig')).toBe(2);
  });

  it('a redirect to a host outside the cloud is refused and the token is not sent there', async () => {
    const elsewhere = await ExchangeTestServer.start(() => ({ status: 200, body: { value: [] } }));
    const server = await ExchangeTestServer.start(() => ({
      status: 302,
      headers: { Location: `https://outlook.example.net/adminapi/beta/${ORG}/InvokeCommand` },
    }));
    const local = new RestBridge({
      organization: ORG,
      tokenProvider: new StaticTokenProvider(TOKEN),
      endpoint: server.url,
    });
    try {
      const error = await failure(local.invoke('Get-TransportConfig', {}));
      expect(error).toBeInstanceOf(UnreachableError);
      expect((error as UnreachableError).message).toContain('https://outlook.example.net');
      expect((error as UnreachableError).message).toContain('not followed');
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await local.close();
      await server.close();
      await elsewhere.close();
    }
  });
});

describe('paging (@odata.nextLink on the same cloud, internal port 446)', () => {
  it('a nextLink on port 446 is followed on the public port, after a redirect too', async () => {
    await start('port-446,redirect');
    emulator.control.updateLatency({ pageSize: 2 });
    const all = emulator.tenants()[0]!;
    const result = await bridge.invoke('Get-User', { ResultSize: 'Unlimited' });
    expect(result.rows).toHaveLength(all.mailboxes + all.usersWithoutMailbox);
    expect(new Set(result.rows.map((row) => row.UserPrincipalName)).size).toBe(result.rows.length);
  });
});

describe('$batch in the observed form (strict-batch: absolute item URLs, full header set)', () => {
  it("the bridge's batches are accepted", async () => {
    await start('strict-batch,redirect');
    const results = await bridge.invokeBatch([
      { cmdlet: 'Get-User', parameters: { Identity: 'sean@contoso.com' } },
      { cmdlet: 'Get-User', parameters: { Identity: 'chris@contoso.com' } },
    ]);
    expect(results.map((result) => ('rows' in result ? result.rows.length : result))).toEqual([1, 1]);
  });

  it('the emulator refuses items in other forms, per item', async () => {
    await start('strict-batch');
    const response = await fetch(`${emulator.url}/adminapi/beta/${ORG}/$batch`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        requests: [
          {
            id: '1',
            method: 'POST',
            url: 'InvokeCommand',
            headers: { Authorization: `Bearer ${TOKEN}` },
            body: { CmdletInput: { CmdletName: 'Get-TransportConfig' } },
          },
          {
            id: '2',
            method: 'POST',
            url: `${emulator.url}/adminapi/beta/${ORG}/InvokeCommand`,
            headers: {},
            body: { CmdletInput: { CmdletName: 'Get-TransportConfig' } },
          },
          {
            id: '3',
            method: 'POST',
            url: `${emulator.url}/adminapi/beta/${ORG}/InvokeCommand`,
            headers: { Authorization: `Bearer ${TOKEN}` },
            body: { CmdletInput: { CmdletName: 'Get-TransportConfig' } },
          },
        ],
      }),
    });
    const { responses } = (await response.json()) as {
      responses: Array<{ id: string; status: number; body: { error?: { message: string } } }>;
    };
    expect(responses.map((item) => item.status)).toEqual([400, 401, 200]);
    expect(responses[0]!.body.error!.message).toContain('unknown');
  });
});

describe('property names read case-insensitively (StsRefreshTokensValidFrom vs STSRefreshTokensValidFrom)', () => {
  it('a Get-User row read through the bridge gives the same user whichever spelling the service uses', async () => {
    await start();
    await bridge.invoke('Set-User', {
      Identity: 'sean@contoso.com',
      STSRefreshTokensValidFrom: '2026-01-02T03:04:05Z',
    });
    const [row] = (await bridge.invoke('Get-User', { Identity: 'sean@contoso.com' })).rows;
    const served = userFromRow(row!);
    expect(served.stsRefreshTokensValidFrom).toMatch(/^2026-01-02T03:04:05/);
    // The catalog's spelling, and an all-lower-case serializer.
    for (const spelling of ['StsRefreshTokensValidFrom', 'stsrefreshtokensvalidfrom']) {
      const { STSRefreshTokensValidFrom: value, ...rest } = row!;
      expect(userFromRow({ ...rest, [spelling]: value! })).toEqual(served);
    }
  });
});

/**
 * Every cmdlet the resources call, answered in every form at once (`strictest`). The forms are generic to the REST
 * transport; these pairs are what `npm run test:strictest` used to reach through terraform, suite by suite.
 */
describe('every cmdlet the resources call, under the strictest dialect (all forms at once)', () => {
  const missing = 'nobody@contoso.com';

  beforeEach(async () => {
    await start('strictest');
    emulator.control.updateLatency({ pageSize: 2 }); // several pages: page-warnings and port-446 nextLinks
  });

  it.each([
    ['Get-User', { ResultSize: 'Unlimited' }],
    ['Get-CASMailbox', { ResultSize: 'Unlimited' }],
  ])('%s -ResultSize Unlimited: every page followed, the paging warning dropped', async (cmdlet, parameters) => {
    const all = emulator.tenants()[0]!;
    const result = await bridge.invoke(cmdlet, parameters);
    expect(result.rows).toHaveLength(cmdlet === 'Get-User' ? all.mailboxes + all.usersWithoutMailbox : all.mailboxes);
    expect(result.warnings).toEqual([]);
    expect(logs.filter((log) => /answered HTTP 302/.test(log.message))).toHaveLength(1);
  });

  it.each([
    ['Get-User', { Identity: missing }],
    ['Get-CASMailbox', { Identity: missing }],
    ['Set-CASMailbox', { Identity: missing, SmtpClientAuthenticationDisabled: false }],
    ['Set-User', { Identity: missing, AuthenticationPolicy: null }],
    ['Get-AuthenticationPolicy', { Identity: 'No Such Policy' }],
    ['Set-AuthenticationPolicy', { Identity: 'No Such Policy', AllowBasicAuthSmtp: true }],
    ['Remove-AuthenticationPolicy', { Identity: 'No Such Policy' }],
  ])('%s for a missing object is a NotFoundError (JSON-in-details)', async (cmdlet, parameters) => {
    const error = await failure(bridge.invoke(cmdlet, parameters));
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).message).not.toContain('TypeName');
  });

  it('the policy cmdlets create, change, assign, make default and remove; reads show each step', async () => {
    const policy = async (): Promise<Record<string, unknown> | undefined> =>
      (await bridge.invoke('Get-AuthenticationPolicy', {})).rows.find((row) => row.Name === 'Strictest Policy');
    await bridge.invoke('New-AuthenticationPolicy', { Name: 'Strictest Policy', AllowBasicAuthSmtp: false });
    expect((await policy())?.AllowBasicAuthSmtp).toBe(false);
    const duplicate = await failure(bridge.invoke('New-AuthenticationPolicy', { Name: 'Strictest Policy' }));
    expect(duplicate).toBeInstanceOf(InvalidInputError);
    await bridge.invoke('Set-AuthenticationPolicy', { Identity: 'Strictest Policy', AllowBasicAuthSmtp: true });
    const [byName] = (await bridge.invoke('Get-AuthenticationPolicy', { Identity: 'Strictest Policy' })).rows;
    expect(byName?.AllowBasicAuthSmtp).toBe(true);

    await bridge.invoke('Set-User', { Identity: 'scanner@contoso.com', AuthenticationPolicy: 'Strictest Policy' });
    const [scanner] = (await bridge.invoke('Get-User', { Identity: 'scanner@contoso.com' })).rows;
    expect(String(scanner?.AuthenticationPolicy)).toMatch(/Strictest Policy/);
    await bridge.invoke('Set-User', { Identity: 'scanner@contoso.com', AuthenticationPolicy: null });

    await bridge.invoke('Set-OrganizationConfig', { DefaultAuthenticationPolicy: 'Strictest Policy' });
    const [org] = (await bridge.invoke('Get-OrganizationConfig', {})).rows;
    expect(String(org?.DefaultAuthenticationPolicy)).toMatch(/Strictest Policy/);
    await bridge.invoke('Set-OrganizationConfig', { DefaultAuthenticationPolicy: null });

    await bridge.invoke('Remove-AuthenticationPolicy', { Identity: 'Strictest Policy' });
    expect(await policy()).toBeUndefined();
  });

  it('Set-TransportConfig and Get-TransportConfig round-trip the org setting', async () => {
    const [before] = (await bridge.invoke('Get-TransportConfig', {})).rows;
    const flipped = before?.SmtpClientAuthenticationDisabled !== true;
    await bridge.invoke('Set-TransportConfig', { SmtpClientAuthenticationDisabled: flipped });
    const [after] = (await bridge.invoke('Get-TransportConfig', {})).rows;
    expect(after?.SmtpClientAuthenticationDisabled).toBe(flipped);
  });

  it('Get-CASMailbox and Set-CASMailbox in $batch requests (the observed item form), per-item failures kept apart', async () => {
    const written = await bridge.invokeBatch([
      {
        cmdlet: 'Set-CASMailbox',
        parameters: { Identity: 'sean@contoso.com', SmtpClientAuthenticationDisabled: false },
      },
      { cmdlet: 'Set-CASMailbox', parameters: { Identity: missing, SmtpClientAuthenticationDisabled: false } },
    ]);
    expect(written[0]).not.toBeInstanceOf(Error);
    expect(written[1]).toBeInstanceOf(NotFoundError);
    const read = await bridge.invokeBatch([
      { cmdlet: 'Get-CASMailbox', parameters: { Identity: 'sean@contoso.com' } },
      { cmdlet: 'Get-User', parameters: { Identity: 'sean@contoso.com' } },
    ]);
    expect(read.map((result) => ('rows' in result ? result.rows.length : result))).toEqual([1, 1]);
    expect('rows' in read[0] && read[0].rows[0]?.SmtpClientAuthenticationDisabled).toBe(false);
  });
});
