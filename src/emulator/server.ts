/**
 * The REST wire format of Exchange Online's admin API, over node:http: routing, bearer-token check, latency model,
 * $batch envelopes. What a call means is decided in invoke.ts and cmdlets/; inspection routes live in inspection.ts.
 *
 *   POST /adminapi/beta/{tenant}/InvokeCommand[?$skiptoken=...]
 *   POST /adminapi/beta/{tenant}/$batch
 *   *    /_emulator/...   (inspection API, same token)
 *
 * Two listeners share this handler: the endpoint, and a "tenant-specific host" (a second loopback address on the same
 * port, standing in for https://{prefix}.outlook.office365.com) that the `redirect` dialect and redirect fault rules
 * send clients to. The answer dialect (answer-forms.ts) shapes every API answer on the way out.
 */
import { checkEmulatorToken, type EmulatorTokenClaims } from './access-token';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import type { Socket } from 'node:net';
import { renderBody } from './answer-forms';
import type { EmulatorControl } from './control';
import { WireError, wireErrors } from './wire-errors';
import { delay, parseJsonBody, pathSegments, readBody, sendJson, sendJsonText, sendRaw } from './http';
import { GraphEmulator } from './graph';
import { ConnectionResetFault } from './faults';
import { applyTimeouts, refuseBeforeBody } from './hardening';
import { handleInspection } from './inspection';
import { DeferredInvokeResponse, InvokeResponse, UnparsableBody, awaitDurable, invokeCommand } from './invoke';
import type { Tenant } from './tenant-store';
import { describeValue, isPlainObject } from './problems';

/** The most requests one $batch may carry, as on the real endpoint. */
export const MAX_BATCH_REQUESTS = 20;

interface ApiRoute {
  readonly tenantSegment: string;
  readonly operation: 'InvokeCommand' | '$batch';
}

/** Matches `/adminapi/beta/{tenant}/InvokeCommand|$batch`, case-insensitively; undefined for other paths. */
export function matchApiRoute(segments: readonly string[]): ApiRoute | undefined {
  if (segments.length !== 4 || segments[0]!.toLowerCase() !== 'adminapi' || segments[1]!.toLowerCase() !== 'beta')
    return undefined;
  const last = segments[3]!.toLowerCase();
  if (last === 'invokecommand') return { tenantSegment: segments[2]!, operation: 'InvokeCommand' };
  if (last === '$batch') return { tenantSegment: segments[2]!, operation: '$batch' };
  return undefined;
}

/** What the wire server sends: a WireError or an InvokeCommand / $batch answer. */
type Answer = {
  status: number;
  body: object;
  headers: Readonly<Record<string, string>>;
  rawBody?: string;
  keepForm?: boolean;
  options?: WireError['options'];
};

/** Which listener a request arrived on. */
type Listener = 'endpoint' | 'tenant-host';

export class WireServer {
  readonly server: Server;
  /** The tenant-specific host's listener; listening only when startEmulator could bind it. */
  readonly tenantHostServer: Server;
  /** `http://host:port` of the tenant-specific host, once it listens. */
  tenantHostBaseUrl: string | undefined;
  /** Sockets that have had their first request, so connect latency is paid once per connection. */
  private readonly warmSockets = new WeakSet<Socket>();
  private readonly token: string;
  /** One per request being handled: aborted when its client goes away or the emulator closes. */
  private readonly inFlight = new Set<AbortController>();
  /** Microsoft Graph's sign-in log, security defaults and usage report, under /graph/ (graph.ts). */
  private readonly graph: GraphEmulator;

  constructor(
    private readonly control: EmulatorControl,
    token: string,
  ) {
    this.token = token;
    this.graph = new GraphEmulator(control);
    const listen = (listener: Listener): Server => {
      const server = createServer((request, response) => {
        this.handle(request, response, listener).catch((error: unknown) => {
          if (error instanceof ConnectionResetFault) return void request.socket.destroy();
          this.sendAnswer(response, error instanceof WireError ? error : wireErrors.internal((error as Error).message));
        });
      });
      // Keep-alive as the real endpoint does; connect latency is only realistic if connections are reused.
      server.keepAliveTimeout = 30_000;
      applyTimeouts(server);
      return server;
    };
    this.server = listen('endpoint');
    this.tenantHostServer = listen('tenant-host');
  }

