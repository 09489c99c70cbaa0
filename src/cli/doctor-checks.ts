/**
 * The checks of `exoform doctor` (see doctor.ts). Each check is one row: pass, fail (with a remedy) or skip (with
 * why). The REST bridge's checks talk to the wire directly, so they see what the bridge would hide: the status, the
 * headers, the exact error body, a 3xx. With EXO_BRIDGE=powershell the reads go through the PowerShell bridge and
 * the wire-level checks are skipped (the module owns the wire).
 */
import type { JsonValue, Row } from '../bridge/bridge';
import { resolveCloud, isCloudHost, type Cloud } from '../bridge/clouds';
import { ConfigurationError, ExchangeError, NotFoundError } from '../bridge/errors';
import { isSet } from '../bridge/settings';
import { createTokenProvider, type RestBridgeSettings } from '../bridge/rest/create-rest-bridge';
import { adminApiPath, isGuid, parseEndpoint, validateOrganization } from '../bridge/rest/endpoint';
import { networkErrorToExchangeError } from '../bridge/rest/http-client';
import { anchorMailboxFor, decodeTokenClaims, delegatedUser, type TokenClaims } from '../bridge/rest/token-claims';
import { redactText, WireRecorder } from '../bridge/rest/wire-record';
import { describeUnknownProperty, scanRows, type UnknownProperty } from '../exchange/watched-properties';
import { newRequestId, type RawRequest, type RawResponse } from './raw-http';

/** warn: nothing failed, but something needs a person's eye (an SMTP or auth property exoform does not model). */
export type CheckStatus = 'pass' | 'fail' | 'skip' | 'warn';

export interface DoctorCheck {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  remedy?: string;
  /** Observations worth a bug report (hosts, forms, counts); never a secret. */
  facts?: Record<string, unknown>;
}

export interface DoctorReport {
  ok: boolean;
  bridge: string;
  cloud: string;
  organization: string;
  endpoint: string;
  checks: DoctorCheck[];
  recorded?: string;
  /** Properties on the rows read, named for SMTP, Basic/legacy auth or OAuth, that exoform does not model. */
  unknownProperties: UnknownProperty[];
}

export interface DoctorOptions {
  pageSize: number;
  recordPath?: string;
  redactTenant: boolean;
  http: { request(request: RawRequest): Promise<RawResponse> };
  /** Per-request bound. Default 120 s. */
  timeoutMs?: number;
}

/** The cmdlets the provider reads with, in the order doctor tries them. */
const READS: ReadonlyArray<{ cmdlet: string; parameters: Record<string, JsonValue>; paged?: boolean }> = [
  { cmdlet: 'Get-TransportConfig', parameters: {} },
  { cmdlet: 'Get-CASMailbox', parameters: { ResultSize: 'Unlimited' }, paged: true },
  { cmdlet: 'Get-User', parameters: { ResultSize: 'Unlimited' }, paged: true },
  { cmdlet: 'Get-AuthenticationPolicy', parameters: {} },
  { cmdlet: 'Get-OrganizationConfig', parameters: {} },
];

/** Exchange Online's resource app id: an `aud` of this value is Exchange too. */
const EXCHANGE_APP_ID = '00000002-0000-0ff1-ce00-000000000000';

