/**
 * What Microsoft Graph can tell about Basic SMTP AUTH in one tenant: Entra security defaults, the sign-in log's
 * 'Authenticated SMTP' entries, and the email-app usage report. Each reader returns either its data or why it has
 * none ("unavailable"): a missing permission or licence is never read as "no usage".
 */
import { GraphClient, GraphRequestError } from './graph-client';

export type Unavailable = { available: false; reason: string };

function unavailable(error: unknown, permission: string, licence?: string): Unavailable {
  if (error instanceof GraphRequestError) {
    if (error.kind === 'licence') return { available: false, reason: `no ${licence ?? 'licence'} (${error.code})` };
    if (error.kind === 'permission') return { available: false, reason: `the app lacks ${permission} (${error.code})` };
    if (error.status === 403)
      return {
        available: false,
        reason: `Graph refused with HTTP 403 (${error.code}): the app lacks ${permission}${licence ? ` or the tenant lacks the ${licence}` : ''}`,
      };
    return {
      available: false,
      reason: `Graph answered ${error.status || ''} ${error.code}: ${error.message}`.replace(/\s+/g, ' ').trim(),
    };
  }
  return { available: false, reason: `Graph could not be read: ${(error as Error).message}` };
}

/** GET /v1.0/policies/identitySecurityDefaultsEnforcementPolicy (Policy.Read.All) → isEnabled. */
export async function readSecurityDefaults(
  client: GraphClient,
): Promise<{ available: true; enabled: boolean } | Unavailable> {
  try {
    const policy = await client.getJson(client.url('policies/identitySecurityDefaultsEnforcementPolicy'));
    if (typeof policy.isEnabled !== 'boolean')
      return { available: false, reason: 'the security defaults policy came back without isEnabled' };
    return { available: true, enabled: policy.isEnabled };
  } catch (error) {
    return unavailable(error, 'Policy.Read.All');
  }
}

export interface SignInSummary {
  successful: number;
  failed: number;
  /** Newest successful sign-in (else newest attempt), ISO 8601. */
  lastUsed?: string;
}

/** The evidence window: Entra keeps sign-ins 30 days with P1/P2 (Learn, "Microsoft Entra data retention"). */
export const EVIDENCE_DAYS = 30;

/** The sign-in filter for one time slice. Only constants and formatted dates go into it: no user text. */
export function signInFilter(from: Date, to: Date): string {
  return `clientAppUsed eq 'Authenticated SMTP' and createdDateTime ge ${odataDate(from)} and createdDateTime lt ${odataDate(to)}`;
}

function odataDate(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new Error('invalid date in a sign-in filter');
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Basic SMTP sign-ins of the last 30 days per user principal name (lower-cased). The window is split into
 * `slices` time ranges read side by side: a busy tenant's log is hundreds of 1000-row pages, and one nextLink chain
 * would read them strictly one after another.
 */
export async function readSmtpSignIns(
  client: GraphClient,
  options: { now?: Date; days?: number; slices?: number } = {},
): Promise<{ available: true; byUser: Map<string, SignInSummary>; signIns: number } | Unavailable> {
  const now = options.now ?? new Date();
  const days = options.days ?? EVIDENCE_DAYS;
  const slices = Math.max(1, options.slices ?? 6);
  const start = now.getTime() - days * 86_400_000;
  const width = (now.getTime() - start) / slices;
  const byUser = new Map<string, SignInSummary & { lastSuccess?: string; lastAttempt?: string }>();
  let signIns = 0;
  const readSlice = async (i: number): Promise<void> => {
    const from = new Date(start + i * width);
    const to = i === slices - 1 ? new Date(now.getTime() + 60_000) : new Date(start + (i + 1) * width);
    for await (const page of client.pages(
      client.url('auditLogs/signIns', {
        $filter: signInFilter(from, to),
        $select: 'userPrincipalName,createdDateTime,status',
        $top: '1000',
      }),
    )) {
      for (const item of page as Array<Record<string, unknown>>) {
        const upn = typeof item.userPrincipalName === 'string' ? item.userPrincipalName.toLowerCase() : undefined;
        if (!upn) continue;
        signIns++;
        const status = item.status as { errorCode?: number } | undefined;
        const ok = (status?.errorCode ?? 0) === 0;
        const at = typeof item.createdDateTime === 'string' ? item.createdDateTime : undefined;
        const summary = byUser.get(upn) ?? { successful: 0, failed: 0 };
        if (ok) summary.successful++;
        else summary.failed++;
        if (at && ok && (!summary.lastSuccess || at > summary.lastSuccess)) summary.lastSuccess = at;
        if (at && (!summary.lastAttempt || at > summary.lastAttempt)) summary.lastAttempt = at;
        byUser.set(upn, summary);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: slices }, (_, i) => readSlice(i)));
    const result = new Map<string, SignInSummary>();
    for (const [upn, s] of byUser)
      result.set(upn, { successful: s.successful, failed: s.failed, lastUsed: s.lastSuccess ?? s.lastAttempt });
    return { available: true, byUser: result, signIns };
  } catch (error) {
    return unavailable(error, 'AuditLog.Read.All', 'Entra ID P1/P2 licence');
  }
}

export interface AppUsage {
  smtpUsed: boolean;
  lastActivity?: string;
}

/**
 * GET /v1.0/reports/getEmailAppUsageUserDetail(period='D30') (Reports.Read.All): CSV with a header row. The SMTP App
 * column says the user submitted mail over SMTP AUTH, not whether Basic or OAuth: a weaker signal than sign-ins.
 * With concealed names (the admin center's privacy setting) the rows cannot be matched to mailboxes: unavailable.
 */
export async function readEmailAppUsage(
  client: GraphClient,
): Promise<{ available: true; byUser: Map<string, AppUsage> } | Unavailable> {
  let text: string;
  try {
    text = await client.getReportText(client.url("reports/getEmailAppUsageUserDetail(period='D30')"));
  } catch (error) {
    return unavailable(error, 'Reports.Read.All');
  }
  const rows = parseCsv(text.replace(/^\ufeff/, ''));
  const header = rows.shift() ?? [];
  const column = (name: string): number => header.findIndex((h) => h.trim().toLowerCase() === name.toLowerCase());
  const upnAt = column('User Principal Name');
  const smtpAt = column('SMTP App');
  const lastAt = column('Last Activity Date');
  if (upnAt < 0 || smtpAt < 0)
    return { available: false, reason: 'the usage report has no "User Principal Name" or "SMTP App" column' };
  const byUser = new Map<string, AppUsage>();
  let named = 0;
  for (const row of rows) {
    const upn = row[upnAt]?.trim();
    if (!upn) continue;
    if (upn.includes('@')) named++;
    const value = (row[smtpAt] ?? '').trim();
    byUser.set(upn.toLowerCase(), {
      smtpUsed: value !== '' && !/^(no|false|0)$/i.test(value),
      lastActivity: lastAt >= 0 && row[lastAt] ? row[lastAt] : undefined,
    });
  }
  if (byUser.size > 0 && named === 0) {
    return {
      available: false,
      reason: 'the usage report conceals user names (Microsoft 365 admin center > Settings > Org settings > Reports)',
    };
  }
  return { available: true, byUser };
}

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      rows.push(row);
      row = [];
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}