  /** Sends an answer (a WireError or an InvokeCommand answer) in the start-up dialect, unless a fault rule fixed its form. */
  private sendAnswer(response: ServerResponse, answer: Answer, api = true): void {
    this.prepareAnswer(answer, api)(response);
  }

  /** The answer serialized now, ready to send: a read's page is rendered within its modelled call time. */
  private prepareAnswer(answer: Answer, api = true): (response: ServerResponse) => void {
    const rawBody = answer.rawBody ?? answer.options?.rawBody;
    const keepForm = answer.keepForm ?? answer.options?.keepForm;
    const headers = {
      ...(api && this.control.dialect.has('rate-headers') ? this.control.rateHeaders.next() : {}),
      ...answer.headers,
    };
    if (rawBody !== undefined) return (response) => sendRaw(response, answer.status, rawBody, headers);
    // Encoded to bytes here too: turning a 300 KB page into UTF-8 at send time took milliseconds outside the call's time.
    const bytes = Buffer.from(
      JSON.stringify(keepForm ? answer.body : renderBody(answer.body, answer.status, this.control.dialect)),
      'utf8',
    );
    return (response) => sendJsonText(response, answer.status, bytes, headers);
  }

  /** Ends every latency wait at once and makes the waiting handlers give up (emulator.close()). */
  abortAll(): void {
    for (const controller of this.inFlight) controller.abort();
  }