export async function runDoctor(environment: NodeJS.ProcessEnv, options: DoctorOptions): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const settings: RestBridgeSettings = {
    organization: environment.EXO_ORGANIZATION,
    accessToken: environment.EXO_ACCESS_TOKEN,
    clientId: environment.EXO_CLIENT_ID,
    clientSecret: environment.EXO_CLIENT_SECRET,
    certificatePath: environment.EXO_CERTIFICATE_PATH,
    certificatePassword: environment.EXO_CERTIFICATE_PASSWORD,
    endpoint: isSet(environment.EXO_ENDPOINT) ? environment.EXO_ENDPOINT : undefined,
    environment: environment.EXO_ENVIRONMENT,
  };
  const bridge = (environment.EXO_BRIDGE ?? '').trim().toLowerCase() || 'rest';
  const report: DoctorReport = {
    ok: false,
    bridge,
    cloud: '',
    organization: settings.organization ?? '',
    endpoint: '',
    checks,
    unknownProperties: [],
  };
  const finish = (): DoctorReport => {
    report.ok = checks.length > 0 && checks.every((check) => check.status !== 'fail');
    return report;
  };

  // Settings.
  let cloud: Cloud;
  let organization: string;
  let endpoint: URL;
  try {
    if (bridge !== 'rest' && bridge !== 'powershell') {
      throw new ConfigurationError(
        `EXO_BRIDGE is ${JSON.stringify(bridge)}.`,
        'Set EXO_BRIDGE to rest (the default) or powershell.',
        ['bridge'],
      );
    }
    organization = validateOrganization(settings.organization ?? '');
    cloud = resolveCloud(settings.environment, settings.endpoint);
    endpoint = parseEndpoint(settings.endpoint ?? cloud.endpoint);
  } catch (error) {
    checks.push(failure('settings', 'Provider settings', error));
    return finish();
  }
  report.cloud = cloud.label;
  report.organization = organization;
  report.endpoint = endpoint.origin;
  checks.push({
    id: 'settings',
    title: 'Provider settings',
    status: 'pass',
    detail: `${cloud.label} (${cloud.exchangeEnvironmentName}), ${endpoint.origin}, bridge ${bridge}`,
  });

  if (bridge === 'powershell') {
    await runPowerShellChecks(environment, organization, checks, report.unknownProperties);
    if (options.recordPath)
      checks.push(
        skipped(
          'record',
          'Recording (--record)',
          'nothing recorded: with EXO_BRIDGE=powershell the module owns the wire',
        ),
      );
    return finish();
  }

  // Token and its claims.
  let token: string;
  let describe: string;
  try {
    const provider = createTokenProvider(settings, undefined, cloud);
    describe = provider.describe();
    token = await provider.getToken({ forceRefresh: false });
  } catch (error) {
    checks.push(failure('token', 'Access token', error));
    return finish();
  }
  const claims = decodeTokenClaims(token);
  const tenants = options.redactTenant ? [organization, ...(claims?.tid ? [claims.tid] : [])] : [];
  const shown = (text: string): string => (tenants.length > 0 ? redactText(text, { tenants }) : text);
  report.organization = shown(organization);
  checks.push({
    id: 'token',
    title: 'Access token',
    status: 'pass',
    detail: `obtained from ${shown(describe)}; ${claims ? 'a JWT (claims below)' : 'opaque (no claims to read)'}`,
  });
  checks.push(...claimChecks(claims, organization, cloud, shown));

  const recorder = options.recordPath
    ? new WireRecorder(options.recordPath, { tenants, source: `exoform doctor (${cloud.exchangeEnvironmentName})` })
    : undefined;
  recorder?.addSecret(token);
  for (const secret of [settings.clientSecret, settings.certificatePassword]) recorder?.addSecret(secret);
  if (recorder) {
    recorder.flush();
    report.recorded = options.recordPath;
  }

  const anchor = anchorMailboxFor(claims, organization);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const baseHeaders = (): Record<string, string> => ({
    Authorization: `Bearer ${token}`,
    'X-AnchorMailbox': anchor,
    'X-ResponseFormat': 'json',
    'client-request-id': newRequestId(),
    Accept: 'application/json',
    'User-Agent': 'exoform-doctor',
  });
  const send = async (label: string, request: RawRequest): Promise<RawResponse> => {
    const response = await options.http.request(request);
    recorder?.record(
      request.method,
      { url: request.url, headers: request.headers, body: request.body ?? '' },
      response,
      label,
    );
    return response;
  };
  const invoke = (
    label: string,
    url: URL,
    cmdlet: string,
    parameters: Record<string, unknown>,
    pageSize: number,
  ): Promise<RawResponse> =>
    send(label, {
      method: 'POST',
      url,
      timeoutMs,
      headers: {
        ...baseHeaders(),
        'Content-Type': 'application/json',
        'X-CmdletName': cmdlet,
        Prefer: `odata.maxpagesize=${pageSize}`,
      },
      body: JSON.stringify({ CmdletInput: { CmdletName: cmdlet, Parameters: parameters } }),
    });
  const invokeUrl = new URL(adminApiPath(organization, 'InvokeCommand'), endpoint);

  // The module-file probe (CISA ScubaGear): a 3xx names a tenant-specific host.
  try {
    const probe = await send('redirect', {
      method: 'GET',
      url: new URL(`/AdminApi/v1.0/${encodeURIComponent(organization)}/EXOModuleFile`, endpoint),
      headers: baseHeaders(),
      timeoutMs,
    });
    checks.push(redirectCheck(probe, endpoint, cloud, shown));
  } catch (error) {
    checks.push(
      failure(
        'redirect',
        'Reach the admin API (module-file probe)',
        networkErrorToExchangeError(error, endpoint.origin),
      ),
    );
    checks.push(skipped('reads', 'Reads, not-found and $batch', 'the admin API could not be reached'));
    recorder?.flush();
    return finish();
  }

  // Each read the provider uses.
  for (const read of READS) {
    const id = `read:${read.cmdlet}`;
    const pageSize = read.paged ? options.pageSize : 1000;
    try {
      const response = await invoke(id, invokeUrl, read.cmdlet, read.parameters, pageSize);
      const follow = (url: URL): Promise<RawResponse> =>
        invoke(`${id}:nextLink`, url, read.cmdlet, read.parameters, pageSize);
      const context = { endpoint, cloud, pageSize, follow };
      checks.push(await readCheck(id, read.cmdlet, response, context, report.unknownProperties));
    } catch (error) {
      checks.push(failure(id, `${read.cmdlet}`, networkErrorToExchangeError(error, endpoint.origin)));
    }
  }

  // Where a property was seen names the tenant's objects: redacted like everything else with --redact-tenant.
  report.unknownProperties = report.unknownProperties.map((found) => ({ ...found, seenOn: shown(found.seenOn) }));
  checks.push(watchCheck(report.unknownProperties));

  // A deliberate not-found: which error form does this tenant answer with?
  try {
    const response = await invoke('not-found', invokeUrl, 'Get-User', { Identity: randomGuid() }, 1000);
    checks.push(notFoundCheck(response));
  } catch (error) {
    checks.push(failure('not-found', 'Not-found error form', networkErrorToExchangeError(error, endpoint.origin)));
  }

  // A read-only $batch in the observed form: absolute item URLs, every item with the full header set.
  try {
    const items = ['Get-TransportConfig', 'Get-OrganizationConfig'].map((cmdlet, index) => ({
      id: String(index + 1),
      method: 'POST',
      url: invokeUrl.href,
      headers: {
        ...baseHeaders(),
        'Content-Type': 'application/json',
        'X-CmdletName': cmdlet,
        Prefer: 'odata.maxpagesize=1000',
      },
      body: { CmdletInput: { CmdletName: cmdlet, Parameters: {} } },
    }));
    const response = await send('batch', {
      method: 'POST',
      url: new URL(adminApiPath(organization, '$batch'), endpoint),
      timeoutMs,
      headers: { ...baseHeaders(), 'Content-Type': 'application/json', Prefer: 'odata.continue-on-error' },
      body: JSON.stringify({ requests: items }),
    });
    checks.push(batchCheck(response));
  } catch (error) {
    checks.push(failure('batch', '$batch of two reads', networkErrorToExchangeError(error, endpoint.origin)));
  }
  recorder?.flush();
  return finish();
}

