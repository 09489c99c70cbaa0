/**
 * The three Microsoft Graph endpoints `exoform report` reads, served on the emulator's own port (GRAPH.md lists
 * every behaviour and its source):
 *
 *   GET /graph/{tenant}/v1.0/auditLogs/signIns?$filter=...&$top=...      (Entra sign-ins, paged by @odata.nextLink)
 *   GET /graph/{tenant}/v1.0/policies/identitySecurityDefaultsEnforcementPolicy
 *   GET /graph/{tenant}/v1.0/reports/getEmailAppUsageUserDetail(period='D30')   (302 to a CSV download)
 *   GET /graph/_download/{tenant}/emailAppUsage.csv                        (the download; no bearer token, as on Graph)
 *
 * Real Graph takes the tenant from the token; the emulator's token is one static value, so the tenant is a path
 * segment here. Graph data is derived from the seed fixture's `graph` section (read-only: nothing writes it).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorControl } from './control';
import type { FixtureTenant } from './fixture';
import { deterministicGuid } from './ids';
import type { Tenant } from './tenant-store';
import { Problems, checkBoolean, checkKnownKeys, describeValue, isPlainObject, joinPath } from './problems';

export const GRAPH_PERMISSIONS = ['AuditLog.Read.All', 'Policy.Read.All', 'Reports.Read.All'] as const;
export type GraphPermission = (typeof GRAPH_PERMISSIONS)[number];

export interface FixtureSignIn {
  upn: string;
  /** How long before the request the sign-in happened. */
  hoursAgo: number;
  /** @default 'success' */
  status?: 'success' | 'failure';
  /** @default 'Authenticated SMTP' */
  clientAppUsed?: string;
  appDisplayName?: string;
}

export interface FixtureGraph {
  /** Entra security defaults (identitySecurityDefaultsEnforcementPolicy.isEnabled). @default false */
  securityDefaults?: boolean;
  /** Application permissions the app lacks in this tenant: their endpoints answer 403 Authorization_RequestDenied. */
  missingPermissions?: GraphPermission[];
  /** Without Entra ID P1/P2 the sign-in log answers 403 (Authentication_RequestFromNonPremiumTenantOrB2CTenant). @default true */
  premiumLicence?: boolean;
  /** The admin center's "Display concealed user, group, and site names in all reports" (Microsoft's default since 2021). @default false */
  concealedReportNames?: boolean;
  signIns?: FixtureSignIn[];
  /** Synthesised load: the first `users` mailboxes sign in with Basic SMTP `perDay` times a day for 30 days. */
  generatedSignIns?: { users: number; perDay: number };
  /** Users whose SMTP App column shows activity in the usage report (besides everyone with a successful SMTP sign-in). */
  smtpAppUsers?: string[];
}

export const GRAPH_KEYS = [
  'securityDefaults',
  'missingPermissions',
  'premiumLicence',
  'concealedReportNames',
  'signIns',
  'generatedSignIns',
  'smtpAppUsers',
] as const;

