/**
 * The plain HTTP exchange `exoform doctor` probes with: no retry, no redirect following, no bridge in between, so
 * each check sees exactly what the service answered.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';

export interface RawRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One HTTP exchange, redirects NOT followed (the probe must see a 3xx). Network failures reject with their code. */
export function rawRequest(request: RawRequest): Promise<RawResponse> {
  const transport = request.url.protocol === 'https:' ? https : http;
  const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
  return new Promise((resolve, reject) => {
    const req = transport.request(request.url, {
      method: request.method,
      headers: { ...request.headers, ...(body ? { 'Content-Length': String(body.length) } : {}) },
      timeout: request.timeoutMs,
    });
    req.on('timeout', () =>
      req.destroy(
        Object.assign(new Error(`no answer within ${Math.round(request.timeoutMs / 1000)} s`), { code: 'ETIMEDOUT' }),
      ),
    );
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers))
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end(body);
  });
}

/** A request id for the client-request-id header. */
export function newRequestId(): string {
  return randomUUID();
}
