/**
 * The REST wire format of Exchange Online's admin API, over node:http: routing, bearer-token check, latency model,
 * $batch envelopes. What a call means is decided in invoke.ts and cmdlets/; inspection routes live in inspection.ts.
 *
 *   POST /adminapi/beta/{tenant}/InvokeCommand[?$skiptoken=...]
 *   POST /adminapi/beta/{tenant}/$batch
 *   *    /_emulator/...   (inspection API, same token)
 */
import { timingSafeEqual } from 'node:crypto';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import type { Socket } from 'node:net';
import type { EmulatorControl } from './control';
import { WireError, wireErrors } from './errors';
import { delay, parseJsonBody, pathSegments, readBody, sendError, sendJson } from './http';
import { ConnectionResetFault } from './faults';
import { applyTimeouts, refuseBeforeBody } from './hardening';
import { handleInspection } from './inspection';
import { DeferredInvokeResponse, InvokeResponse, UnparsableBody, awaitDurable, invokeCommand } from './invoke';
import type { Tenant } from './tenant-store';
import { describeValue, isPlainObject } from './validate';

/** The most requests one $batch may carry, as on the real endpoint. */
export const MAX_BATCH_REQUESTS = 20;

interface ApiRoute {
  readonly tenantSegment: string;
  readonly operation: 'InvokeCommand' | '$batch';
}

/** Matches `/adminapi/beta/{tenant}/InvokeCommand|$batch`, case-insensitively; undefined for other paths. */
export function matchApiRoute(segments: readonly string[]): ApiRoute | undefined {
  if (segments.length !== 4 || segments[0]!.toLowerCase() !== 'adminapi' || segments[1]!.toLowerCase() !== 'beta') return undefined;
  const last = segments[3]!.toLowerCase();
  if (last === 'invokecommand') return { tenantSegment: segments[2]!, operation: 'InvokeCommand' };
  if (last === '$batch') return { tenantSegment: segments[2]!, operation: '$batch' };
  return undefined;
}

export class WireServer {
  readonly server: Server;
  /** Sockets that have had their first request, so connect latency is paid once per connection. */
  private readonly warmSockets = new WeakSet<Socket>();
  private readonly token: Buffer;
  /** One per request being handled: aborted when its client goes away or the emulator closes. */
  private readonly inFlight = new Set<AbortController>();