function claimChecks(
  claims: TokenClaims | undefined,
  organization: string,
  cloud: Cloud,
  shown: (text: string) => string,
): DoctorCheck[] {
  if (!claims) {
    const why = 'the token is not a JWT, so its claims cannot be read (a test token, or an emulator token)';
    return [
      skipped('token-expiry', 'Token expiry', why),
      skipped('token-tenant', 'Token tenant', why),
      skipped('token-audience', 'Token audience', why),
      skipped('token-roles', 'Token roles', why),
    ];
  }
  const checks: DoctorCheck[] = [];
  const now = Date.now() / 1000;
  if (claims.exp === undefined) checks.push(skipped('token-expiry', 'Token expiry', 'the token has no exp claim'));
  else if (claims.exp <= now) {
    checks.push({
      id: 'token-expiry',
      title: 'Token expiry',
      status: 'fail',
      detail: `expired at ${new Date(claims.exp * 1000).toISOString()}`,
      remedy:
        'Get a fresh access token (they live 60 to 90 minutes) into EXO_ACCESS_TOKEN, or let exoform obtain and renew tokens: set EXO_CLIENT_ID with EXO_CLIENT_SECRET or EXO_CERTIFICATE_PATH.',
    });
  } else
    checks.push({
      id: 'token-expiry',
      title: 'Token expiry',
      status: 'pass',
      detail: `valid for ${Math.floor((claims.exp - now) / 60)} more minutes`,
    });

  if (claims.tid === undefined) checks.push(skipped('token-tenant', 'Token tenant', 'the token has no tid claim'));
  else if (isGuid(organization) && claims.tid.toLowerCase() !== organization.toLowerCase()) {
    checks.push({
      id: 'token-tenant',
      title: 'Token tenant',
      status: 'fail',
      detail: shown(`the token was issued for tenant ${claims.tid}, but EXO_ORGANIZATION is ${organization}`),
      remedy:
        'Set EXO_ORGANIZATION to the tenant the credentials belong to (its tenant id or .onmicrosoft.com domain), or use credentials of that tenant.',
    });
  } else {
    const note = isGuid(organization)
      ? 'matches EXO_ORGANIZATION'
      : 'EXO_ORGANIZATION is a domain; the reads below show whether it is this tenant';
    checks.push({
      id: 'token-tenant',
      title: 'Token tenant',
      status: 'pass',
      detail: shown(`tenant ${claims.tid} (${note})`),
      facts: { tid: shown(claims.tid) },
    });
  }

  const resource = cloud.scope.replace(/\/\.default$/, '');
  if (claims.aud === undefined) checks.push(skipped('token-audience', 'Token audience', 'the token has no aud claim'));
  else if (claims.aud.replace(/\/$/, '').toLowerCase() === resource.toLowerCase() || claims.aud === EXCHANGE_APP_ID) {
    checks.push({
      id: 'token-audience',
      title: 'Token audience',
      status: 'pass',
      detail: `${claims.aud} (Exchange Online)`,
    });
  } else {
    checks.push({
      id: 'token-audience',
      title: 'Token audience',
      status: 'fail',
      detail: `the token is for ${claims.aud}, not Exchange Online (${resource})`,
      remedy: `Request the token with scope ${cloud.scope}; if the tenant is in another cloud, set EXO_ENVIRONMENT.`,
    });
  }

  if (delegatedUser(claims) !== undefined) {
    checks.push({
      id: 'token-roles',
      title: 'Token roles',
      status: 'pass',
      detail: `a delegated user token (scopes: ${claims.scp ?? 'none'}); requests are anchored to the signed-in user`,
    });
  } else if ((claims.roles ?? []).includes('Exchange.ManageAsApp')) {
    checks.push({
      id: 'token-roles',
      title: 'Token roles',
      status: 'pass',
      detail: `app-only with ${(claims.roles ?? []).join(', ')}`,
    });
  } else {
    checks.push({
      id: 'token-roles',
      title: 'Token roles',
      status: 'fail',
      detail: `app-only token without Exchange.ManageAsApp (roles: ${(claims.roles ?? []).join(', ') || 'none'})`,
      remedy:
        "In the app registration add the Office 365 Exchange Online application permission Exchange.ManageAsApp and grant admin consent; then assign an Exchange role (e.g. Exchange Administrator) to the app's service principal.",
    });
  }
  return checks;
}

