import { DEMO, TOKEN, TestEmulator, cmdletBody, request } from './helpers';

describe('wire format errors', () => {
  let emu: TestEmulator;
  let invokeUrl: string;
  beforeAll(async () => {
    emu = await TestEmulator.start();
    invokeUrl = `${emu.url}/adminapi/beta/${DEMO}/InvokeCommand`;
  });
  afterAll(() => emu.close());

  it('answers a wrong token with 401, WWW-Authenticate: Bearer and an error body', async () => {
    const answer = await request(invokeUrl, { body: cmdletBody('Get-TransportConfig'), token: 'not-the-token' });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(answer.body).toEqual({
      error: {
        code: 'Unauthorized',
        message:
          'The access token was not accepted: it is not the token this emulator was started with. Send "Authorization: Bearer <token>" ' +
          'with the token the emulator printed at start-up (or the one given with --token).',
      },
    });
  });

  it('answers a missing or malformed Authorization header with 401 too, also on the inspection API', async () => {
    const none = await request(invokeUrl, { body: cmdletBody('Get-TransportConfig'), token: null });
    expect(none.status).toBe(401);
    expect(none.body.error.message).toContain('no Authorization header');
    const basic = await request(invokeUrl, {
      body: cmdletBody('Get-TransportConfig'),
      token: null,
      headers: { authorization: `Basic ${TOKEN}` },
    });
    expect(basic.status).toBe(401);
    const inspection = await request(`${emu.url}/_emulator/tenants`, { method: 'GET', token: 'nope' });
    expect(inspection.status).toBe(401);
  });

  it('answers an unknown tenant with 403 TenantNotFound naming the known tenants', async () => {
    const answer = await request(`${emu.url}/adminapi/beta/fabrikam.onmicrosoft.com/InvokeCommand`, {
      body: cmdletBody('Get-TransportConfig'),
    });
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('TenantNotFound');
    expect(answer.body.error.message).toContain("Tenant 'fabrikam.onmicrosoft.com' does not exist on this emulator");
    expect(answer.body.error.message).toContain('contoso.onmicrosoft.com');
  });

  it('answers a cmdlet the endpoint does not serve with 403, an empty body and the reason in x-ms-diagnostics', async () => {
    const answer = await emu.invoke(DEMO, 'Get-Nonsense');
    expect(answer.status).toBe(403);
    expect(answer.body).toBeUndefined();
    expect(answer.headers.get('x-ms-diagnostics')).toContain("'Get-Nonsense' is not a cmdlet this endpoint serves");
  });

  it('answers a missing object with 404 in exactly the documented shape', async () => {
    const answer = await emu.invoke(DEMO, 'Get-CASMailbox', { Identity: 'nobody@contoso.com' });
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({
      error: {
        code: 'NotFound',
        message: 'Error executing cmdlet',
        details: [
          {
            code: 'Client',
            target: '',
            message:
              "Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object " +
              "'nobody@contoso.com' couldn't be found on 'EMUPR01MB0001.EMUPR01A001.PROD.OUTLOOK.COM'.",
          },
        ],
        innererror: {
          message:
            "The operation couldn't be performed because object 'nobody@contoso.com' couldn't be found on 'EMUPR01MB0001.EMUPR01A001.PROD.OUTLOOK.COM'.",
          type: 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException',
        },
      },
    });
  });

  it.each([
    ['not JSON', '{"CmdletInput":', 'not valid JSON'],
    ['empty', '', 'it is empty'],
    ['no CmdletInput', '{"Cmdlet":"Get-TransportConfig"}', '"CmdletInput" must be an object'],
    ['no CmdletName', '{"CmdletInput":{"Parameters":{}}}', '"CmdletInput.CmdletName" must be a non-empty string'],
    [
      'Parameters not an object',
      '{"CmdletInput":{"CmdletName":"Get-TransportConfig","Parameters":[1]}}',
      '"CmdletInput.Parameters" must be an object',
    ],
  ])('answers a malformed body (%s) with 400', async (_name, rawBody, expected) => {
    const answer = await request(invokeUrl, { rawBody });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('BadRequest');
    expect(answer.body.error.message).toContain(expected);
  });

  it('answers other methods with 405 and unknown paths with 404', async () => {
    const get = await request(invokeUrl, { method: 'GET' });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const unknown = await request(`${emu.url}/adminapi/v2/${DEMO}/InvokeCommand`, {
      body: cmdletBody('Get-TransportConfig'),
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('No route for POST /adminapi/v2/');
  });

  it('answers a wrong type for a Get parameter with 400 and a remedy', async () => {
    const answer = await emu.invoke(DEMO, 'Get-CASMailbox', { ResultSize: 'lots' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details[0].message).toContain(
      "Cannot process argument transformation on parameter 'ResultSize'.",
    );
  });

  it('keeps parameter strings byte-exact (identity with quotes, unicode and backslashes is echoed untouched)', async () => {
    const identity = 'O\'Brien \\ "ü" ${x} `; Remove-Mailbox';
    const answer = await emu.invoke(DEMO, 'Get-CASMailbox', { Identity: identity });
    expect(answer.status).toBe(404);
    expect(answer.body.error.details[0].message).toContain(`object '${identity}' couldn't be found`);
    const log = await emu.inspect('GET', 'calls?limit=1');
    expect(log.body.calls[0].parameters).toEqual({ Identity: identity });
  });
});
