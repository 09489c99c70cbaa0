import { RESULT_SIZE_DEFAULT_WARNING } from '../../src/emulator/cmdlets/cas-mailbox-cmdlets';
import { TestEmulator, cmdletBody, request } from './helpers';

const FIXTURE = {
  tenants: [
    { domain: 'paging.onmicrosoft.com', domains: ['paging.com'], generatedMailboxes: 25 },
    { domain: 'big.onmicrosoft.com', generatedMailboxes: 1500 },
  ],
};
const ALL = { ResultSize: 'Unlimited' };

async function followAll(first: { body: any }, body: object): Promise<{ rows: any[]; links: string[] }> {
  const rows = [...first.body.value];
  const links: string[] = [];
  let page = first;
  while (page.body['@odata.nextLink']) {
    links.push(page.body['@odata.nextLink']);
    page = await request(page.body['@odata.nextLink'], { body });
    expect(page.body.value).toBeDefined();
    rows.push(...page.body.value);
  }
  return { rows, links };
}

describe('paging', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await TestEmulator.start({ seed: FIXTURE, cursorTtlMs: 400 });
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.emulator.control.reset());

  it('honours Prefer: odata.maxpagesize and links the pages with an absolute nextLink', async () => {
    const first = await emu.invoke('paging.com', 'Get-CASMailbox', ALL, { prefer: 'odata.maxpagesize=10' });
    expect(first.status).toBe(200);
    expect(first.headers.get('preference-applied')).toBe('odata.maxpagesize=10');
    expect(first.body.value).toHaveLength(10);
    const { rows, links } = await followAll(first, cmdletBody('Get-CASMailbox', ALL));
    expect(links).toHaveLength(2);
    for (const link of links)
      expect(link.startsWith(`${emu.url}/adminapi/beta/paging.com/InvokeCommand?$skiptoken=`)).toBe(true);
    expect(rows.map((r) => r.Name)).toEqual(
      Array.from({ length: 25 }, (_, i) => `user${String(i + 1).padStart(5, '0')}`),
    );
    const calls = await emu.inspect('GET', 'calls');
    expect(calls.body.calls.map((c: any) => c.page)).toEqual([0, 1, 2]);
  });

  it('serves later pages from a snapshot: changes after page 1 do not show up on page 2', async () => {
    const first = await emu.invoke('paging.com', 'Get-CASMailbox', ALL, { prefer: 'odata.maxpagesize=10' });
    await emu.inspect('PATCH', 'tenants/paging.com/recipients/user00015@paging.com', {
      SmtpClientAuthenticationDisabled: false,
    });
    const second = await request(first.body['@odata.nextLink'], { body: cmdletBody('Get-CASMailbox', ALL) });
    expect(second.body.value.find((r: any) => r.Name === 'user00015').SmtpClientAuthenticationDisabled).toBeNull();
    const fresh = await emu.invoke('paging.com', 'Get-CASMailbox', { Identity: 'user00015@paging.com' });
    expect(fresh.body.value[0].SmtpClientAuthenticationDisabled).toBe(false);
  });

  it('returns the same page when a nextLink is fetched twice (a client retry)', async () => {
    const first = await emu.invoke('paging.com', 'Get-CASMailbox', ALL, { prefer: 'odata.maxpagesize=10' });
    const a = await request(first.body['@odata.nextLink'], { body: cmdletBody('Get-CASMailbox', ALL) });
    const b = await request(first.body['@odata.nextLink'], { body: cmdletBody('Get-CASMailbox', ALL) });
    expect(b.body).toEqual(a.body);
  });

  it('caps the page size at the emulator setting even if the client prefers bigger pages', async () => {
    await emu.inspect('PUT', 'latency', { pageSize: 7 });
    const first = await emu.invoke('paging.com', 'Get-CASMailbox', ALL, { prefer: 'odata.maxpagesize=1000' });
    expect(first.body.value).toHaveLength(7);
    const noPrefer = await emu.invoke('paging.com', 'Get-CASMailbox', ALL);
    expect(noPrefer.body.value).toHaveLength(7);
    expect(noPrefer.headers.get('preference-applied')).toBeNull();
  });

  it('rejects an unknown, foreign or mismatched skiptoken with 400 and a clear message', async () => {
    const unknown = await request(`${emu.url}/adminapi/beta/paging.com/InvokeCommand?$skiptoken=bogus`, {
      body: cmdletBody('Get-CASMailbox', ALL),
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('InvalidSkipToken');
    expect(unknown.body.error.message).toContain('unknown or has expired');
    const first = await emu.invoke('paging.com', 'Get-CASMailbox', ALL, { prefer: 'odata.maxpagesize=10' });
    const token = new URL(first.body['@odata.nextLink']).searchParams.get('$skiptoken');
    const otherTenant = await request(
      `${emu.url}/adminapi/beta/big.onmicrosoft.com/InvokeCommand?$skiptoken=${token}`,
      { body: cmdletBody('Get-CASMailbox', ALL) },
    );
    expect(otherTenant.status).toBe(400);
    expect(otherTenant.body.error.message).toContain('another tenant');
    const otherCmdlet = await request(first.body['@odata.nextLink'], { body: cmdletBody('Get-TransportConfig') });
    expect(otherCmdlet.status).toBe(400);
    expect(otherCmdlet.body.error.message).toContain('continues a Get-CASMailbox listing');
  });

  it('forgets a listing after its time to live', async () => {
    const first = await emu.invoke('paging.com', 'Get-CASMailbox', ALL, { prefer: 'odata.maxpagesize=10' });
    await new Promise((r) => setTimeout(r, 600));
    const late = await request(first.body['@odata.nextLink'], { body: cmdletBody('Get-CASMailbox', ALL) });
    expect(late.status).toBe(400);
    expect(late.body.error.message).toContain('unknown or has expired');
  });

  it('stops at 1000 objects without -ResultSize and warns like Exchange; pages through 1500 with Unlimited', async () => {
    // Trimmed with $select (kept by the next links): whole ~3.4 KB rows would make the pages slow next to the 400 ms cursor lifetime.
    const url = `${emu.url}/adminapi/beta/big.onmicrosoft.com/InvokeCommand?$select=Guid`;
    const limited = await request(url, {
      body: cmdletBody('Get-CASMailbox', {}),
      headers: { prefer: 'odata.maxpagesize=400' },
    });
    expect(limited.body['@adminapi.warnings']).toEqual([RESULT_SIZE_DEFAULT_WARNING]);
    const limitedRows = await followAll(limited, cmdletBody('Get-CASMailbox', {}));
    expect(limitedRows.rows).toHaveLength(1000);
    const all = await request(url, { body: cmdletBody('Get-CASMailbox', ALL) });
    expect(all.body['@adminapi.warnings']).toBeUndefined();
    expect((await followAll(all, cmdletBody('Get-CASMailbox', ALL))).rows).toHaveLength(1500);
  });
});

