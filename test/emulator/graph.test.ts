/**
 * The emulator's Microsoft Graph endpoints over real HTTP (src/emulator/GRAPH.md), and the report's Graph client
 * against them: the sign-in filter exactly as sent, paging, $select, permission and licence refusals, security
 * defaults, and the usage report's redirect to a CSV.
 */
import { createServer } from 'node:http';
import { StaticTokenProvider } from '../../src/bridge/rest/token-provider';
import type { FixtureDocument } from '../../src/emulator/fixture';
import { GraphClient, GraphRequestError } from '../../src/graph/graph-client';
import { readEmailAppUsage, readSecurityDefaults, readSmtpSignIns, signInFilter } from '../../src/graph/smtp-evidence';
import { TOKEN, TestEmulator } from './helpers';

const FIXTURE: FixtureDocument = {
  tenants: [
    {
      domain: 'graph.onmicrosoft.com',
      generatedMailboxes: 30,
      users: ["o'brien@graph.onmicrosoft.com"], // a directory user: not one of the generated sign-in users
      graph: {
        securityDefaults: true,
        generatedSignIns: { users: 25, perDay: 4 }, // 25 × 4 × 30 = 3,000 sign-ins
        signIns: [
          { upn: "o'brien@graph.onmicrosoft.com", hoursAgo: 2 },
          { upn: "o'brien@graph.onmicrosoft.com", hoursAgo: 3, status: 'failure' },
          { upn: "o'brien@graph.onmicrosoft.com", hoursAgo: 4, clientAppUsed: 'IMAP4' },
          { upn: "o'brien@graph.onmicrosoft.com", hoursAgo: 24 * 40 },
        ],
      },
    },
    {
      domain: 'locked.onmicrosoft.com',
      mailboxes: ['a@locked.onmicrosoft.com'],
      graph: { missingPermissions: ['AuditLog.Read.All', 'Policy.Read.All', 'Reports.Read.All'] },
    },
    {
      domain: 'basic.onmicrosoft.com',
      mailboxes: ['a@basic.onmicrosoft.com'],
      graph: { premiumLicence: false, concealedReportNames: true },
    },
  ],
};