  constructor(private readonly control: EmulatorControl, token: string) {
    this.token = Buffer.from(token, 'utf8');
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (error instanceof ConnectionResetFault) return void request.socket.destroy();
        sendError(response, error instanceof WireError ? error : wireErrors.internal((error as Error).message));
      });
    });
    // Keep-alive as the real endpoint does; connect latency is only realistic if connections are reused.
    this.server.keepAliveTimeout = 30_000;
    applyTimeouts(this.server);
  }

  /** Ends every latency wait at once and makes the waiting handlers give up (emulator.close()). */
  abortAll(): void {
    for (const controller of this.inFlight) controller.abort();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    // 'close' also fires after a complete answer; aborting then is a no-op.
    response.on('close', () => {
      controller.abort();
      this.inFlight.delete(controller);
    });
    try {
      await this.handleRequest(request, response, controller.signal);
    } finally {
      this.inFlight.delete(controller);
    }
  }

  private async handleRequest(request: IncomingMessage, response: ServerResponse, signal: AbortSignal): Promise<void> {
    const socket = request.socket;
    if (!this.warmSockets.has(socket)) {
      this.warmSockets.add(socket);
      await delay(this.control.latency.connectMs, signal);
      if (signal.aborted) return; // the client left (or the emulator is closing) during the connect latency
    }
    const url = new URL(request.url ?? '/', 'http://emulator.invalid');
    const segments = pathSegments(url.pathname);
    const method = (request.method ?? 'GET').toUpperCase();
    // Who is asking, and how much they declare, before a byte of the body is read (hardening.ts).
    refuseBeforeBody(request, response, () => this.authenticate(request));
    const bodyText = await readBody(request);

    if (segments[0] === '_emulator') {
      const answer = await handleInspection(this.control, method, segments.slice(1), url.searchParams, bodyText);
      sendJson(response, answer.status, answer.body, answer.headers);
      return;
    }
    const route = matchApiRoute(segments);
    if (!route) throw wireErrors.routeNotFound(method, url.pathname);
    if (method !== 'POST') throw wireErrors.methodNotAllowed(method, 'POST');
    const tenant = this.resolveTenant(route.tenantSegment);
    const baseUrl = `http://${request.headers.host ?? this.hostForLinks()}`;

    this.control.stats.enter(tenant.tenantId);
    try {
      await delay(this.control.latency.callMs, signal);
      // Nobody is waiting for the answer any more: do not run the cmdlet (no change the client can't know about).
      if (signal.aborted) return;
      if (route.operation === 'InvokeCommand') {
        const answer = await invokeCommand(this.control, {
          tenantSegment: route.tenantSegment,
          tenant,
          body: UnparsableBody.parse(bodyText),
          skipToken: url.searchParams.get('$skiptoken'),
          prefer: headerValue(request.headers.prefer),
          via: 'InvokeCommand',
          baseUrl,
        });
        sendJson(response, answer.status, answer.body, answer.headers);
      } else {
        const answer = await this.handleBatch(route.tenantSegment, bodyText, headerValue(request.headers.prefer), baseUrl);
        sendJson(response, 200, answer);
      }
    } finally {
      this.control.stats.exit(tenant.tenantId);
    }
  }

  private authenticate(request: IncomingMessage): void {
    const header = headerValue(request.headers.authorization);
    if (!header) throw wireErrors.unauthorized('no Authorization header was sent');
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match) throw wireErrors.unauthorized('the Authorization header is not of the form "Bearer <token>"');
    const given = Buffer.from(match[1]!, 'utf8');
    if (given.length !== this.token.length || !timingSafeEqual(given, this.token)) {
      throw wireErrors.unauthorized('it is not the token this emulator was started with');
    }
  }

  private resolveTenant(segment: string): Tenant {
    const tenant = this.control.store.findTenant(segment);
    if (!tenant) throw wireErrors.tenantNotFound(segment, this.control.store.tenants.map((t) => t.initialDomain));
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
  private async handleBatch(outerTenant: string, bodyText: string, outerPrefer: string | undefined, baseUrl: string): Promise<object> {
    const batchError = (reason: string): WireError =>
      wireErrors.badInspectionRequest(`The $batch request is not valid: ${reason}. Send {"requests":[{"id":"1","method":"POST","url":"InvokeCommand","body":{"CmdletInput":{...}}}]}.`);
    const body = parseJsonBody(bodyText, batchError);
    if (!isPlainObject(body) || !Array.isArray(body.requests)) throw batchError('"requests" must be an array');
    const requests = body.requests;
    if (requests.length === 0 || requests.length > MAX_BATCH_REQUESTS) {
      throw batchError(`it has ${requests.length} requests; a batch carries 1 to ${MAX_BATCH_REQUESTS}`);
    }
    const ids = new Set<string>();
    for (const [i, item] of requests.entries()) {
      if (!isPlainObject(item) || typeof item.id !== 'string' || item.id === '') throw batchError(`requests[${i}] needs a non-empty string "id"`);
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
        answers.push({ id: item.id, answer: { status: wire.status, headers: { ...wire.headers }, body: wire.body } });
      }
    }
    let notSaved: WireError | undefined;
    await awaitDurable(this.control).catch((error: WireError) => (notSaved = error));
    const responses = answers.map(({ id, answer, finish }) => {
      const final: InvokeResponse = notSaved ? { status: notSaved.status, headers: {}, body: notSaved.body } : answer;
      finish?.(final);
      return { id, status: final.status, headers: { 'Content-Type': 'application/json', ...final.headers }, body: final.body };
    });
    return { responses };
  }

  private async answerBatchItem(item: Record<string, unknown>, outerTenant: string, outerPrefer: string | undefined, baseUrl: string): Promise<DeferredInvokeResponse> {
    const method = typeof item.method === 'string' ? item.method.toUpperCase() : 'POST';
    if (method !== 'POST') throw wireErrors.methodNotAllowed(method, 'POST');
    if (typeof item.url !== 'string' || item.url === '') {
      throw wireErrors.badInspectionRequest(`The batch item's "url" must be a string such as "InvokeCommand" or "/adminapi/beta/${outerTenant}/InvokeCommand", got ${describeValue(item.url)}.`);
    }
    // Relative URLs are relative to the batch's own tenant path, as OData resolves them.
    const url = new URL(item.url, `http://emulator.invalid/adminapi/beta/${encodeURIComponent(outerTenant)}/`);
    const route = matchApiRoute(pathSegments(url.pathname));
    if (!route || route.operation !== 'InvokeCommand') {
      throw wireErrors.badInspectionRequest(`A batch item can only POST to InvokeCommand, not "${item.url}".`);
    }
    const tenant = this.resolveTenant(route.tenantSegment);
    const headers = isPlainObject(item.headers) ? item.headers : {};
    const preferKey = Object.keys(headers).find((k) => k.toLowerCase() === 'prefer');
    const prefer = preferKey !== undefined && typeof headers[preferKey] === 'string' ? (headers[preferKey] as string) : outerPrefer;
    const itemBody = typeof item.body === 'string' ? UnparsableBody.parse(item.body) : item.body ?? new UnparsableBody('the batch item has no "body"');
    return invokeCommand(this.control, {
      tenantSegment: route.tenantSegment,
      tenant,
      body: itemBody,
      skipToken: url.searchParams.get('$skiptoken'),
      prefer,
      via: '$batch',
      baseUrl,
      deferDurability: true,
    });
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