function redirectCheck(probe: RawResponse, endpoint: URL, cloud: Cloud, shown: (text: string) => string): DoctorCheck {
  const title = 'Regional redirect (module-file probe)';
  if (probe.status >= 300 && probe.status < 400) {
    const location = probe.headers.location;
    let target: URL | undefined;
    try {
      target = location ? new URL(location, endpoint) : undefined;
    } catch {
      target = undefined;
    }
    if (!target)
      return {
        id: 'redirect',
        title,
        status: 'fail',
        detail: `HTTP ${probe.status} without a usable Location`,
        remedy: 'Record the exchange with --record and report it.',
      };
    if (!isCloudHost(cloud, target.hostname) && target.origin !== endpoint.origin) {
      return {
        id: 'redirect',
        title,
        status: 'fail',
        detail: shown(`HTTP ${probe.status} to ${target.host}, outside ${cloud.label}`),
        remedy:
          'Check EXO_ENVIRONMENT and EXO_ENDPOINT (a proxy may be rewriting the answer); record with --record and report it.',
        facts: { redirectHost: shown(target.host) },
      };
    }
    return {
      id: 'redirect',
      title,
      status: 'pass',
      detail: shown(`HTTP ${probe.status}: this tenant's host is ${target.host}`),
      facts: { redirectHost: shown(target.host), status: probe.status },
    };
  }
  if (probe.status >= 200 && probe.status < 300)
    return {
      id: 'redirect',
      title,
      status: 'pass',
      detail: `HTTP ${probe.status}: no tenant-specific host`,
      facts: { status: probe.status },
    };
  return httpFailure('redirect', title, probe);
}