/** Checks a tenant's `graph` section (called from the fixture validator). */
export function validateGraphFixture(value: unknown, path: string, problems: Problems): void {
  if (value === undefined) return;
  if (!isPlainObject(value)) {
    problems.add(path, `must be an object, got ${describeValue(value)}`);
    return;
  }
  checkKnownKeys(value, GRAPH_KEYS, path, problems);
  for (const key of ['securityDefaults', 'premiumLicence', 'concealedReportNames'] as const) {
    if (key in value) checkBoolean(value[key], joinPath(path, key), problems);
  }
  if (value.missingPermissions !== undefined) {
    const list = value.missingPermissions;
    if (!Array.isArray(list) || list.some((p) => !(GRAPH_PERMISSIONS as readonly unknown[]).includes(p))) {
      problems.add(
        joinPath(path, 'missingPermissions'),
        `must be a list of ${GRAPH_PERMISSIONS.join(', ')}, got ${describeValue(list)}`,
      );
    }
  }
  if (value.signIns !== undefined) {
    if (!Array.isArray(value.signIns)) problems.add(joinPath(path, 'signIns'), 'must be an array');
    else {
      value.signIns.forEach((entry, i) => {
        const p = `${joinPath(path, 'signIns')}[${i}]`;
        if (!isPlainObject(entry))
          return problems.add(p, `must be an object with "upn" and "hoursAgo", got ${describeValue(entry)}`);
        checkKnownKeys(entry, ['upn', 'hoursAgo', 'status', 'clientAppUsed', 'appDisplayName'], p, problems);
        if (typeof entry.upn !== 'string' || !entry.upn.includes('@'))
          problems.add(joinPath(p, 'upn'), `must be a user principal name, got ${describeValue(entry.upn)}`);
        if (typeof entry.hoursAgo !== 'number' || !(entry.hoursAgo >= 0) || entry.hoursAgo > 24 * 365)
          problems.add(
            joinPath(p, 'hoursAgo'),
            `must be a number of hours from 0 to 8760, got ${describeValue(entry.hoursAgo)}`,
          );
        if (entry.status !== undefined && entry.status !== 'success' && entry.status !== 'failure')
          problems.add(joinPath(p, 'status'), `must be "success" or "failure", got ${describeValue(entry.status)}`);
        for (const key of ['clientAppUsed', 'appDisplayName'] as const) {
          if (entry[key] !== undefined && typeof entry[key] !== 'string')
            problems.add(joinPath(p, key), `must be a string, got ${describeValue(entry[key])}`);
        }
      });
    }
  }
  if (value.generatedSignIns !== undefined) {
    const g = value.generatedSignIns;
    const p = joinPath(path, 'generatedSignIns');
    if (!isPlainObject(g)) problems.add(p, 'must be {"users": N, "perDay": N}');
    else {
      checkKnownKeys(g, ['users', 'perDay'], p, problems);
      for (const key of ['users', 'perDay'] as const) {
        const n = g[key];
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 1_000_000)
          problems.add(joinPath(p, key), `must be a whole number from 0 to 1000000, got ${describeValue(n)}`);
      }
    }
  }
  if (
    value.smtpAppUsers !== undefined &&
    (!Array.isArray(value.smtpAppUsers) || value.smtpAppUsers.some((u) => typeof u !== 'string'))
  ) {
    problems.add(joinPath(path, 'smtpAppUsers'), 'must be a list of user principal names');
  }
}

interface SignInRecord {
  /** Per tenant: the record's number, turned into the GUID-shaped id only when the record is answered. */
  n: number;
  /** For filtering: milliseconds since the epoch. */
  at: number;
  userPrincipalName: string;
  userId: string;
  appDisplayName: string;
  clientAppUsed: string;
  errorCode: number;
}

/** The sign-in log of one tenant at one moment: newest first, as Graph lists it. */
function signInsOf(tenant: Tenant, graph: FixtureGraph, now: number): SignInRecord[] {
  const users = new Map(tenant.recipients.map((r) => [r.UserPrincipalName.toLowerCase(), r]));
  const records: SignInRecord[] = [];
  const add = (upn: string, at: number, clientAppUsed: string, errorCode: number, app: string, n: number): void => {
    const user = users.get(upn.toLowerCase());
    records.push({
      n,
      at,
      userPrincipalName: user?.UserPrincipalName ?? upn,
      userId: user?.ExternalDirectoryObjectId ?? deterministicGuid(tenant.tenantId, 'user', upn.toLowerCase()),
      appDisplayName: app,
      clientAppUsed,
      errorCode,
    });
  };
  const fixed = graph.signIns ?? [];
  fixed.forEach((s, i) =>
    add(
      s.upn,
      now - s.hoursAgo * 3_600_000,
      s.clientAppUsed ?? 'Authenticated SMTP',
      s.status === 'failure' ? 50126 : 0,
      s.appDisplayName ?? '',
      i,
    ),
  );
  const generated = graph.generatedSignIns;
  if (generated && generated.users > 0 && generated.perDay > 0) {
    const mailboxes = tenant.recipients
      .filter((r) => r.RecipientTypeDetails === 'UserMailbox')
      .slice(0, generated.users);
    const step = 86_400_000 / generated.perDay;
    let n = fixed.length;
    for (const mailbox of mailboxes) {
      // Spread over the 30 days before the request; each user gets its own phase so pages mix users.
      const phase = (n * 7919) % step;
      for (let t = now - 30 * 86_400_000 + phase + 60_000; t < now; t += step)
        add(mailbox.UserPrincipalName, t, 'Authenticated SMTP', 0, '', n++);
    }
  }
  return records.sort((a, b) => b.at - a.at);
}