describe('$batch', () => {
  let emu: TestEmulator;
  const batchUrl = (tenant = 'paging.com'): string => `${emu.url}/adminapi/beta/${tenant}/$batch`;
  beforeAll(async () => {
    emu = await TestEmulator.start({ seed: FIXTURE });
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.emulator.control.reset());

  it('answers each item independently with its own status, headers and body', async () => {
    await emu.inspect('POST', 'faults', { cmdlet: 'Get-TransportConfig', nth: 2, status: 429, retryAfterSeconds: 3 });
    const answer = await request(batchUrl(), {
      headers: { prefer: 'odata.continue-on-error' },
      body: {
        requests: [
          {
            id: '1',
            method: 'POST',
            url: 'InvokeCommand',
            body: cmdletBody('Set-TransportConfig', { SmtpClientAuthenticationDisabled: false }),
          },
          {
            id: '2',
            method: 'POST',
            url: '/adminapi/beta/paging.com/InvokeCommand',
            body: cmdletBody('Get-CASMailbox', { Identity: 'ghost@paging.com' }),
          },
          {
            id: '3',
            method: 'POST',
            url: `${emu.url}/adminapi/beta/paging.onmicrosoft.com/InvokeCommand`,
            body: cmdletBody('Get-TransportConfig'),
          },
          { id: '4', method: 'POST', url: 'InvokeCommand', body: cmdletBody('Get-TransportConfig') },
          { id: '5', method: 'POST', url: 'InvokeCommand', body: cmdletBody('Get-Bogus') },
          {
            id: '6',
            method: 'POST',
            url: '/adminapi/beta/nobody.onmicrosoft.com/InvokeCommand',
            body: cmdletBody('Get-TransportConfig'),
          },
          { id: '7', method: 'GET', url: 'InvokeCommand', body: cmdletBody('Get-TransportConfig') },
        ],
      },
    });
    expect(answer.status).toBe(200);
    const byId = Object.fromEntries(answer.body.responses.map((r: any) => [r.id, r]));
    expect(answer.body.responses.map((r: any) => r.id)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(byId['1']).toMatchObject({ status: 200, body: { value: [] } });
    expect(byId['2'].status).toBe(404);
    expect(byId['2'].body.error.details[0].message).toContain('ManagementObjectNotFoundException');
    expect(byId['3'].status).toBe(200);
    expect(byId['3'].body.value[0].SmtpClientAuthenticationDisabled).toBe(false);
    expect(byId['4'].status).toBe(429);
    expect(byId['4'].headers['Retry-After']).toBe('3');
    expect(byId['5']).toMatchObject({ status: 403, body: '' });
    expect(byId['6'].status).toBe(403);
    expect(byId['7'].status).toBe(405);
    const calls = await emu.inspect('GET', 'calls');
    expect(calls.body.calls.every((c: any) => c.via === '$batch')).toBe(true);
  });

  it('pages inside a batch item with the item Prefer header', async () => {
    const answer = await request(batchUrl(), {
      body: {
        requests: [
          {
            id: 'a',
            method: 'POST',
            url: 'InvokeCommand',
            headers: { Prefer: 'odata.maxpagesize=5' },
            body: cmdletBody('Get-CASMailbox', ALL),
          },
        ],
      },
    });
    const item = answer.body.responses[0];
    expect(item.body.value).toHaveLength(5);
    expect(item.body['@odata.nextLink']).toContain('$skiptoken=');
  });

  it('rejects more than 20 requests, an empty batch, duplicate ids and a malformed body with 400', async () => {
    const item = (id: string) => ({
      id,
      method: 'POST',
      url: 'InvokeCommand',
      body: cmdletBody('Get-TransportConfig'),
    });
    const tooMany = await request(batchUrl(), {
      body: { requests: Array.from({ length: 21 }, (_, i) => item(String(i))) },
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toContain('1 to 20');
    const twenty = await request(batchUrl(), {
      body: { requests: Array.from({ length: 20 }, (_, i) => item(String(i))) },
    });
    expect(twenty.status).toBe(200);
    expect((await request(batchUrl(), { body: { requests: [] } })).status).toBe(400);
    const duplicate = await request(batchUrl(), { body: { requests: [item('1'), item('1')] } });
    expect(duplicate.body.error.message).toContain('used twice');
    expect((await request(batchUrl(), { rawBody: '{"requests": [' })).status).toBe(400);
  });

  it('counts a batch as one call for the latency model', async () => {
    await emu.inspect('PUT', 'latency', { callMs: 150 });
    const started = Date.now();
    const item = (id: string) => ({
      id,
      method: 'POST',
      url: 'InvokeCommand',
      body: cmdletBody('Get-TransportConfig'),
    });
    await request(batchUrl(), { body: { requests: [item('1'), item('2'), item('3'), item('4')] } });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(450);
  });

  it('runs a batch of reads during its call time, and a batch of changes only at its end', async () => {
    // A long call time, so the check below does not depend on how fast this machine is.
    await emu.inspect('PUT', 'latency', { callMs: 3000 });
    const item = (id: string, cmdlet: string, parameters: Record<string, unknown>) => ({
      id,
      method: 'POST',
      url: 'InvokeCommand',
      body: cmdletBody(cmdlet, parameters),
    });
    /** Whether the emulator has logged `cmdlet` (a batch item is logged once run) 2 s into the batch's 3 s. */
    const loggedEarly = async (requests: object[], cmdlet: string): Promise<boolean> => {
      const answer = request(batchUrl(), { body: { requests } });
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const logged = (await emu.inspect('GET', `calls?cmdlet=${cmdlet}`)).body.calls.length > 0;
      expect((await answer).status).toBe(200);
      expect((await emu.inspect('GET', `calls?cmdlet=${cmdlet}`)).body.calls).toHaveLength(1);
      return logged;
    };
    const mailbox = { Identity: 'user00001@paging.com' };
    const reads = [item('1', 'Get-CASMailbox', mailbox), item('2', 'Get-TransportConfig', {})];
    expect(await loggedEarly(reads, 'Get-CASMailbox')).toBe(true);
    const change = { ...mailbox, SmtpClientAuthenticationDisabled: true };
    const changes = [item('1', 'Set-CASMailbox', change), item('2', 'Get-TransportConfig', {})];
    expect(await loggedEarly(changes, 'Set-CASMailbox')).toBe(false);
    await emu.inspect('PUT', 'latency', { callMs: 0 });
  });
});