async function readCheck(
  id: string,
  cmdlet: string,
  response: RawResponse,
  context: { endpoint: URL; cloud: Cloud; pageSize: number; follow(url: URL): Promise<RawResponse> },
  unknown: UnknownProperty[],
): Promise<DoctorCheck> {
  if (response.status < 200 || response.status >= 300) return httpFailure(id, cmdlet, response);
  const body = parseJson(response.body) as
    | { value?: unknown; '@odata.nextLink'?: unknown; '@adminapi.warnings'?: unknown; '@adminapi.errors'?: unknown }
    | undefined;
  if (!body || !Array.isArray(body.value)) {
    return {
      id,
      title: cmdlet,
      status: 'fail',
      detail: `HTTP ${response.status} without a "value" array`,
      remedy: 'Record the exchange with --record and report it.',
    };
  }
  const facts: Record<string, unknown> = { rows: body.value.length };
  const rows = body.value.filter((row): row is Row => typeof row === 'object' && row !== null && !Array.isArray(row));
  unknown.push(...scanRows(cmdlet, rows));
  if (Array.isArray(body['@adminapi.warnings'])) facts.warnings = body['@adminapi.warnings'].length;
  if (Array.isArray(body['@adminapi.errors']) && body['@adminapi.errors'].length > 0) {
    return {
      id,
      title: cmdlet,
      status: 'fail',
      detail: `HTTP 200 with ${body['@adminapi.errors'].length} @adminapi.errors`,
      remedy: 'Record the exchange with --record and report it: the service failed the call inside a 200.',
      facts,
    };
  }
  let detail = `HTTP ${response.status}, ${body.value.length} row(s) on the first page`;
  const nextLink = typeof body['@odata.nextLink'] === 'string' ? body['@odata.nextLink'] : undefined;
  if (nextLink) {
    let url: URL;
    try {
      url = new URL(nextLink, context.endpoint);
    } catch {
      return {
        id,
        title: cmdlet,
        status: 'fail',
        detail: 'an unreadable @odata.nextLink',
        remedy: 'Record the exchange with --record and report it.',
        facts,
      };
    }
    const sameOrigin = url.origin === context.endpoint.origin;
    const sameCloud = isCloudHost(context.cloud, url.hostname);
    facts.nextLink = {
      host: url.hostname,
      port: url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port),
      sameOrigin,
      sameCloud,
    };
    detail += `; nextLink on ${url.host} (${sameOrigin ? 'same origin' : sameCloud ? 'same cloud' : 'ANOTHER host'})`;
    if (!sameOrigin && !sameCloud) {
      return {
        id,
        title: cmdlet,
        status: 'fail',
        detail,
        remedy: 'The token is never sent to a host outside the cloud; record the exchange with --record and report it.',
        facts,
      };
    }
    // goexo rewrites port 446 to 443 before following; doctor follows once the same way.
    if (url.port === '446') url.port = '';
    const next = await context.follow(url);
    facts.nextPageStatus = next.status;
    if (next.status < 200 || next.status >= 300)
      return { ...httpFailure(id, cmdlet, next), detail: `${detail}; following it: HTTP ${next.status}`, facts };
    detail += '; followed: HTTP 200';
  } else if (context.pageSize < 1000) {
    detail += `; no nextLink (fewer than ${context.pageSize + 1} rows, or the page size was not honoured)`;
  }
  return { id, title: cmdlet, status: 'pass', detail, facts };
}

