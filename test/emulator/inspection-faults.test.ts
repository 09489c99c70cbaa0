import { Agent, IncomingMessage, request as httpRequest } from 'node:http';
import { DEMO_TENANT_ID } from '../../src/emulator';
import { DEMO, TOKEN, TestEmulator, cmdletBody } from './helpers';

describe('inspection API', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await TestEmulator.start();
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.inspect('POST', 'reset'));

  it('lists tenants and returns the complete state of one', async () => {
    const list = await emu.inspect('GET', 'tenants');
    expect(list.body.tenants).toEqual([
      {
        tenantId: DEMO_TENANT_ID,
        initialDomain: DEMO,
        domains: [DEMO, 'contoso.com'],
        revision: 0,
        mailboxes: 9,
        usersWithoutMailbox: 1,
        authenticationPolicies: 0,
      },
    ]);
    const state = await emu.inspect('GET', 'tenants/contoso.com');
    expect(state.body.transportConfig).toMatchObject({
      SmtpClientAuthenticationDisabled: true,
      AllowLegacyTLSClients: null,
    });
    expect(state.body.organizationConfig).toEqual({ DefaultAuthenticationPolicy: null });
    const upns = state.body.recipients.map((r: any) => r.UserPrincipalName);
    expect(upns).toEqual(
      expect.arrayContaining([
        'sean@contoso.com',
        'chris@contoso.com',
        'akol@contoso.com',
        'tjohnston@contoso.com',
        'kakers@contoso.com',
        'info@contoso.com',
        'jdoe@contoso.com',
      ]),
    );
    expect(
      state.body.recipients.find((r: any) => r.UserPrincipalName === 'info@contoso.com').RecipientTypeDetails,
    ).toBe('SharedMailbox');
    expect(state.body.recipients.every((r: any) => r.SmtpClientAuthenticationDisabled === null)).toBe(true);
    expect((await emu.inspect('GET', 'tenants/nope.com')).status).toBe(404);
  });

  it("changes transport config behind the provider's back (drift) and validates the patch", async () => {
    const patched = await emu.inspect('PATCH', 'tenants/contoso.com/transport-config', {
      SmtpClientAuthenticationDisabled: false,
      AllowLegacyTLSClients: true,
    });
    expect(patched.status).toBe(200);
    expect(patched.body.revision).toBe(1);
    const read = await emu.invoke(DEMO, 'Get-TransportConfig');
    expect(read.body.value[0]).toMatchObject({ SmtpClientAuthenticationDisabled: false, AllowLegacyTLSClients: true });
    const bad = await emu.inspect('PATCH', 'tenants/contoso.com/transport-config', {
      SmtpClientAuthenticationDisabled: null,
      Smtp: 1,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('SmtpClientAuthenticationDisabled: must be true or false');
    expect(bad.body.error.message).toContain('Smtp: unknown key');
  });

  it("changes a recipient override behind the provider's back", async () => {
    const patched = await emu.inspect('PATCH', 'tenants/contoso.com/recipients/SEAN@contoso.com', {
      SmtpClientAuthenticationDisabled: false,
    });
    expect(patched.body.recipient).toMatchObject({
      UserPrincipalName: 'sean@contoso.com',
      SmtpClientAuthenticationDisabled: false,
    });
    const read = await emu.invoke(DEMO, 'Get-CASMailbox', { Identity: 'sean' });
    expect(read.body.value[0].SmtpClientAuthenticationDisabled).toBe(false);
    const noMailbox = await emu.inspect('PATCH', 'tenants/contoso.com/recipients/jdoe@contoso.com', {
      SmtpClientAuthenticationDisabled: true,
    });
    expect(noMailbox.status).toBe(400);
    const noPolicy = await emu.inspect('PATCH', 'tenants/contoso.com/recipients/sean@contoso.com', {
      AuthenticationPolicy: 'Missing',
    });
    expect(noPolicy.body.error.message).toContain('has no authentication policy "Missing"');
  });

  it('logs calls with counts per cmdlet, filters them, and clears them', async () => {
    await emu.invoke(DEMO, 'Get-TransportConfig');
    await emu.invoke('contoso.com', 'Set-TransportConfig', { SmtpClientAuthenticationDisabled: false });
    await emu.invoke(DEMO, 'Get-TransportConfig');
    await emu.invoke(DEMO, 'Get-Nothing');
    const log = await emu.inspect('GET', 'calls');
    expect(log.body.total).toBe(4);
    expect(log.body.counts).toEqual({ 'Get-TransportConfig': 2, 'Set-TransportConfig': 1, 'Get-Nothing': 1 });
    expect(log.body.calls[1]).toMatchObject({
      tenantId: DEMO_TENANT_ID,
      tenant: 'contoso.com',
      cmdlet: 'Set-TransportConfig',
      parameters: { SmtpClientAuthenticationDisabled: false },
      status: 200,
      via: 'InvokeCommand',
      fault: null,
      error: null,
    });
    expect(typeof log.body.calls[1].time).toBe('string');
    expect(log.body.calls[3]).toMatchObject({
      status: 403,
      error: "'Get-Nothing' is not a cmdlet this endpoint serves",
    });
    const filtered = await emu.inspect('GET', 'calls?cmdlet=set-transportconfig');
    expect(filtered.body.calls).toHaveLength(1);
    await emu.inspect('DELETE', 'calls');
    expect((await emu.inspect('GET', 'calls')).body).toEqual({ total: 0, counts: {}, calls: [] });
  });

  it('reports the most requests in flight per tenant', async () => {
    await emu.inspect('PUT', 'latency', { callMs: 150 });
    await Promise.all(Array.from({ length: 5 }, () => emu.invoke(DEMO, 'Get-TransportConfig')));
    const stats = await emu.inspect('GET', 'stats');
    expect(stats.body.tenants[DEMO_TENANT_ID].maxInFlight).toBe(5);
    expect(stats.body.maxInFlight).toBe(5);
    expect(stats.body.totalCalls).toBe(5);
    expect(stats.body.byStatus).toEqual({ '200': 5 });
  });

  it('resets state, calls, faults and latency to the start-up values', async () => {
    await emu.invoke(DEMO, 'Set-TransportConfig', { SmtpClientAuthenticationDisabled: false });
    await emu.inspect('POST', 'faults', { status: 503 });
    await emu.inspect('PUT', 'latency', { callMs: 5 });
    const reset = await emu.inspect('POST', 'reset');
    expect(reset.body.reset).toBe('all');
    expect((await emu.inspect('GET', 'faults')).body.rules).toEqual([]);
    expect((await emu.inspect('GET', 'latency')).body).toEqual({
      callMs: 0,
      connectMs: 0,
      pageSize: 1000,
      replicationLagMs: 0,
    });
    expect((await emu.invoke(DEMO, 'Get-TransportConfig')).body.value[0].SmtpClientAuthenticationDisabled).toBe(true);
    expect((await emu.inspect('GET', 'calls')).body.total).toBe(1);
  });

  it('validates latency settings', async () => {
    const bad = await emu.inspect('PUT', 'latency', { callMs: -1, pageSize: 0, jitter: 3 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('callMs: must be a whole number from 0');
    expect(bad.body.error.message).toContain('pageSize: must be a whole number from 1');
    expect(bad.body.error.message).toContain('jitter: unknown key');
  });
});

describe('deterministic faults', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await TestEmulator.start();
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.inspect('POST', 'reset'));

  it('fails exactly the nth matching call with 429 and Retry-After, once', async () => {
    const added = await emu.inspect('POST', 'faults', {
      cmdlet: 'Set-TransportConfig',
      nth: 3,
      times: 1,
      status: 429,
      retryAfterSeconds: 1,
    });
    expect(added.status).toBe(201);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      await emu.invoke(DEMO, 'Get-TransportConfig'); // other cmdlets do not count
      const answer = await emu.invoke(DEMO, 'Set-TransportConfig', { AllowLegacyTLSClients: i % 2 === 0 });
      statuses.push(answer.status);
      if (answer.status === 429) {
        expect(answer.headers.get('retry-after')).toBe('1');
        expect(answer.body.error).toEqual({
          code: 'TooManyRequests',
          message: 'You have reached the maximum number of concurrent requests per tenant. Please wait and try again',
        });
      }
    }
    expect(statuses).toEqual([200, 200, 429, 200, 200]);
    const rules = await emu.inspect('GET', 'faults');
    expect(rules.body.rules[0]).toMatchObject({ id: added.body.rules[0].id, matched: 5, fired: 1 });
    const log = await emu.inspect('GET', 'calls?cmdlet=Set-TransportConfig');
    expect(log.body.calls.map((c: any) => c.fault)).toEqual([null, null, added.body.rules[0].id, null, null]);
  });

  it('does not apply a change when the fault answers before the cmdlet runs', async () => {
    await emu.inspect('POST', 'faults', { cmdlet: 'Set-TransportConfig', status: 503 });
    const failed = await emu.invoke(DEMO, 'Set-TransportConfig', { SmtpClientAuthenticationDisabled: false });
    expect(failed.status).toBe(503);
    expect(failed.body.error.code).toBe('ServiceUnavailable');
    expect((await emu.invoke(DEMO, 'Get-TransportConfig')).body.value[0].SmtpClientAuthenticationDisabled).toBe(true);
  });

  it('applies the change but loses the answer with when: after (for idempotency tests)', async () => {
    await emu.inspect('POST', 'faults', { cmdlet: 'Set-TransportConfig', status: 504, when: 'after' });
    const failed = await emu.invoke(DEMO, 'Set-TransportConfig', { SmtpClientAuthenticationDisabled: false });
    expect(failed.status).toBe(504);
    expect((await emu.invoke(DEMO, 'Get-TransportConfig')).body.value[0].SmtpClientAuthenticationDisabled).toBe(false);
  });

  it('injects a 500 with the given message and a 401 with WWW-Authenticate, times in a row', async () => {
    await emu.inspect('POST', 'faults', [
      {
        cmdlet: 'Set-TransportConfig',
        status: 500,
        message: 'Object reference not set to an instance of an object.',
        exceptionType: 'System.NullReferenceException',
        times: 2,
      },
      { cmdlet: 'Get-TransportConfig', status: 401 },
    ]);
    for (let i = 0; i < 2; i++) {
      const answer = await emu.invoke(DEMO, 'Set-TransportConfig', { SmtpClientAuthenticationDisabled: false });
      expect(answer.status).toBe(500);
      expect(answer.body.error.details[0]).toEqual({
        code: 'Server',
        target: '',
        message: '|System.NullReferenceException|Object reference not set to an instance of an object.',
      });
    }
    expect((await emu.invoke(DEMO, 'Set-TransportConfig', { SmtpClientAuthenticationDisabled: false })).status).toBe(
      200,
    );
    const unauthorized = await emu.invoke(DEMO, 'Get-TransportConfig');
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('www-authenticate')).toContain('Bearer');
    expect(unauthorized.body.error.message).toContain('the token has expired');
  });

  it('scopes rules to a tenant, removes one rule, and rejects invalid rules with every problem listed', async () => {
    const added = await emu.inspect('POST', 'faults', { tenant: 'contoso.com', status: 503 });
    const id = added.body.rules[0].id;
    expect(added.body.rules[0].tenant).toBe(DEMO_TENANT_ID);
    expect((await emu.inspect('DELETE', `faults/${id}`)).status).toBe(200);
    expect((await emu.invoke(DEMO, 'Get-TransportConfig')).status).toBe(200);
    const bad = await emu.inspect('POST', 'faults', { status: 418, nth: 0, tenant: 'fabrikam.com', probability: 0.5 });
    expect(bad.status).toBe(400);
    for (const text of [
      'status: must be one of',
      'nth: must be a whole number from 1',
      'tenant: no tenant "fabrikam.com"',
      'probability: unknown key',
    ]) {
      expect(bad.body.error.message).toContain(text);
    }
    await emu.inspect('POST', 'faults', { status: 503 });
    await emu.inspect('DELETE', 'faults');
    expect((await emu.invoke(DEMO, 'Get-TransportConfig')).status).toBe(200);
  });
});

