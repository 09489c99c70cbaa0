/**
 * The emulator side of the answer dialects: choosing them (startEmulator, the CLI flag) and the per-rule forms, over
 * real HTTP. How the bridge handles each form is tested in test/bridge/rest/wire-evidence.test.ts.
 */
import { parseEmulatorArgs } from '../../src/cli/emulator-command';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { DIALECT_FORMS, parseDialect } from '../../src/emulator/answer-forms';

const TOKEN = 'answer-forms-token';
const ORG = 'contoso.onmicrosoft.com';

describe('answer dialects', () => {
  let emulator: RunningEmulator | undefined;
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });

  const post = (base: string, cmdlet: string, parameters: Record<string, unknown> = {}): Promise<Response> =>
    fetch(`${base}/adminapi/beta/${ORG}/InvokeCommand`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ CmdletInput: { CmdletName: cmdlet, Parameters: parameters } }),
      redirect: 'manual',
    });

  it('parses forms and the strictest mix, and names the valid words for an unknown one', () => {
    expect([...parseDialect('json-details, page-warnings')]).toEqual(['json-details', 'page-warnings']);
    expect([...parseDialect('strictest')]).toEqual([...DIALECT_FORMS]);
    expect(parseDialect(undefined).size).toBe(0);
    expect(() => parseDialect('json-detail')).toThrow(/Unknown answer dialect "json-detail".*json-details.*strictest/);
  });

  it('the CLI takes --dialect and refuses an unknown form as a usage error', () => {
    const parsed = parseEmulatorArgs(['--data', 'x.json', '--dialect', 'strictest']);
    expect(parsed.help === false && parsed.options.dialect).toBe('strictest');
    expect(() => parseEmulatorArgs(['--data', 'x.json', '--dialect', 'nope'])).toThrow(
      /--dialect: Unknown answer dialect/,
    );
  });

  it('json-details: cmdlet errors carry the JSON string form in details[].message', async () => {
    emulator = await startEmulator({ token: TOKEN, dialect: 'json-details' });
    const answer = await post(emulator.url, 'Get-User', { Identity: 'nobody@contoso.com' });
    const body = (await answer.json()) as {
      error: { details: Array<{ code: string; message: string }>; innererror: { type: string } };
    };
    expect(answer.status).toBe(404);
    expect(body.error.details[0]!.code).toBe('Context');
    expect(JSON.parse(body.error.details[0]!.message)).toMatchObject({
      TypeName: 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException',
      StackTrace: null,
      InnerError: null,
    });
    expect(body.error.innererror.type).toBe('ODataServiceException');
  });

  it('redirect: API requests to the endpoint answer 302 to the tenant-specific host, which serves them', async () => {
    emulator = await startEmulator({ token: TOKEN, dialect: 'redirect' });
    expect(emulator.tenantHostUrl).toBe(emulator.url.replace('127.0.0.1', '127.0.0.2'));
    const first = await post(emulator.url, 'Get-TransportConfig');
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe(`${emulator.tenantHostUrl}/adminapi/beta/${ORG}/InvokeCommand`);
    const second = await post(emulator.tenantHostUrl!, 'Get-TransportConfig');
    expect(second.status).toBe(200);
  });

  it('page-warnings and port-446: non-final pages warn and link to port 446; the last page does neither', async () => {
    emulator = await startEmulator({ token: TOKEN, dialect: 'page-warnings,port-446', latency: { pageSize: 3 } });
    const page = (await (await post(emulator.url, 'Get-User', { ResultSize: 'Unlimited' })).json()) as Record<
      string,
      unknown
    >;
    expect(page['@adminapi.warnings']).toEqual([
      expect.stringMatching(/^There are more results available than are currently displayed/),
    ]);
    const next = new URL(page['@odata.nextLink'] as string);
    expect(next.port).toBe('446');
    next.port = String(emulator.port);
    let last: Record<string, unknown> = page;
    for (let link: URL | undefined = next; link; ) {
      const response = await fetch(link, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ CmdletInput: { CmdletName: 'Get-User', Parameters: { ResultSize: 'Unlimited' } } }),
      });
      last = (await response.json()) as Record<string, unknown>;
      link = last['@odata.nextLink'] ? new URL(last['@odata.nextLink'] as string) : undefined;
      if (link) link.port = String(emulator.port);
    }
    expect(last['@adminapi.warnings']).toBeUndefined();
  });

  it('rate-headers: every API answer carries Rate-Limit-Limit/-Remaining/-Reset', async () => {
    emulator = await startEmulator({ token: TOKEN, dialect: 'rate-headers' });
    const answer = await post(emulator.url, 'Get-TransportConfig');
    expect(answer.headers.get('rate-limit-limit')).toBe('10000');
    expect(answer.headers.get('rate-limit-remaining')).toMatch(/^\d+$/);
    expect(answer.headers.get('rate-limit-reset')).toMatch(/^\d+$/);
  });

  it('fault rule forms: an empty 403 with x-ms-diagnostics, a NUL-padded one, @adminapi.errors in a 200', async () => {
    emulator = await startEmulator({ token: TOKEN });
    emulator.control.addFault({
      cmdlet: 'Get-TransportConfig',
      status: 403,
      form: 'empty-body',
      diagnostics: 'reason="x"',
    });
    emulator.control.addFault({ cmdlet: 'Get-User', status: 403, form: 'nul-body' });
    emulator.control.addFault({ cmdlet: 'Get-OrganizationConfig', status: 200, message: 'partly failed' });
    const empty = await post(emulator.url, 'Get-TransportConfig');
    expect([empty.status, empty.headers.get('x-ms-diagnostics'), await empty.text()]).toEqual([403, 'reason="x"', '']);
    const nul = await post(emulator.url, 'Get-User');
    expect(nul.status).toBe(403);
    expect(await nul.text()).toMatch(/^\u0000+$/);
    const inside = await post(emulator.url, 'Get-OrganizationConfig');
    expect(inside.status).toBe(200);
    expect(await inside.json()).toEqual({
      value: [],
      '@adminapi.errors': ['|System.Management.Automation.RemoteException|partly failed'],
    });
  });

  it('refuses inconsistent fault rule forms with the reason', async () => {
    emulator = await startEmulator({ token: TOKEN });
    expect(() => emulator!.control.addFault({ status: 403, form: 'redirect' })).toThrow(
      /needs status 301, 302, 307 or 308/,
    );
    expect(() => emulator!.control.addFault({ status: 200, form: 'empty-body' })).toThrow(
      /status 200 answers in the "adminapi-errors" form only/,
    );
    expect(() => emulator!.control.addFault({ status: 403, form: 'html' })).toThrow(
      /form: must be one of pipe, json-details/,
    );
    expect(() => emulator!.control.addFault({ status: 403, diagnostics: 'a\r\nSet-Cookie: x' })).toThrow(/diagnostics/);
  });
});