/** The three error forms real clients meet (FIDELITY.md, "Answer forms"): pipe, JSON-in-details, bare. */
export function errorForm(body: unknown): 'pipe' | 'json-in-details' | 'bare' | 'unknown' {
  const error = (body as { error?: { details?: Array<{ message?: unknown }> } } | undefined)?.error;
  if (!error || typeof error !== 'object') return 'unknown';
  const message = Array.isArray(error.details)
    ? error.details.find((detail) => typeof detail?.message === 'string')?.message
    : undefined;
  if (typeof message !== 'string') return 'bare';
  const parsed = parseJson(message);
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return 'json-in-details';
  if (message.split('|').length >= 3) return 'pipe';
  return 'unknown';
}

function notFoundCheck(response: RawResponse): DoctorCheck {
  const title = 'Not-found error form (Get-User -Identity <random GUID>)';
  if (response.status >= 200 && response.status < 300) {
    return {
      id: 'not-found',
      title,
      status: 'fail',
      detail: `HTTP ${response.status}: a random identity was "found"`,
      remedy: 'Record the exchange with --record and report it.',
    };
  }
  if (response.status === 401 || response.status === 403 || response.status === 429 || response.status >= 500)
    return httpFailure('not-found', title, response);
  const body = parseJson(response.body);
  const form = errorForm(body);
  const code = (body as { error?: { code?: unknown } } | undefined)?.error?.code;
  const facts = { status: response.status, code: typeof code === 'string' ? code : null, form };
  if (form === 'unknown') {
    return {
      id: 'not-found',
      title,
      status: 'fail',
      detail: `HTTP ${response.status} in a form exoform does not know`,
      remedy: 'Record the exchange with --record and report it.',
      facts,
    };
  }
  return {
    id: 'not-found',
    title,
    status: 'pass',
    detail: `HTTP ${response.status}, ${form} form${typeof code === 'string' ? `, code ${code}` : ''}`,
    facts,
  };
}

function batchCheck(response: RawResponse): DoctorCheck {
  const title = '$batch of two reads (absolute URLs, full headers)';
  if (response.status < 200 || response.status >= 300) return httpFailure('batch', title, response);
  const body = parseJson(response.body) as
    | { responses?: Array<{ id?: unknown; status?: unknown; headers?: unknown; body?: unknown }> }
    | undefined;
  const responses = Array.isArray(body?.responses) ? body!.responses : undefined;
  if (!responses)
    return {
      id: 'batch',
      title,
      status: 'fail',
      detail: `HTTP ${response.status} without "responses"`,
      remedy: 'Record the exchange with --record and report it.',
    };
  const statuses = responses.map((item) => Number(item?.status));
  const facts = { itemStatuses: statuses };
  const failed = responses.find((item) => !(Number(item?.status) >= 200 && Number(item?.status) < 300));
  if (failed && Number(failed.status) >= 400) {
    // An item's own answer says why (a 403 in every item is a permission problem, not a batch-form problem).
    const headers =
      typeof failed.headers === 'object' && failed.headers !== null
        ? lowerCaseKeys(failed.headers as Record<string, unknown>)
        : {};
    const item = httpFailure('batch', title, {
      status: Number(failed.status),
      headers,
      body: typeof failed.body === 'string' ? failed.body : JSON.stringify(failed.body ?? ''),
    });
    return { ...item, detail: `item statuses ${statuses.join(', ')}; first failure: ${item.detail}`, facts };
  }
  if (responses.length !== 2 || failed) {
    return {
      id: 'batch',
      title,
      status: 'fail',
      detail: `item statuses ${statuses.join(', ') || 'none'}`,
      remedy: 'The provider writes mailboxes through $batch: record the exchange with --record and report it.',
      facts,
    };
  }
  return { id: 'batch', title, status: 'pass', detail: `HTTP ${response.status}, items ${statuses.join(', ')}`, facts };
}