/** A filter term the sign-in endpoint accepts here: the ones exoform sends (GRAPH.md). */
type Term =
  | { property: 'clientAppUsed' | 'userPrincipalName'; value: string }
  | { property: 'createdDateTime'; op: 'ge' | 'gt' | 'lt' | 'le'; value: number };

/**
 * Parses `clientAppUsed eq 'Authenticated SMTP' and createdDateTime ge 2026-11-03T00:00:00Z [and createdDateTime lt ...]`.
 * OData string literals double their quotes; anything else is Graph's 400 "Invalid filter clause".
 */
export function parseSignInFilter(filter: string): Term[] {
  const terms: Term[] = [];
  const pattern =
    /\s*(clientAppUsed|userPrincipalName|createdDateTime)\s+(eq|ge|gt|lt|le)\s+('(?:[^']|'')*'|\d{4}-\d{2}-\d{2}T[0-9:.]+Z)\s*(and\s+|$)/iy;
  let index = 0;
  while (index < filter.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(filter);
    if (!match)
      throw new GraphError(
        400,
        'BadRequest',
        `Invalid filter clause: the emulator understands only "clientAppUsed eq '...'", "userPrincipalName eq '...'" and "createdDateTime ge|gt|lt|le <UTC time>" joined by "and" (near position ${index}).`,
      );
    const [, rawProperty, op, literal, joiner] = match;
    const property = rawProperty.toLowerCase();
    if (property === 'createddatetime') {
      const at = Date.parse(literal);
      if (literal.startsWith("'") || Number.isNaN(at))
        throw new GraphError(
          400,
          'BadRequest',
          `Invalid filter clause: createdDateTime needs an unquoted UTC time, got ${literal}.`,
        );
      terms.push({ property: 'createdDateTime', op: op.toLowerCase() as 'ge', value: at });
    } else {
      if (op.toLowerCase() !== 'eq' || !literal.startsWith("'"))
        throw new GraphError(
          400,
          'BadRequest',
          `Invalid filter clause: ${rawProperty} supports only eq with a quoted string.`,
        );
      terms.push({
        property: property === 'clientappused' ? 'clientAppUsed' : 'userPrincipalName',
        value: literal.slice(1, -1).replace(/''/g, "'"),
      });
    }
    index = pattern.lastIndex;
    if (joiner === '' && index < filter.length) throw new GraphError(400, 'BadRequest', 'Invalid filter clause.');
  }
  if (terms.length === 0) throw new GraphError(400, 'BadRequest', 'Invalid filter clause: the filter is empty.');
  return terms;
}

function matches(record: SignInRecord, terms: readonly Term[]): boolean {
  return terms.every((term) => {
    switch (term.property) {
      case 'clientAppUsed':
        return record.clientAppUsed === term.value;
      case 'userPrincipalName':
        return record.userPrincipalName.toLowerCase() === term.value.toLowerCase();
      case 'createdDateTime':
        return term.op === 'ge'
          ? record.at >= term.value
          : term.op === 'gt'
            ? record.at > term.value
            : term.op === 'lt'
              ? record.at < term.value
              : record.at <= term.value;
    }
  });
}

