/**
 * One InvokeCommand call, from request body to response body: parse, fault rules, cmdlet lookup, parameter binding,
 * execution, durability wait, paging. Used for single requests and for each $batch item alike, so both behave the
 * same. Knows nothing of sockets or latency; server.ts owns those.
 */
import type { JsonValue, Row } from '../bridge/bridge';
import { CMDLETS, bindParameters } from './cmdlets/all-cmdlets';
import type { RowSet } from './cmdlets/all-cmdlets';
import type { EmulatorControl } from './control';
import { WireError, wireErrors } from './wire-errors';
import { MORE_RESULTS_WARNING } from './answer-forms';
import { ConnectionResetFault, faultError } from './faults';
import type { Tenant } from './tenant-store';
import { isPlainObject } from './problems';

export interface InvokeRequest {
  /** The tenant as written in the URL (percent-decoded). */
  readonly tenantSegment: string;
  readonly tenant: Tenant;
  /** The parsed JSON body, or an UnparsableBody. */
  readonly body: unknown;
  readonly skipToken: string | null;
  /** The `$select` query option of the URL (CIPP, ExoHelper trim rows with it), or null. */
  readonly select?: string | null;
  readonly prefer: string | undefined;
  readonly via: 'InvokeCommand' | '$batch';
  /** `http://host:port` of this server, for @odata.nextLink. */
  readonly baseUrl: string;
  /** `http://host:port` of the tenant-specific host listener, when there is one (redirect answers). */
  readonly tenantHostBaseUrl?: string;
  /**
   * $batch items: do not wait for durability per item; the batch waits once for all of them and then calls
   * `finish` on each answer (which logs the call). Without it, the answer is durable and logged when returned.
   */
  readonly deferDurability?: boolean;
}

export interface InvokeResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: object;
  /** Sent instead of the JSON body (an empty or NUL-padded answer form). */
  readonly rawBody?: string;
  /** The body's form was chosen by a fault rule: the start-up dialect leaves it as it is. */
  readonly keepForm?: boolean;
}

export interface DeferredInvokeResponse extends InvokeResponse {
  /** Logs the call with the answer finally given (the same one, or a failure replacing it). */
  finish(final: InvokeResponse): void;
}

interface CmdletInput {
  readonly name: string;
  readonly parameters: Readonly<Record<string, JsonValue>>;
}

/** Stands in for a request body that is not JSON, so InvokeCommand can report (and log) the problem itself. */
export class UnparsableBody {
  constructor(readonly reason: string) {}

  static parse(text: string): unknown {
    if (text.trim() === '') return new UnparsableBody('it is empty');
    try {
      return JSON.parse(text);
    } catch (error) {
      return new UnparsableBody(`it is not valid JSON (${(error as Error).message})`);
    }
  }
}

export function parseCmdletInput(body: unknown): CmdletInput {
  if (body instanceof UnparsableBody) throw wireErrors.malformedBody(body.reason);
  if (!isPlainObject(body) || !isPlainObject(body.CmdletInput))
    throw wireErrors.malformedBody('"CmdletInput" must be an object');
  const { CmdletName, Parameters } = body.CmdletInput;
  if (typeof CmdletName !== 'string' || CmdletName.trim() === '') {
    throw wireErrors.malformedBody('"CmdletInput.CmdletName" must be a non-empty string');
  }
  if (Parameters !== undefined && Parameters !== null && !isPlainObject(Parameters)) {
    throw wireErrors.malformedBody('"CmdletInput.Parameters" must be an object of parameter names to values');
  }
  return { name: CmdletName, parameters: (Parameters ?? {}) as Record<string, JsonValue> };
}

/** `Prefer: odata.maxpagesize=N` (possibly among other preferences), or undefined. */
export function preferredPageSize(prefer: string | undefined): number | undefined {
  const match = prefer && /(?:^|[,;\s])odata\.maxpagesize\s*=\s*"?(\d+)"?/i.exec(prefer);
  const n = match ? Number(match[1]) : NaN;
  return Number.isInteger(n) && n >= 1 ? n : undefined;
}

export async function invokeCommand(control: EmulatorControl, request: InvokeRequest): Promise<DeferredInvokeResponse> {
  const started = Date.now();
  let input: CmdletInput | undefined;
  let faultId: string | null = null;
  let page = 0;
  let response: InvokeResponse;
  try {
    input = parseCmdletInput(request.body);
    const fault = control.faults.check(input.name, request.tenant.tenantId);
    if (fault) faultId = fault.id;
    const redirectTo =
      request.tenantHostBaseUrl === undefined ? undefined : invokeUrl(request.tenantHostBaseUrl, request);
    if (fault && fault.when === 'before') throw faultError(fault, redirectTo);
    const answer = await answerCall(control, request, input);
    page = answer.page;
    if (fault) throw faultError(fault, redirectTo);
    response = answer.response;
  } catch (error) {
    if (error instanceof ConnectionResetFault) throw error; // no answer at all: the server drops the connection
    const wire = error instanceof WireError ? error : wireErrors.internal((error as Error).message);
    response = {
      status: wire.status,
      headers: { ...wire.headers },
      body: wire.body,
      rawBody: wire.options.rawBody,
      keepForm: wire.options.keepForm,
    };
  }
  const parsed = input;
  const finish = (final: InvokeResponse): void => {
    control.calls.record({
      tenantId: request.tenant.tenantId,
      tenant: request.tenantSegment,
      cmdlet: parsed ? (CMDLETS.find(parsed.name)?.name ?? parsed.name) : null,
      parameters: parsed?.parameters ?? null,
      status: final.status,
      durationMs: Date.now() - started,
      via: request.via,
      page,
      fault: faultId,
      error: final.status >= 400 ? errorText(final.body) : null,
    });
    control.stats.countCall(request.tenant.tenantId, final.status);
  };
  if (!request.deferDurability) finish(response);
  return { ...response, finish: request.deferDurability ? finish : () => undefined };
}

