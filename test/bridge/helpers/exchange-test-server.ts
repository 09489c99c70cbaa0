/**
 * A real HTTP(S) server on loopback that records every request byte for byte and answers as a test scripts it:
 * a JSON body, raw text, a dropped connection, or no answer at all.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query exactly as sent on the request line. */
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The raw body, decoded as UTF-8. */
  body: string;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as it is. */
  body?: unknown;
  /** Destroy the socket instead of answering (a connection reset mid-call). */
  destroy?: boolean;
  /** Never answer. */
  hang?: boolean;
}

export type Responder = (request: RecordedRequest, index: number) => Reply | Promise<Reply>;

/** Answers with `replies` in order; a request beyond the script gets a 599 so the test fails loudly. */
export function script(...replies: Reply[]): Responder {
  return (_request, index) =>
    replies[index] ?? { status: 599, body: { error: { message: `unscripted request #${index + 1}` } } };
}

export const ok = (value: unknown[] = [], extra: Record<string, unknown> = {}): Reply => ({
  status: 200,
  body: { '@odata.context': 'https://outlook.office365.com/adminapi/beta/$metadata#Collection', value, ...extra },
});

export class ExchangeTestServer {
  readonly requests: RecordedRequest[] = [];
  private readonly server: http.Server;
  private readonly hanging: http.ServerResponse[] = [];

  private constructor(
    private respond: Responder,
    tls?: { key: string; cert: string },
  ) {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        const index = this.requests.push(recorded) - 1;
        void Promise.resolve(this.respond(recorded, index)).then((reply) => this.send(req, res, reply));
      });
    };
    this.server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  }

  static async start(respond: Responder, tls?: { key: string; cert: string }): Promise<ExchangeTestServer> {
    const server = new ExchangeTestServer(respond, tls);
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `${this.server instanceof https.Server ? 'https' : 'http'}://127.0.0.1:${port}`;
  }

  /** Replaces the responder (and keeps the request log). */
  setResponder(respond: Responder): void {
    this.respond = respond;
  }

  /** Parsed JSON body of request `index`. */
  json(index: number): any {
    return JSON.parse(this.requests[index]!.body);
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private send(req: http.IncomingMessage, res: http.ServerResponse, reply: Reply): void {
    if (reply.destroy) {
      req.socket.destroy();
      return;
    }
    if (reply.hang) {
      this.hanging.push(res);
      return;
    }
    const body =
      reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    const contentType = typeof reply.body === 'string' ? 'text/plain' : 'application/json; odata.metadata=minimal';
    res.writeHead(reply.status ?? 200, { 'Content-Type': contentType, ...reply.headers });
    res.end(body);
  }
}

/** The error body Exchange sends for a failed cmdlet: "<id>|<exception type>|<text>". */
export function exchangeError(code: string, exception: string, text: string): Record<string, unknown> {
  return {
    error: {
      code,
      message: 'Error executing cmdlet',
      details: [{ code: 'Client', target: '', message: `Ex6F9304|${exception}|${text}` }],
    },
  };
}
