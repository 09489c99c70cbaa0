import {
  AuthenticationError,
  CancelledError,
  InvalidInputError,
  NotFoundError,
  ServiceBugError,
  ThrottledError,
  TransientError,
  type ExchangeError,
} from '../../../src/bridge/errors';
import type { CmdletResult } from '../../../src/bridge/bridge';
import { RestBridge } from '../../../src/bridge/rest/rest-bridge';
import { StaticTokenProvider } from '../../../src/bridge/rest/token-provider';
import {
  exchangeError,
  ExchangeTestServer,
  ok,
  type RecordedRequest,
  type Reply,
} from '../helpers/exchange-test-server';
import { FakeClock } from '../helpers/fake-clock';

const ORG = 'contoso.onmicrosoft.com';
const TOKEN = 'batch-test-token';
const BATCH_PATH = `/adminapi/beta/${ORG}/$batch`;
const INVOKE_PATH = `/adminapi/beta/${ORG}/InvokeCommand`;

interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: { CmdletInput: { CmdletName: string; Parameters: Record<string, unknown> } };
}

type ItemReply = { status: number; headers?: Record<string, string>; body?: unknown };

/** A $batch responder: `answer` decides each item's response from its Identity and how often it was seen. */
function batchResponder(answer: (identity: string, seen: number) => ItemReply) {
  const seen = new Map<string, number>();
  return (request: RecordedRequest): Reply => {
    if (request.path !== BATCH_PATH) return ok([{ page: 2 }]);
    const { requests } = JSON.parse(request.body) as { requests: BatchItem[] };
    const responses = requests.map((item) => {
      const identity = String(item.body.CmdletInput.Parameters['Identity']);
      const count = (seen.get(identity) ?? 0) + 1;
      seen.set(identity, count);
      return { id: item.id, ...answer(identity, count) };
    });
    return { status: 200, body: { responses: responses.reverse() } }; // order is not guaranteed
  };
}

const rows = (identity: string): ItemReply => ({
  status: 200,
  body: { value: [{ Identity: identity }], '@adminapi.warnings': [`warned ${identity}`] },
});
const mailboxRequests = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    cmdlet: 'Set-CASMailbox',
    parameters: { Identity: `user${i + 1}`, SmtpClientAuthenticationDisabled: true },
  }));