/** Waits until every change so far is on disk; a failure becomes the 500 answer that says so. */
export async function awaitDurable(control: EmulatorControl): Promise<void> {
  try {
    await control.store.durable();
  } catch (error) {
    throw wireErrors.stateNotSaved((error as Error).message);
  }
}

async function answerCall(
  control: EmulatorControl,
  request: InvokeRequest,
  input: CmdletInput,
): Promise<{ response: InvokeResponse; page: number }> {
  const definition = CMDLETS.find(input.name);
  if (!definition) throw wireErrors.cmdletNotServed(input.name);
  const parameters = bindParameters(definition, input.parameters);
  const tenantId = request.tenant.tenantId;

  let rows: RowSet;
  let offset = 0;
  let pageSize: number;
  let warnings: string[] = [];
  let pageNumber = 0;
  let tokenFor: (offset: number) => string;
  if (request.skipToken !== null) {
    // A continuation page: the cmdlet does not run again; the snapshot taken for page 1 answers.
    const resumed = control.cursors.resume(request.skipToken, tenantId, definition.name);
    ({ rows, offset, pageSize, pageNumber } = resumed);
    tokenFor = resumed.token;
  } else {
    // With a replication lag set, Get-* reads an older snapshot of the tenant (replication-lag.ts).
    const tenant = control.replication.tenantFor(request.tenant, definition.name, control.latency.replicationLagMs);
    const output = definition.run({ tenant, now: new Date() }, parameters);
    rows = output.rows;
    warnings = output.warnings;
    const preferred = preferredPageSize(request.prefer);
    pageSize = Math.min(preferred ?? Infinity, control.latency.pageSize);
    let token: string | undefined;
    tokenFor = (next) => (token ??= control.cursors.open(tenantId, definition.name, rows, pageSize, next));
  }
  // Answer only with state that is on disk: a kill -9 after this point cannot take back what the client saw.
  // ($batch items are answered together, after one wait for all of them.)
  if (!request.deferDurability) await awaitDurable(control);

  const end = Math.min(offset + pageSize, rows.count);
  const selected = selectedProperties(request.select);
  const value: Row[] = rows.page(offset, end, selected);
  // The module hides this warning on non-final pages, so the service sends it there (dialect `page-warnings`).
  if (end < rows.count && control.dialect.has('page-warnings')) warnings = [...warnings, MORE_RESULTS_WARNING];
  const body: Record<string, unknown> = {
    '@odata.context': `${request.baseUrl}/adminapi/beta/${encodeURIComponent(request.tenantSegment)}/$metadata#Collection(Exchange.GenericHashTable)`,
  };
  if (warnings.length > 0) body['@adminapi.warnings'] = warnings;
  body.value = value;
  if (end < rows.count) {
    // Dialect `port-446`: the link names the service's internal port (goexo rewrites 446 to 443 before following).
    const base = control.dialect.has('port-446') ? withPort(request.baseUrl, '446') : request.baseUrl;
    // The next link keeps `$select`, as OData next links keep the query options (whether the service's do is unknown).
    body['@odata.nextLink'] = `${invokePath(base, request)}?$skiptoken=${tokenFor(end)}${selectQuery(selected)}`;
  }
  const headers: Record<string, string> = {};
  if (preferredPageSize(request.prefer) !== undefined) headers['Preference-Applied'] = `odata.maxpagesize=${pageSize}`;
  return { response: { status: 200, headers, body }, page: pageNumber };
}

/** The names in a `$select` option (`A,B`), or undefined when there is none. */
function selectedProperties(select: string | null | undefined): string[] | undefined {
  if (select === null || select === undefined) return undefined;
  const names = select
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return names.length > 0 ? names : undefined;
}

/** `&$select=A,B` for a next link, or nothing. */
function selectQuery(selected: readonly string[] | undefined): string {
  return selected ? `&$select=${selected.map(encodeURIComponent).join(',')}` : '';
}

/** The InvokeCommand URL of the request's tenant on `base` (`http://host:port`), without query. */
function invokePath(base: string, request: InvokeRequest): string {
  return `${base}/adminapi/beta/${encodeURIComponent(request.tenantSegment)}/InvokeCommand`;
}

/** The request's own URL (with its skiptoken) on `base`: where a redirect sends it. */
function invokeUrl(base: string, request: InvokeRequest): string {
  const url = invokePath(base, request);
  const select = selectQuery(selectedProperties(request.select));
  return request.skipToken === null
    ? select
      ? `${url}?${select.slice(1)}`
      : url
    : `${url}?$skiptoken=${encodeURIComponent(request.skipToken)}${select}`;
}

function withPort(base: string, port: string): string {
  const url = new URL(base);
  url.port = port;
  return url.origin;
}

function errorText(body: object): string | null {
  const error = (body as { error?: { message?: string; details?: Array<{ message?: string }> } }).error;
  return error?.details?.[0]?.message ?? error?.message ?? null;
}