  private async handle(request: IncomingMessage, response: ServerResponse, listener: Listener): Promise<void> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    // 'close' also fires after a complete answer; aborting then is a no-op.
    response.on('close', () => {
      controller.abort();
      this.inFlight.delete(controller);
    });
    try {
      await this.handleRequest(request, response, controller.signal, listener);
    } finally {
      this.inFlight.delete(controller);
    }
  }

  private async handleRequest(
    request: IncomingMessage,
    response: ServerResponse,
    signal: AbortSignal,
    listener: Listener,
  ): Promise<void> {
    const socket = request.socket;
    if (!this.warmSockets.has(socket)) {
      this.warmSockets.add(socket);
      await delay(this.control.latency.connectMs, signal);
      if (signal.aborted) return; // the client left (or the emulator is closing) during the connect latency
    }
    // A read's modelled time runs from here: reading and checking the request is part of the call at the service.
    const arrived = performance.now();
    const url = new URL(request.url ?? '/', 'http://emulator.invalid');
    const segments = pathSegments(url.pathname);
    const method = (request.method ?? 'GET').toUpperCase();
    // Who is asking, and how much they declare, before a byte of the body is read (hardening.ts).
    // Graph's report download carries no bearer token (a pre-authenticated URL): graph.ts checks its own requests.
    if (segments[0] !== 'graph') refuseBeforeBody(request, response, () => this.authenticate(request));
    const bodyText = await readBody(request);
    if (segments[0] === 'graph') {
      // Graph answers in its own error envelope; its report download carries no bearer token (pre-authenticated URL).
      await delay(this.control.latency.callMs, signal);
      if (signal.aborted) return;
      await this.graph.handle(method, segments.slice(1), url, request, response, () => this.authenticate(request));
      return;
    }
    const claims = this.authenticate(request);

    if (segments[0] === '_emulator') {
      const answer = await handleInspection(this.control, method, segments.slice(1), url.searchParams, bodyText);
      this.sendAnswer(
        response,
        { ...answer, body: answer.body as object, headers: answer.headers ?? {}, keepForm: true },
        false,
      );
      return;
    }
    const moduleFile = matchModuleFileRoute(segments);
    if (moduleFile !== undefined) {
      if (method !== 'GET') throw wireErrors.methodNotAllowed(method, 'GET');
      const answer = moduleFileAnswer(this.resolveTenant(moduleFile));
      sendJson(response, answer.status, answer.body, answer.headers);
      return;
    }
    const route = matchApiRoute(segments);
    if (!route) throw wireErrors.routeNotFound(method, url.pathname);
    if (method !== 'POST') throw wireErrors.methodNotAllowed(method, 'POST');
    const tenant = this.resolveTenant(route.tenantSegment);
    if (claims?.tid !== undefined && String(claims.tid).toLowerCase() !== tenant.tenantId.toLowerCase()) {
      throw wireErrors.unauthorized('the token was issued for another tenant (its tid claim)');
    }
    const baseUrl = `http://${request.headers.host ?? this.hostForLinks()}`;
    if (listener === 'endpoint' && this.control.dialect.has('redirect')) {
      // Dialect `redirect`: the endpoint sends the tenant to its own host, as Scuba and goexo saw (status unknown: 302).
      if (!this.tenantHostBaseUrl)
        throw wireErrors.internal('the redirect dialect is on but the tenant-specific host is not listening');
      this.sendAnswer(response, {
        status: 302,
        body: {},
        headers: { Location: `${this.tenantHostBaseUrl}${request.url ?? '/'}` },
        rawBody: '',
      });
      return;
    }

    this.control.stats.enter(tenant.tenantId);
    try {
      const body = route.operation === 'InvokeCommand' ? UnparsableBody.parse(bodyText) : undefined;
      const skipToken = url.searchParams.get('$skiptoken');
      // `callMs` is a call's whole time at the service, so the emulator's own work is not added on top of it. A read
      // is computed while that time runs (rendering a 1,000-row page); a `$batch` of Get- cmdlets only is a read too.
      // A change waits out all but its last CHANGE_WORK_MS, in which it is made and written to disk, so a client that
      // gives up during the wait has changed nothing.
      const readOnly =
        body !== undefined ? skipToken !== null || isReadCmdletBody(body) : isReadOnlyBatchText(bodyText);
      const callMs = this.control.latency.callMs;
      const restOfCall = (): Promise<void> => delay(arrived + callMs - performance.now(), signal);
      if (!readOnly) {
        await delay(arrived + callMs - CHANGE_WORK_MS - performance.now(), signal);
        // Nobody is waiting for the answer any more: do not run the cmdlet (no change the client can't know about).
        if (signal.aborted) return;
      }
      if (route.operation === 'InvokeCommand') {
        const call = invokeCommand(this.control, {
          tenantSegment: route.tenantSegment,
          tenant,
          body,
          skipToken,
          select: url.searchParams.get('$select'),
          prefer: headerValue(request.headers.prefer),
          via: 'InvokeCommand',
          baseUrl,
          tenantHostBaseUrl: this.tenantHostBaseUrl,
        });
        // A read that fails (not found...) takes its time too; a page is serialized within that time.
        const prepared = call.then((answer) => this.prepareAnswer(answer));
        const send = await prepared.finally(restOfCall);
        if (signal.aborted) return;
        send(response);
      } else {
        const answering = this.handleBatch(route.tenantSegment, bodyText, headerValue(request.headers.prefer), baseUrl);
        const answer = await answering.finally(restOfCall);
        if (signal.aborted) return;
        this.sendAnswer(response, { status: 200, body: answer, headers: {}, keepForm: true });
      }
    } finally {
      this.control.stats.exit(tenant.tenantId);
    }
  }

  /** The emulator's own token, or a JWT signed with it (access-token.ts), whose claims are returned. */
  private authenticate(request: IncomingMessage): EmulatorTokenClaims | undefined {
    return this.checkToken(headerValue(request.headers.authorization));
  }

  private checkToken(header: string | undefined): EmulatorTokenClaims | undefined {
    if (!header) throw wireErrors.unauthorized('no Authorization header was sent');
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match) throw wireErrors.unauthorized('the Authorization header is not of the form "Bearer <token>"');
    const check = checkEmulatorToken(match[1]!, this.token, Math.floor(Date.now() / 1000));
    if (!check.ok) throw wireErrors.unauthorized(check.reason);
    return check.claims;
  }

  private resolveTenant(segment: string): Tenant {
    const tenant = this.control.store.findTenant(segment);
    if (!tenant)
      throw wireErrors.tenantNotFound(
        segment,
        this.control.store.tenants.map((t) => t.initialDomain),
      );
    return tenant;
  }

  private hostForLinks(): string {
    const address = this.server.address();
    if (address && typeof address === 'object') {
      return address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
    }
    return 'localhost';
  }

  /** Items run one after another, each answered independently (its own status), as with odata.continue-on-error. */
  private async handleBatch(
    outerTenant: string,
    bodyText: string,
    outerPrefer: string | undefined,
    baseUrl: string,
  ): Promise<object> {
    const batchError = (reason: string): WireError =>
      wireErrors.badInspectionRequest(
        `The $batch request is not valid: ${reason}. Send {"requests":[{"id":"1","method":"POST","url":"InvokeCommand","body":{"CmdletInput":{...}}}]}.`,
      );
    const body = parseJsonBody(bodyText, batchError);
    if (!isPlainObject(body) || !Array.isArray(body.requests)) throw batchError('"requests" must be an array');
    const requests = body.requests;
    if (requests.length === 0 || requests.length > MAX_BATCH_REQUESTS) {
      throw batchError(`it has ${requests.length} requests; a batch carries 1 to ${MAX_BATCH_REQUESTS}`);
    }
    const ids = new Set<string>();
    for (const [i, item] of requests.entries()) {
      if (!isPlainObject(item) || typeof item.id !== 'string' || item.id === '')
        throw batchError(`requests[${i}] needs a non-empty string "id"`);
      if (ids.has(item.id)) throw batchError(`the id "${item.id}" is used twice`);
      ids.add(item.id);
    }
    // Items run one after another, each answered independently. Their changes are made durable together: one wait
    // (one group commit) for the whole batch instead of one per item; nothing is answered before it is on disk.
    const answers: Array<{ id: unknown; answer: InvokeResponse; finish?: (final: InvokeResponse) => void }> = [];
    for (const item of requests as Array<Record<string, unknown>>) {
      try {
        const answer = await this.answerBatchItem(item, outerTenant, outerPrefer, baseUrl);
        answers.push({ id: item.id, answer, finish: answer.finish });
      } catch (error) {
        if (error instanceof ConnectionResetFault) throw error; // the whole batch's connection goes, items before it applied
        const wire = error instanceof WireError ? error : wireErrors.internal((error as Error).message);
        answers.push({
          id: item.id,
          answer: {
            status: wire.status,
            headers: { ...wire.headers },
            body: wire.body,
            rawBody: wire.options.rawBody,
            keepForm: wire.options.keepForm,
          },
        });
      }
    }
    let notSaved: WireError | undefined;
    await awaitDurable(this.control).catch((error: WireError) => (notSaved = error));
    const responses = answers.map(({ id, answer, finish }) => {
      const final: InvokeResponse = notSaved ? { status: notSaved.status, headers: {}, body: notSaved.body } : answer;
      finish?.(final);
      const body =
        final.rawBody ?? (final.keepForm ? final.body : renderBody(final.body, final.status, this.control.dialect));
      return { id, status: final.status, headers: { 'Content-Type': 'application/json', ...final.headers }, body };
    });
    return { responses };
  }

  private async answerBatchItem(
    item: Record<string, unknown>,
    outerTenant: string,
    outerPrefer: string | undefined,
    baseUrl: string,
  ): Promise<DeferredInvokeResponse> {
    const method = typeof item.method === 'string' ? item.method.toUpperCase() : 'POST';
    if (method !== 'POST') throw wireErrors.methodNotAllowed(method, 'POST');
    if (typeof item.url !== 'string' || item.url === '') {
      throw wireErrors.badInspectionRequest(
        `The batch item's "url" must be a string such as "InvokeCommand" or "/adminapi/beta/${outerTenant}/InvokeCommand", got ${describeValue(item.url)}.`,
      );
    }
    if (this.control.dialect.has('strict-batch'))
      this.checkObservedBatchItem(item, this.resolveTenant(outerTenant), baseUrl);
    // Relative URLs are relative to the batch's own tenant path, as OData resolves them.
    const url = new URL(item.url, `http://emulator.invalid/adminapi/beta/${encodeURIComponent(outerTenant)}/`);
    const route = matchApiRoute(pathSegments(url.pathname));
    if (!route || route.operation !== 'InvokeCommand') {
      throw wireErrors.badInspectionRequest(`A batch item can only POST to InvokeCommand, not "${item.url}".`);
    }
    const tenant = this.resolveTenant(route.tenantSegment);
    const headers = isPlainObject(item.headers) ? item.headers : {};
    const preferKey = Object.keys(headers).find((k) => k.toLowerCase() === 'prefer');
    const prefer =
      preferKey !== undefined && typeof headers[preferKey] === 'string' ? (headers[preferKey] as string) : outerPrefer;
    const itemBody =
      typeof item.body === 'string'
        ? UnparsableBody.parse(item.body)
        : (item.body ?? new UnparsableBody('the batch item has no "body"'));
    return invokeCommand(this.control, {
      tenantSegment: route.tenantSegment,
      tenant,
      body: itemBody,
      skipToken: url.searchParams.get('$skiptoken'),
      select: url.searchParams.get('$select'),
      prefer,
      via: '$batch',
      baseUrl,
      deferDurability: true,
    });
  }
  /**
   * Dialect `strict-batch`: an item is accepted only in the form every observed client sends (CIPP
   * New-ExoBulkRequest.ps1, the module): an absolute URL to the same tenant's InvokeCommand on one of this emulator's
   * hosts, and the full header set, Authorization included. What the real service answers to other items is unknown
   * (never observed): here a relative or foreign URL gets a 400 and a missing or wrong Authorization a 401, each for
   * that item only.
   */
  private checkObservedBatchItem(item: Record<string, unknown>, outerTenant: Tenant, baseUrl: string): void {
    const url = item.url as string;
    const unknownNote = 'whether the service accepts other forms is unknown';
    let absolute: URL | undefined;
    try {
      absolute = new URL(url);
    } catch {
      absolute = undefined;
    }
    const route = absolute && matchApiRoute(pathSegments(absolute.pathname));
    const ownHosts = [
      new URL(baseUrl).host,
      this.hostForLinks(),
      this.tenantHostBaseUrl && new URL(this.tenantHostBaseUrl).host,
    ];
    if (
      !absolute ||
      !route ||
      route.operation !== 'InvokeCommand' ||
      !ownHosts.includes(absolute.host) ||
      this.control.store.findTenant(route.tenantSegment) !== outerTenant
    ) {
      throw new WireError(400, {
        error: {
          code: 'BadRequest',
          message:
            `The batch item's url "${url}" is not the absolute InvokeCommand URL of this tenant (strict-batch dialect: every observed client sends ` +
            `e.g. https://outlook.office365.com/adminapi/beta/{tenant}/InvokeCommand in each item; ${unknownNote}).`,
        },
      });
    }
    const headers = isPlainObject(item.headers) ? item.headers : {};
    const authorizationKey = Object.keys(headers).find((key) => key.toLowerCase() === 'authorization');
    const authorization = authorizationKey === undefined ? undefined : headers[authorizationKey];
    try {
      this.checkToken(typeof authorization === 'string' ? authorization : undefined);
    } catch (error) {
      const wire = error as WireError;
      throw new WireError(
        401,
        {
          error: {
            code: wire.body.error.code,
            message: `${wire.body.error.message} (strict-batch dialect: every observed client repeats Authorization in each batch item; ${unknownNote}.)`,
          },
        },
        wire.headers,
      );
    }
  }
}