export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Graph's error envelope (Learn, "Microsoft Graph error responses and resource types"). */
function graphErrorBody(error: GraphError): object {
  return {
    error: {
      code: error.code,
      message: error.message,
      innerError: {
        date: new Date().toISOString().replace(/\.\d{3}Z$/, ''),
        'request-id': randomUUID(),
        'client-request-id': randomUUID(),
      },
    },
  };
}

const PAGE_MAX = 1000;

/** Paged listings by opaque token: the filtered snapshot is kept so every page of one listing agrees. */
class SignInCursors {
  private readonly cursors = new Map<string, { records: SignInRecord[]; expires: number }>();
  put(records: SignInRecord[]): string {
    const now = Date.now();
    for (const [key, cursor] of this.cursors) if (cursor.expires < now) this.cursors.delete(key);
    const token = randomUUID();
    this.cursors.set(token, { records, expires: now + 10 * 60_000 });
    return token;
  }
  get(token: string): SignInRecord[] | undefined {
    const cursor = this.cursors.get(token);
    if (cursor) cursor.expires = Date.now() + 10 * 60_000;
    return cursor?.records;
  }
}

export class GraphEmulator {
  private readonly cursors = new SignInCursors();
  /** Generated sign-in logs are large: built once per tenant and minute, not per page. */
  private readonly logCache = new Map<string, { minute: number; records: SignInRecord[] }>();

  constructor(private readonly control: EmulatorControl) {}

  /** Handles `/graph/...`; `segments` excludes the leading `graph`. */
  async handle(
    method: string,
    segments: string[],
    url: URL,
    request: IncomingMessage,
    response: ServerResponse,
    authenticated: () => void,
  ): Promise<void> {
    try {
      if (segments[0] === '_download') return this.download(segments, response);
      authenticated();
      if (method !== 'GET')
        throw new GraphError(405, 'Request_BadRequest', `The emulated Graph endpoints answer GET only, not ${method}.`);
      const [tenantSegment, version, ...rest] = segments;
      const tenant = tenantSegment ? this.control.store.findTenant(tenantSegment) : undefined;
      if (!tenant)
        throw new GraphError(
          400,
          'InvalidAuthenticationToken',
          `No tenant "${tenantSegment ?? ''}" in this emulator (the Graph path is /graph/{tenant}/v1.0/...).`,
        );
      if (version !== 'v1.0') throw new GraphError(400, 'BadRequest', `Only v1.0 is emulated, not "${version ?? ''}".`);
      const graph = this.graphOf(tenant);
      const path = rest.join('/');
      const base = `http://${request.headers.host ?? 'localhost'}/graph/${encodeURIComponent(tenantSegment!)}/v1.0`;
      if (/^auditLogs\/signIns$/i.test(path)) return this.signIns(tenant, graph, url, base, response);
      if (/^policies\/identitySecurityDefaultsEnforcementPolicy$/i.test(path)) {
        this.require(graph, 'Policy.Read.All');
        return send(response, 200, {
          '@odata.context': `${base}/$metadata#policies/identitySecurityDefaultsEnforcementPolicy/$entity`,
          id: '00000000-0000-0000-0000-000000000005',
          displayName: 'Security Defaults',
          description:
            'Security defaults is a set of basic identity security mechanisms recommended by Microsoft. When enabled, these recommendations will be automatically enforced in your organization. Administrators and users will be better protected from common identity related attacks.',
          isEnabled: graph.securityDefaults ?? false,
        });
      }
      const report = /^reports\/getEmailAppUsageUserDetail\(period='(D7|D30|D90|D180)'\)$/i.exec(path);
      if (report) {
        this.require(graph, 'Reports.Read.All');
        const location = `http://${request.headers.host ?? 'localhost'}/graph/_download/${encodeURIComponent(tenant.tenantId)}/${report[1].toUpperCase()}/EmailAppUsageUserDetail.csv`;
        response.writeHead(302, { Location: location, 'Content-Length': 0 });
        response.end();
        return;
      }
      throw new GraphError(
        400,
        'BadRequest',
        `Resource not found for the segment '${rest[0] ?? ''}' (the emulator serves auditLogs/signIns, policies/identitySecurityDefaultsEnforcementPolicy and reports/getEmailAppUsageUserDetail).`,
      );
    } catch (error) {
      const status = (error as { status?: number }).status;
      const graphError =
        error instanceof GraphError
          ? error
          : status === 401
            ? new GraphError(401, 'InvalidAuthenticationToken', (error as Error).message)
            : new GraphError(500, 'InternalServerError', (error as Error).message);
      send(response, graphError.status, graphErrorBody(graphError));
    }
  }