describe('emulated Microsoft Graph', () => {
  let emulator: TestEmulator;
  const client = (tenant: string): GraphClient =>
    new GraphClient({ baseUrl: `${emulator.url}/graph/${tenant}`, tokenProvider: new StaticTokenProvider(TOKEN) });
  const get = (path: string, token: string | null = TOKEN) =>
    fetch(`${emulator.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {}, redirect: 'manual' });

  beforeAll(async () => {
    emulator = await TestEmulator.start({ seed: FIXTURE });
  });
  afterAll(() => emulator.close());

  it("refuses a request without the token in Graph's error envelope", async () => {
    const response = await get(
      '/graph/graph.onmicrosoft.com/v1.0/policies/identitySecurityDefaultsEnforcementPolicy',
      null,
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      error: { code: 'InvalidAuthenticationToken', innerError: { 'request-id': expect.any(String) } },
    });
  });

  it('pages the sign-in log newest first, 1000 a page, with absolute nextLinks that keep $select', async () => {
    const now = Date.now();
    const filter = signInFilter(new Date(now - 30 * 86_400_000), new Date(now + 60_000));
    let url: string | undefined =
      `${emulator.url}/graph/graph.onmicrosoft.com/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(filter)}&$select=userPrincipalName,createdDateTime,status`;
    const items: Array<Record<string, unknown>> = [];
    let pages = 0;
    while (url) {
      const response = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(response.status).toBe(200);
      const page = (await response.json()) as { value: Array<Record<string, unknown>>; '@odata.nextLink'?: string };
      pages++;
      expect(page.value.length).toBeLessThanOrEqual(1000);
      items.push(...page.value);
      url = page['@odata.nextLink'];
      if (url) expect(url.startsWith(`${emulator.url}/graph/graph.onmicrosoft.com/v1.0/auditLogs/signIns?`)).toBe(true);
    }
    expect(items).toHaveLength(3_000 + 2); // generated + o'brien's success and failure; not IMAP4, not 40 days ago
    expect(pages).toBe(4);
    expect(Object.keys(items[0]!).sort()).toEqual(['createdDateTime', 'status', 'userPrincipalName']);
    const times = items.map((i) => String(i.createdDateTime));
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('takes the filter exactly as sent: quotes doubled inside literals, anything else is an invalid filter clause', async () => {
    const upnFilter = `clientAppUsed eq 'Authenticated SMTP' and userPrincipalName eq 'o''brien@graph.onmicrosoft.com'`;
    const ok = await get(
      `/graph/graph.onmicrosoft.com/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(upnFilter)}`,
    );
    expect(((await ok.json()) as { value: unknown[] }).value).toHaveLength(3);
    for (const bad of [
      `clientAppUsed eq 'x' or 1 eq 1`,
      `clientAppUsed eq 'Authenticated SMTP') or (true`,
      `clientAppUsed ne 'x'`,
      `createdDateTime ge '2026-01-01T00:00:00Z'`,
    ]) {
      const response = await get(
        `/graph/graph.onmicrosoft.com/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(bad)}`,
      );
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: { code: 'BadRequest', message: expect.stringContaining('Invalid filter clause') },
      });
    }
  });

  it('the report client: sign-ins per user, security defaults, and refusals read as "no evidence available"', async () => {
    const graph = client('graph.onmicrosoft.com');
    const signIns = await readSmtpSignIns(graph);
    expect(signIns).toMatchObject({ available: true, signIns: 3_002 });
    if (!signIns.available) throw new Error('unreachable');
    expect(signIns.byUser.get("o'brien@graph.onmicrosoft.com")).toMatchObject({ successful: 1, failed: 1 });
    expect(signIns.byUser.get('user00001@graph.onmicrosoft.com')).toMatchObject({ successful: 120, failed: 0 });
    expect(await readSecurityDefaults(graph)).toEqual({ available: true, enabled: true });

    const locked = client('locked.onmicrosoft.com');
    expect(await readSmtpSignIns(locked)).toEqual({
      available: false,
      reason: 'the app lacks AuditLog.Read.All (Authorization_RequestDenied)',
    });
    expect(await readSecurityDefaults(locked)).toEqual({
      available: false,
      reason: 'the app lacks Policy.Read.All (Authorization_RequestDenied)',
    });
    expect(await readEmailAppUsage(locked)).toEqual({
      available: false,
      reason: 'the app lacks Reports.Read.All (Authorization_RequestDenied)',
    });
    const basic = client('basic.onmicrosoft.com');
    expect(await readSmtpSignIns(basic)).toEqual({
      available: false,
      reason: 'no Entra ID P1/P2 licence (Authentication_RequestFromNonPremiumTenantOrB2CTenant)',
    });
    expect(await readSecurityDefaults(basic)).toEqual({ available: true, enabled: false });
  });

  it('the usage report: 302 to a CSV download; concealed names are unavailable evidence', async () => {
    const redirect = await get("/graph/graph.onmicrosoft.com/v1.0/reports/getEmailAppUsageUserDetail(period='D30')");
    expect(redirect.status).toBe(302);
    const csv = Buffer.from(await (await fetch(redirect.headers.get('location')!)).arrayBuffer());
    expect(csv.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf])); // UTF-8 byte-order mark
    expect(csv.toString('utf8', 3).startsWith('Report Refresh Date,User Principal Name,')).toBe(true);
    const usage = await readEmailAppUsage(client('graph.onmicrosoft.com'));
    if (!usage.available) throw new Error(usage.reason);
    expect(usage.byUser.get('user00001@graph.onmicrosoft.com')).toMatchObject({ smtpUsed: true });
    expect(usage.byUser.get('user00030@graph.onmicrosoft.com')).toMatchObject({ smtpUsed: false });
    expect(await readEmailAppUsage(client('basic.onmicrosoft.com'))).toEqual({
      available: false,
      reason: expect.stringContaining('conceals user names'),
    });
  });

  it('never follows a nextLink to another host with the token', async () => {
    const seen: Array<string | undefined> = [];
    const other = createServer((request, response) => {
      seen.push(request.headers.authorization);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ value: [{}], '@odata.nextLink': 'http://attacker.invalid/steal' }));
    });
    await new Promise<void>((done) => other.listen(0, '127.0.0.1', () => done()));
    try {
      const port = (other.address() as { port: number }).port;
      const graph = new GraphClient({
        baseUrl: `http://127.0.0.1:${port}`,
        tokenProvider: new StaticTokenProvider('secret-token'),
      });
      const pages = graph.pages(graph.url('auditLogs/signIns'));
      await expect(
        (async () => {
          for await (const _ of pages) {
            /* read all */
          }
        })(),
      ).rejects.toThrow(GraphRequestError);
      expect(seen).toEqual(['Bearer secret-token']);
    } finally {
      other.close();
    }
  });
});