/** `GET /AdminApi/v1.0/{tenant}/EXOModuleFile` (case-insensitive): the tenant segment, else undefined. */
function matchModuleFileRoute(segments: readonly string[]): string | undefined {
  if (segments.length !== 4 || segments[0]!.toLowerCase() !== 'adminapi' || segments[1]!.toLowerCase() !== 'v1.0')
    return undefined;
  return segments[3]!.toLowerCase() === 'exomodulefile' ? segments[2]! : undefined;
}

/**
 * The module-file probe CISA ScubaGear (EXORestHelper.psm1) sends without following redirects to learn a
 * tenant-specific host: a 3xx there means "use this host". The emulator serves every tenant on its own host, so it
 * answers 200. The real 200 body is unknown (Scuba ignores it); this one is a small JSON object.
 */
function moduleFileAnswer(tenant: Tenant): { status: number; body: unknown; headers: Record<string, string> } {
  return {
    status: 200,
    body: { tenantId: tenant.tenantId, note: 'exoform emulator: no tenant-specific redirect' },
    headers: {},
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * The end of a change's call time in which the emulator makes it (10 Set-CASMailbox of a `$batch`: a few ms) and
 * waits for its journal write (an fdatasync: a few ms). Without it each change took callMs plus that work, and P4's
 * 125 rounds of four `$batch` writes each paid it. A change that takes longer is answered when it is done.
 */
export const CHANGE_WORK_MS = 20;

/** A `$batch` body whose every item runs a Get- cmdlet; false for anything else (handleBatch reports what is wrong). */
function isReadOnlyBatchText(bodyText: string): boolean {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return false;
  }
  if (!isPlainObject(body) || !Array.isArray(body.requests) || body.requests.length === 0) return false;
  return body.requests.every((item) => isPlainObject(item) && isReadCmdletBody(item.body));
}

/** Whether an InvokeCommand body runs a Get- cmdlet (a read: it changes nothing). */
function isReadCmdletBody(body: unknown): boolean {
  if (!isPlainObject(body) || !isPlainObject(body.CmdletInput)) return false;
  const name = body.CmdletInput.CmdletName;
  return typeof name === 'string' && /^\s*get-/i.test(name);
}