describe('latency model', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await TestEmulator.start({ latency: { callMs: 120 } });
  });
  afterAll(() => emu.close());

  it('adds the per-call latency to every InvokeCommand request but not to the inspection API', async () => {
    let started = Date.now();
    await emu.invoke(DEMO, 'Get-TransportConfig');
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    started = Date.now();
    await emu.inspect('GET', 'stats');
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('adds the connect latency only to the first request of a new connection', async () => {
    await emu.inspect('PUT', 'latency', { callMs: 0, connectMs: 200 });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const post = (): Promise<number> =>
      new Promise((resolve, reject) => {
        const started = Date.now();
        const body = JSON.stringify(cmdletBody('Get-TransportConfig'));
        const req = httpRequest(
          `${emu.url}/adminapi/beta/${DEMO}/InvokeCommand`,
          {
            method: 'POST',
            agent,
            headers: { authorization: `Bearer ${TOKEN}`, 'content-length': Buffer.byteLength(body) },
          },
          (res: IncomingMessage) => {
            res.resume();
            res.on('end', () => resolve(Date.now() - started));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const first = await post();
    const second = await post();
    agent.destroy();
    expect(first).toBeGreaterThanOrEqual(190);
    expect(second).toBeLessThan(150);
    await emu.inspect('PUT', 'latency', { connectMs: 0 });
  });
});