/** A failed HTTP answer: what it says, and what to do. Never blames a missing role on a 403 without saying why it might be something else. */
function httpFailure(id: string, title: string, response: RawResponse): DoctorCheck {
  const body = parseJson(response.body) as { error?: { code?: unknown; message?: unknown } } | undefined;
  const code = typeof body?.error?.code === 'string' ? body.error.code : undefined;
  const message = typeof body?.error?.message === 'string' ? body.error.message.slice(0, 300) : undefined;
  const clues = [
    code ? `code ${code}` : undefined,
    message,
    response.headers['x-ms-diagnostics'] ? `x-ms-diagnostics: ${response.headers['x-ms-diagnostics']}` : undefined,
    response.headers['www-authenticate'] ? `WWW-Authenticate: ${response.headers['www-authenticate']}` : undefined,
    response.headers['request-id'] ? `request-id ${response.headers['request-id']}` : undefined,
  ].filter((clue): clue is string => clue !== undefined);
  const detail = `HTTP ${response.status}${clues.length > 0 ? ` (${clues.join('; ')})` : response.body.replace(/\0/g, '').trim() === '' ? ' with an empty body' : ''}`;
  let remedy: string;
  if (response.status === 401) {
    remedy =
      'The service refused the token: if it expired, get a fresh one; check it was issued for this tenant (EXO_ORGANIZATION) and for Exchange Online in this cloud (EXO_ENVIRONMENT).';
  } else if (response.status === 403 && code !== undefined && /tenant/i.test(code)) {
    remedy =
      'Check EXO_ORGANIZATION: it must be the tenant the credentials belong to (its tenant id or .onmicrosoft.com domain).';
  } else if (response.status === 403) {
    remedy =
      'Access denied. Usually the app lacks the Exchange.ManageAsApp permission (with admin consent) or an Exchange role (e.g. Exchange Administrator) on its service principal; ' +
      'a user needs an Exchange admin role. The service also answers 403 for a cmdlet it does not serve: the diagnostics above say which.';
  } else if (response.status === 404) {
    remedy = 'Not found: check EXO_ORGANIZATION and EXO_ENDPOINT (the admin API lives at /adminapi/beta/<tenant>/).';
  } else if (response.status === 429) {
    remedy = 'Throttled: wait (Retry-After) and run doctor again.';
  } else if (response.status >= 500) {
    remedy = 'The service failed: try again later; if it persists, record with --record and report it.';
  } else {
    remedy = 'Record the exchange with --record and report it.';
  }
  return { id, title, status: 'fail', detail, remedy, facts: { status: response.status } };
}

/** Reads through the PowerShell bridge (the module owns the wire, so the wire-level checks are skipped). */
async function runPowerShellChecks(
  environment: NodeJS.ProcessEnv,
  organization: string,
  checks: DoctorCheck[],
  unknown: UnknownProperty[],
): Promise<void> {
  const { createPowerShellBridge } =
    require('../bridge/powershell/create-powershell-bridge') as typeof import('../bridge/powershell/create-powershell-bridge');
  let bridge;
  try {
    bridge = createPowerShellBridge(
      {
        organization,
        accessToken: environment.EXO_ACCESS_TOKEN,
        clientId: environment.EXO_CLIENT_ID,
        clientSecret: environment.EXO_CLIENT_SECRET,
        certificatePath: environment.EXO_CERTIFICATE_PATH,
        certificatePassword: environment.EXO_CERTIFICATE_PASSWORD,
        managedIdentity: /^(true|1)$/i.test(environment.EXO_MANAGED_IDENTITY ?? ''),
        userPrincipalName: environment.EXO_USER_PRINCIPAL_NAME,
        endpoint: environment.EXO_ENDPOINT,
        environment: environment.EXO_ENVIRONMENT,
        powershellPath: environment.EXO_POWERSHELL_PATH,
      },
      { checkCertificateNow: true, maxSessions: 1 },
    );
  } catch (error) {
    checks.push(failure('powershell', 'PowerShell bridge settings', error));
    return;
  }
  try {
    for (const read of READS) {
      try {
        const result = await bridge.invoke(read.cmdlet, read.parameters);
        unknown.push(...scanRows(read.cmdlet, result.rows));
        checks.push({
          id: `read:${read.cmdlet}`,
          title: read.cmdlet,
          status: 'pass',
          detail: `${result.rows.length} row(s) through Connect-ExchangeOnline`,
          facts: { rows: result.rows.length },
        });
      } catch (error) {
        checks.push(failure(`read:${read.cmdlet}`, read.cmdlet, error));
      }
    }
    checks.push(watchCheck(unknown));
    try {
      await bridge.invoke('Get-User', { Identity: randomGuid() });
      checks.push({
        id: 'not-found',
        title: 'Not-found error',
        status: 'fail',
        detail: 'a random identity was "found"',
        remedy: 'Report it.',
      });
    } catch (error) {
      checks.push(
        error instanceof NotFoundError
          ? { id: 'not-found', title: 'Not-found error', status: 'pass', detail: 'recognised as not-found' }
          : failure('not-found', 'Not-found error', error),
      );
    }
  } finally {
    await bridge.close();
  }
  const why =
    'with EXO_BRIDGE=powershell the module owns the wire; run doctor with the REST bridge settings to check it';
  checks.push(
    skipped('redirect', 'Regional redirect (module-file probe)', why),
    skipped('batch', '$batch of two reads', why),
  );
}