  private graphOf(tenant: Tenant): FixtureGraph {
    const fixture = this.control.store.seed.fixture.tenants.find(
      (t: FixtureTenant) => t.domain.toLowerCase() === tenant.initialDomain.toLowerCase(),
    );
    return fixture?.graph ?? {};
  }

  private require(graph: FixtureGraph, permission: GraphPermission): void {
    if (graph.missingPermissions?.includes(permission)) {
      throw new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    }
  }

  private log(tenant: Tenant, graph: FixtureGraph): SignInRecord[] {
    const minute = Math.floor(Date.now() / 60_000);
    const cached = this.logCache.get(tenant.tenantId);
    if (cached && cached.minute === minute) return cached.records;
    const records = signInsOf(tenant, graph, Date.now());
    this.logCache.set(tenant.tenantId, { minute, records });
    return records;
  }

  private signIns(tenant: Tenant, graph: FixtureGraph, url: URL, base: string, response: ServerResponse): void {
    this.require(graph, 'AuditLog.Read.All');
    if (graph.premiumLicence === false) {
      throw new GraphError(
        403,
        'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
        "Neither tenant is B2C or tenant doesn't have premium license",
      );
    }
    const skipToken = url.searchParams.get('$skiptoken');
    const top = Math.min(Number(url.searchParams.get('$top') ?? PAGE_MAX) || PAGE_MAX, PAGE_MAX);
    let records: SignInRecord[];
    let offset = 0;
    if (skipToken) {
      const [token, at] = skipToken.split('.');
      const cursor = this.cursors.get(token ?? '');
      if (!cursor)
        throw new GraphError(400, 'BadRequest', 'The $skiptoken is not valid or has expired; start the listing again.');
      records = cursor;
      offset = Number(at) || 0;
    } else {
      const filter = url.searchParams.get('$filter');
      const terms = filter ? parseSignInFilter(filter) : [];
      records = this.log(tenant, graph).filter((r) => matches(r, terms));
    }
    const page = records.slice(offset, offset + top);
    // $select trims each item to the properties asked for (OData; Graph supports it on signIns). Kept in the nextLink.
    const selectParam = url.searchParams.get('$select');
    const select = selectParam
      ? selectParam
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean)
      : undefined;
    const next =
      offset + top < records.length
        ? `${base}/auditLogs/signIns?$top=${top}${select ? `&$select=${encodeURIComponent(select.join(','))}` : ''}&$skiptoken=${skipToken ? skipToken.split('.')[0] : this.cursors.put(records)}.${offset + top}`
        : undefined;
    send(response, 200, {
      '@odata.context': `${base}/$metadata#auditLogs/signIns`,
      value: page.map((r) =>
        project(select, {
          id: signInId(tenant.tenantId, r.n),
          createdDateTime: new Date(r.at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          userDisplayName: r.userPrincipalName.split('@')[0],
          userPrincipalName: r.userPrincipalName,
          userId: r.userId,
          appId: '00000000-0000-0000-0000-000000000000',
          appDisplayName: r.appDisplayName,
          ipAddress: '203.0.113.10',
          clientAppUsed: r.clientAppUsed,
          isInteractive: true,
          status: {
            errorCode: r.errorCode,
            failureReason:
              r.errorCode === 0 ? 'Other.' : 'Error validating credentials due to invalid username or password.',
            additionalDetails: null,
          },
        }),
      ),
      ...(next ? { '@odata.nextLink': next } : {}),
    });
  }