describe('RestBridge.invokeBatch', () => {
  let server: ExchangeTestServer;
  let bridge: RestBridge;
  let clock: FakeClock;

  const start = async (respond: (request: RecordedRequest) => Reply, maxTotalWaitMs?: number): Promise<void> => {
    clock = new FakeClock();
    server = await ExchangeTestServer.start(respond);
    bridge = new RestBridge({
      organization: ORG,
      tokenProvider: new StaticTokenProvider(TOKEN),
      endpoint: server.url,
      clock,
      retry: { maxTotalWaitMs },
    });
  };

  afterEach(async () => {
    await bridge?.close();
    await server?.close();
  });

  it('sends one $batch with continue-on-error and per-item InvokeCommand requests in the observed form', async () => {
    await start(batchResponder((identity) => rows(identity)));
    const results = await bridge.invokeBatch([
      { cmdlet: 'Get-CASMailbox', parameters: { Identity: 'alice' } },
      { cmdlet: 'Set-CASMailbox', parameters: { Identity: 'bob', SmtpClientAuthenticationDisabled: null } },
    ]);

    expect(results).toEqual([
      { rows: [{ Identity: 'alice' }], warnings: ['warned alice'] },
      { rows: [{ Identity: 'bob' }], warnings: ['warned bob'] },
    ]);
    expect(server.requests).toHaveLength(1);
    const request = server.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe(BATCH_PATH);
    expect(request.headers).toMatchObject({
      authorization: `Bearer ${TOKEN}`,
      prefer: 'odata.continue-on-error',
      'content-type': 'application/json',
    });
    // CIPP's New-ExoBulkRequest and the module: absolute item URLs and the full header set, Authorization included.
    const fullHeaders = {
      Authorization: `Bearer ${TOKEN}`,
      'X-AnchorMailbox': `APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@${ORG}`,
      'X-ResponseFormat': 'json',
      'client-request-id': expect.stringMatching(/^[0-9a-f-]{36}$/),
      'Content-Type': 'application/json',
      Prefer: 'odata.maxpagesize=1000',
    };
    expect(server.json(0)).toEqual({
      requests: [
        {
          id: '1',
          method: 'POST',
          url: `${server.url}${INVOKE_PATH}`,
          headers: expect.objectContaining({ ...fullHeaders, 'X-CmdletName': 'Get-CASMailbox' }),
          body: { CmdletInput: { CmdletName: 'Get-CASMailbox', Parameters: { Identity: 'alice' } } },
        },
        {
          id: '2',
          method: 'POST',
          url: `${server.url}${INVOKE_PATH}`,
          headers: expect.objectContaining({ ...fullHeaders, 'X-CmdletName': 'Set-CASMailbox' }),
          body: {
            CmdletInput: {
              CmdletName: 'Set-CASMailbox',
              Parameters: { Identity: 'bob', SmtpClientAuthenticationDisabled: null },
            },
          },
        },
      ],
    });
  });

  it("trims each item's rows with the caller's $select on the item URL, as a single call does", async () => {
    await start(batchResponder((identity) => rows(identity)));
    await bridge.invokeBatch([{ cmdlet: 'Get-CASMailbox', parameters: { Filter: "Guid -eq 'x'" } }], {
      select: ['Guid', 'SmtpClientAuthenticationDisabled'],
    });
    const [item] = (server.json(0) as { requests: BatchItem[] }).requests;
    expect(item!.url).toBe(`${server.url}${INVOKE_PATH}?$select=Guid,SmtpClientAuthenticationDisabled`);
  });

  it('maps mixed item statuses and retries only the throttled item, honouring its Retry-After', async () => {
    await start(
      batchResponder((identity, seen) => {
        if (identity === 'ghost') {
          return {
            status: 404,
            body: exchangeError(
              'NotFound',
              'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException',
              "The operation couldn't be performed because object 'ghost' couldn't be found.",
            ),
          };
        }
        if (identity === 'bad')
          return {
            status: 400,
            body: exchangeError(
              'BadRequest',
              'Microsoft.Exchange.Management.Tasks.ParameterBindingException',
              'Cannot bind parameter.',
            ),
          };
        if (identity === 'busy' && seen === 1) return { status: 429, headers: { 'Retry-After': '4' } };
        return rows(identity);
      }),
    );
    const results = await bridge.invokeBatch(
      ['alice', 'ghost', 'busy', 'bad'].map((identity) => ({
        cmdlet: 'Get-CASMailbox',
        parameters: { Identity: identity },
      })),
    );

    expect(results[0]).toEqual({ rows: [{ Identity: 'alice' }], warnings: ['warned alice'] });
    expect(results[1]).toBeInstanceOf(NotFoundError);
    expect((results[1] as NotFoundError).message).toBe(
      "The operation couldn't be performed because object 'ghost' couldn't be found.",
    );
    expect(results[2]).toEqual({ rows: [{ Identity: 'busy' }], warnings: ['warned busy'] });
    expect(results[3]).toBeInstanceOf(InvalidInputError);

    expect(clock.sleeps).toEqual([4000]);
    expect(server.requests).toHaveLength(2);
    const second = server.json(1).requests as BatchItem[];
    expect(second.map((item) => item.body.CmdletInput.Parameters['Identity'])).toEqual(['busy']); // successes not redone
    expect(second[0]!.id).toBe('1');
  });

  it('waits for the longest Retry-After when several items are throttled', async () => {
    await start(
      batchResponder((identity, seen) =>
        seen === 1 ? { status: 429, headers: { 'retry-after': identity === 'a' ? '3' : '9' } } : rows(identity),
      ),
    );
    const results = await bridge.invokeBatch([
      { cmdlet: 'Get-User', parameters: { Identity: 'a' } },
      { cmdlet: 'Get-User', parameters: { Identity: 'b' } },
    ]);
    expect(results.every((result) => !(result instanceof Error))).toBe(true);
    expect(clock.sleeps).toEqual([9000]);
  });

  it('gives a throttled item its ThrottledError when the wait budget runs out', async () => {
    await start(
      batchResponder((identity) =>
        identity === 'busy' ? { status: 429, headers: { 'Retry-After': '600' } } : rows(identity),
      ),
    );
    const results = await bridge.invokeBatch([
      { cmdlet: 'Get-User', parameters: { Identity: 'ok' } },
      { cmdlet: 'Get-User', parameters: { Identity: 'busy' } },
    ]);
    expect(results[0]).toEqual({ rows: [{ Identity: 'ok' }], warnings: ['warned ok'] });
    expect(results[1]).toBeInstanceOf(ThrottledError);
    expect((results[1] as ThrottledError).retryAfterMs).toBe(600_000);
    expect(server.requests).toHaveLength(1);
  });

  it('retries transient items with backoff and leaves each its own error when they never recover', async () => {
    await start(
      batchResponder((identity) =>
        identity === 'flaky'
          ? { status: 503, body: 'unavailable' }
          : {
              status: 500,
              body: exchangeError(
                'InternalServerError',
                'Microsoft.Exchange.Data.Directory.DCOverloadedException',
                'busy',
              ),
            },
      ),
    );
    const results = await bridge.invokeBatch([
      { cmdlet: 'Get-User', parameters: { Identity: 'flaky' } },
      { cmdlet: 'Get-Group', parameters: { Identity: 'overloaded' } },
    ]);
    expect(server.requests).toHaveLength(5);
    expect(clock.sleeps).toEqual([2000, 4000, 8000, 16000]);
    expect(results[0]).toBeInstanceOf(TransientError);
    expect((results[0] as TransientError).cmdlet).toBe('Get-User');
    expect((results[1] as TransientError).message).toContain('DCOverloadedException');
    expect((results[1] as TransientError).cmdlet).toBe('Get-Group');
  });

  it('splits into chunks of at most 10 and keeps results in request order', async () => {
    await start(batchResponder((identity) => rows(identity)));
    const results = (await bridge.invokeBatch(mailboxRequests(23))) as CmdletResult[];
    expect(server.requests.map((request) => (JSON.parse(request.body).requests as unknown[]).length)).toEqual([
      10, 10, 3,
    ]);
    expect(results.map((result) => result.rows[0]!['Identity'])).toEqual(
      Array.from({ length: 23 }, (_, i) => `user${i + 1}`),
    );
  });

  it('fails an invalid item on its own and sends the others', async () => {
    await start(batchResponder((identity) => rows(identity)));
    const results = await bridge.invokeBatch([
      { cmdlet: 'Get-User; Remove-Mailbox', parameters: { Identity: 'x' } },
      { cmdlet: 'Get-User', parameters: { Identity: 'fine' } },
    ]);
    expect(results[0]).toBeInstanceOf(InvalidInputError);
    expect(results[1]).toEqual({ rows: [{ Identity: 'fine' }], warnings: ['warned fine'] });
    expect(server.json(0).requests).toHaveLength(1);
  });

  it('reports an item the batch answer left out as a service bug', async () => {
    await start(() => ({ status: 200, body: { responses: [{ id: '2', status: 200, body: { value: [] } }] } }));
    const results = await bridge.invokeBatch([
      { cmdlet: 'Get-User', parameters: { Identity: 'a' } },
      { cmdlet: 'Get-User', parameters: { Identity: 'b' } },
    ]);
    expect(results[0]).toBeInstanceOf(ServiceBugError);
    expect(results[1]).toEqual({ rows: [], warnings: [] });
  });

  it('follows paging of an item through InvokeCommand', async () => {
    await start(
      batchResponder((identity) => ({
        status: 200,
        body: { value: [{ Identity: identity }], '@odata.nextLink': `${INVOKE_PATH}?$skiptoken=x` },
      })),
    );
    const results = await bridge.invokeBatch([{ cmdlet: 'Get-User', parameters: { Identity: 'paged' } }]);
    expect(results[0]).toEqual({ rows: [{ Identity: 'paged' }, { page: 2 }], warnings: [] });
    expect(server.requests[1]!.path).toBe(`${INVOKE_PATH}?$skiptoken=x`);
    expect(JSON.parse(server.requests[1]!.body)).toEqual({
      CmdletInput: { CmdletName: 'Get-User', Parameters: { Identity: 'paged' } },
    });
  });

  it('gives every item the authentication error of a refused batch (after one retry) and does not send the remaining chunks', async () => {
    await start(() => ({ status: 401 }));
    const results = await bridge.invokeBatch(mailboxRequests(15));
    expect(server.requests).toHaveLength(2);
    expect(results).toHaveLength(15);
    for (const result of results) expect(result).toBeInstanceOf(AuthenticationError);
    expect((results[14] as ExchangeError).message).toContain('`access_token`');
  });

  it('rejects as a whole only when cancelled', async () => {
    await start(() => ({ hang: true }));
    const controller = new AbortController();
    const call = bridge.invokeBatch(mailboxRequests(2), { signal: controller.signal });
    while (server.requests.length === 0) await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(CancelledError);
  });

  it('returns an empty array for no requests without calling the service', async () => {
    await start(() => ({ status: 599 }));
    await expect(bridge.invokeBatch([])).resolves.toEqual([]);
    expect(server.requests).toHaveLength(0);
  });
});