/**
 * The December 2026 watch: Microsoft has not said which setting the switch changes. A property exoform does not know,
 * with a name about SMTP, Basic/legacy auth or OAuth, may be it: a warning, not a failure (exoform still works).
 */
function watchCheck(unknown: readonly UnknownProperty[]): DoctorCheck {
  const title = 'Watch for the December 2026 switch (SMTP and auth properties)';
  if (unknown.length === 0) {
    const detail = 'every SMTP, Basic/legacy auth and OAuth property read is one exoform knows';
    return { id: 'watch', title, status: 'pass', detail };
  }
  return {
    id: 'watch',
    title,
    status: 'warn',
    detail: unknown.map(describeUnknownProperty).join(' '),
    remedy:
      'Read docs/guides/december-2026.md ("A property exoform does not know"), check Microsoft\'s announcements, ' +
      'and report the property to exoform.',
    facts: { unknownProperties: unknown },
  };
}

function failure(id: string, title: string, error: unknown): DoctorCheck {
  if (error instanceof ExchangeError) return { id, title, status: 'fail', detail: error.message, remedy: error.remedy };
  return {
    id,
    title,
    status: 'fail',
    detail: error instanceof Error ? error.message : String(error),
    remedy: 'Record the exchange with --record and report it.',
  };
}

function skipped(id: string, title: string, why: string): DoctorCheck {
  return { id, title, status: 'skip', detail: why };
}

function lowerCaseKeys(headers: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)]));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text.replace(/\0+$/, ''));
  } catch {
    return undefined;
  }
}

function randomGuid(): string {
  return newRequestId();
}

/** The human-readable table. */
export function renderTable(report: DoctorReport): string {
  const rows = report.checks.map((check) => [check.title, check.status.toUpperCase(), check.detail]);
  const width = Math.max(5, ...rows.map((row) => row[0]!.length));
  const lines = [
    `exoform doctor: ${report.cloud || 'cloud unknown'}, organization ${report.organization || '(not set)'}, endpoint ${report.endpoint || '(unknown)'}, bridge ${report.bridge}`,
    '',
    `${'CHECK'.padEnd(width)}  RESULT  DETAIL`,
    ...rows.map(([title, status, detail]) => `${title!.padEnd(width)}  ${status!.padEnd(6)}  ${detail}`),
  ];
  const failures = report.checks.filter((check) => check.status === 'fail');
  if (failures.length > 0) {
    lines.push('', 'What to do:');
    for (const check of failures) lines.push(`  ${check.title}: ${check.remedy ?? 'see the detail above.'}`);
  }
  const warnings = report.checks.filter((check) => check.status === 'warn');
  if (warnings.length > 0) {
    lines.push('', 'Look at:');
    for (const check of warnings) lines.push(`  ${check.title}: ${check.remedy ?? 'see the detail above.'}`);
  }
  const passed = report.checks.filter((check) => check.status === 'pass').length;
  const others = report.checks.length - passed - failures.length - warnings.length;
  const recorded = report.recorded ? ` Redacted exchange written to ${report.recorded}.` : '';
  const counts = `${passed} passed, ${failures.length} failed, ${warnings.length} warned, ${others} skipped.`;
  lines.push('', `${counts}${recorded}`);
  return `${lines.join('\n')}\n`;
}