  /** The pre-authenticated download Graph redirects a report request to: CSV, UTF-8 with a byte-order mark. */
  private download(segments: string[], response: ServerResponse): void {
    const [, tenantId, period] = segments;
    const tenant = tenantId ? this.control.store.findTenant(tenantId) : undefined;
    if (!tenant) throw new GraphError(404, 'NotFound', 'The report download has expired.');
    const graph = this.graphOf(tenant);
    const days = Number(/^D(\d+)$/.exec(period ?? 'D30')?.[1] ?? 30);
    const since = Date.now() - days * 86_400_000;
    const lastSmtp = new Map<string, number>();
    for (const record of this.log(tenant, graph)) {
      if (record.errorCode !== 0 || record.at < since || record.clientAppUsed !== 'Authenticated SMTP') continue;
      const key = record.userPrincipalName.toLowerCase();
      lastSmtp.set(key, Math.max(lastSmtp.get(key) ?? 0, record.at));
    }
    const extra = new Set((graph.smtpAppUsers ?? []).map((u) => u.toLowerCase()));
    const refresh = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const header =
      'Report Refresh Date,User Principal Name,Display Name,Is Deleted,Deleted Date,Last Activity Date,Mail For Mac,Outlook For Mac,Outlook For Windows,Outlook For Mobile,Other For Mobile,Outlook For Web,POP3 App,IMAP4 App,SMTP App,Report Period';
    const lines = [header];
    for (const recipient of tenant.recipients) {
      if (recipient.RecipientTypeDetails === 'User') continue;
      const key = recipient.UserPrincipalName.toLowerCase();
      const smtp = lastSmtp.has(key) || extra.has(key);
      const last = lastSmtp.has(key) ? new Date(lastSmtp.get(key)!).toISOString().slice(0, 10) : smtp ? refresh : '';
      const upn = graph.concealedReportNames
        ? deterministicGuid('concealed', key).replace(/-/g, '').toUpperCase()
        : recipient.UserPrincipalName;
      const name = graph.concealedReportNames
        ? deterministicGuid('concealed-name', key).replace(/-/g, '').toUpperCase()
        : recipient.DisplayName;
      lines.push(
        [
          refresh,
          upn,
          csvField(name),
          'False',
          '',
          last,
          '',
          '',
          smtp ? '' : 'Yes',
          '',
          '',
          '',
          '',
          '',
          smtp ? 'Yes' : '',
          String(days),
        ].join(','),
      );
    }
    const body = `\ufeff${lines.join('\r\n')}\r\n`;
    response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': Buffer.byteLength(body) });
    response.end(body);
  }
}

/** A GUID-shaped id from the tenant and the record's number: unique, stable, and cheap for 100,000s of records. */
function signInId(tenantId: string, n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `${tenantId.slice(0, 8)}-${tenantId.slice(9, 13)}-4${tenantId.slice(15, 18)}-a${tenantId.slice(20, 23)}-${hex.slice(-12)}`;
}

function project(select: string[] | undefined, item: Record<string, unknown>): Record<string, unknown> {
  if (!select) return item;
  const out: Record<string, unknown> = {};
  for (const key of select) {
    const found = Object.keys(item).find((k) => k.toLowerCase() === key.toLowerCase());
    if (!found)
      throw new GraphError(
        400,
        'BadRequest',
        `Could not find a property named '${key}' on type 'microsoft.graph.signIn'.`,
      );
    out[found] = item[found];
  }
  return out;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function send(response: ServerResponse, status: number, body: object): void {
  if (response.headersSent) return;
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type':
      'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'request-id': randomUUID(),
  });
  response.end(text);
}
