/**
 * What keeps one hostile client from tying up the emulator: the token is checked before a body is read, a body
 * declared larger than the limit is refused at once (413) and the connection closed, and idle or half-sent requests
 * time out instead of holding a socket for ever.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { MAX_BODY_BYTES } from './http';
import { wireErrors } from './wire-errors';

/** The whole request (headers and body) must arrive within this; a half-sent request is answered 408 and closed. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Headers must arrive within this. */
export const HEADERS_TIMEOUT_MS = 15_000;
/** A connection with no traffic at all (no request in flight) is closed after this. */
export const IDLE_SOCKET_TIMEOUT_MS = 120_000;

export function applyTimeouts(server: Server): void {
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.timeout = IDLE_SOCKET_TIMEOUT_MS;
}

/**
 * Runs `authenticate` (which throws a 401 WireError) and refuses a declared oversize body, before the body is read.
 * When refusing, the connection is marked to close: the unread body is never taken in.
 */
export function refuseBeforeBody(request: IncomingMessage, response: ServerResponse, authenticate: () => void): void {
  try {
    authenticate();
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) throw wireErrors.payloadTooLarge(MAX_BODY_BYTES);
  } catch (error) {
    response.setHeader('Connection', 'close');
    request.on('data', () => undefined); // keep the parser moving while the answer goes out; nothing is stored
    throw error;
  }
}
