/** node:http plumbing shared by the wire server and the inspection API: bodies in, JSON out. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WireError, wireErrors } from './wire-errors';

export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** The raw body; rejects with a 413 WireError beyond MAX_BODY_BYTES. */
export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    request.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        failed = true;
        reject(wireErrors.payloadTooLarge(MAX_BODY_BYTES));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => !failed && resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', (error) => !failed && reject(error));
  });
}

/** Parsed JSON, `undefined` for an empty body; throws a 400 WireError naming the JSON problem. */
export function parseJsonBody(
  text: string,
  describe: (reason: string) => WireError = wireErrors.malformedBody,
): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw describe(`it is not valid JSON (${(error as Error).message})`);
  }
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  sendJsonText(response, status, JSON.stringify(body), headers);
}

/** A JSON body serialized beforehand (a read's page is rendered within its modelled time, not after it). */
export function sendJsonText(
  response: ServerResponse,
  status: number,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  if (response.headersSent) return;
  response.writeHead(status, {
    'Content-Type': 'application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'request-id': randomUUID(),
    ...headers,
  });
  response.end(body);
}

/** A body sent as it is (an empty or NUL-padded answer, a redirect), with the same standard headers. */
export function sendRaw(
  response: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'Content-Length': Buffer.byteLength(body), 'request-id': randomUUID(), ...headers });
  response.end(body);
}

/**
 * Waits `ms`; an abort (client gone, emulator closing) clears the timer and resolves at once, so no latency timer
 * outlives what it was for. Callers check `signal.aborted` afterwards and stop.
 */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Splits a path into percent-decoded segments; a malformed escape is a 400. */
export function pathSegments(pathname: string): string[] {
  return pathname
    .split('/')
    .filter((s) => s !== '')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        throw wireErrors.badInspectionRequest(`The URL path segment "${segment}" is not valid percent-encoding.`);
      }
    });
}
