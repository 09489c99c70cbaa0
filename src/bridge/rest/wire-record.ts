/**
 * Redacted wire transcripts: with EXOFORM_WIRE_RECORD=<file>, every HTTP exchange of the REST bridge (request method,
 * URL, headers, body; response status, headers, body) is written to <file> as JSON, for a bug report or a replay test
 * (test/replay). `exoform doctor --record` writes the same format.
 *
 * Redaction, before anything reaches the file: the Authorization (and cookie) headers are left out; any JSON property named like a
 * credential (Authorization, access_token, client_secret, password...) wherever it appears in a body; anything shaped
 * like a JWT or a "Bearer ..." value; and every bearer token this process has sent (learned from its Authorization
 * headers, so opaque tokens are caught too) and the EXO_* secret variables. Tenant names can be replaced too.
 *
 * The file is rewritten whole after each exchange (a diagnostic aid, not for long runs).
 */

import { writeFileSync } from 'node:fs';

export const WIRE_TRANSCRIPT_FORMAT = 'exoform-wire-transcript/1';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

export interface RecordedResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface RecordedExchange {
  /** What this exchange was for (doctor's check name), when known. */
  label?: string;
  request: RecordedRequest;
  response: RecordedResponse;
}

export interface WireTranscript {
  format: typeof WIRE_TRANSCRIPT_FORMAT;
  /** Where the exchanges come from: "exoform <version> REST bridge", or a fixture's public source. */
  source: string;
  exchanges: RecordedExchange[];
}

const REDACTED = '[redacted]';
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);
const SECRET_KEYS =
  /^(authorization|proxy-authorization|access_?token|refresh_?token|id_?token|client_?secret|password|certificate_?password|assertion|client_assertion)$/i;
const JWT = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const BEARER = /Bearer\s+[^\s",]+/gi;
const SECRET_VARIABLES = ['EXO_ACCESS_TOKEN', 'EXO_CLIENT_SECRET', 'EXO_CERTIFICATE_PASSWORD'];

export interface RedactionOptions {
  /** Exact secret values to remove wherever they appear. */
  secrets?: Iterable<string>;
  /** Tenant names (domains, ids) to replace with neutral placeholders. */
  tenants?: Iterable<string>;
}

/** Scrubs one text: secrets first, then token shapes, then tenant names. */
export function redactText(text: string, options: RedactionOptions = {}): string {
  let out = text;
  for (const secret of options.secrets ?? []) {
    if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  out = out.replace(JWT, REDACTED).replace(BEARER, `Bearer ${REDACTED}`);
  let index = 0;
  for (const tenant of options.tenants ?? []) {
    if (tenant.length < 3) continue;
    index += 1;
    const placeholder = /^[0-9a-f-]{36}$/i.test(tenant)
      ? `00000000-0000-0000-0000-${String(index).padStart(12, '0')}`
      : `tenant${index}.example`;
    out = out.replace(new RegExp(escapeRegExp(tenant), 'gi'), placeholder);
  }
  return out;
}

/** Scrubs a JSON value (or a string holding JSON): credential-named properties and every string in it. */
export function redactValue(value: unknown, options: RedactionOptions = {}): unknown {
  if (typeof value === 'string') return redactText(value, options);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, options));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      out[redactText(key, options)] = SECRET_KEYS.test(key) ? REDACTED : redactValue(item, options);
    }
    return out;
  }
  return value;
}

export function redactHeaders(headers: Record<string, string>, options: RedactionOptions = {}): Record<string, string> {
  const out: Record<string, string> = {};
  // Credential headers are left out altogether (their presence is not evidence anyone needs).
  for (const [name, value] of Object.entries(headers))
    if (!SECRET_HEADERS.has(name.toLowerCase())) out[name] = redactText(String(value), options);
  return out;
}

/** A body as recorded: parsed JSON when it is JSON (so a replay can read it), else the text; both redacted. */
export function redactBody(body: string, options: RedactionOptions = {}): unknown {
  if (body === '') return '';
  try {
    return redactValue(JSON.parse(body), options);
  } catch {
    return redactText(body, options);
  }
}

/** The bearer token in an Authorization header value, to be scrubbed wherever else it shows up. */
export function bearerToken(headers: Record<string, string>): string | undefined {
  const entry = Object.entries(headers).find(([name]) => name.toLowerCase() === 'authorization');
  const match = entry ? /^Bearer\s+(\S+)/i.exec(entry[1]) : null;
  return match?.[1];
}

export class WireRecorder {
  private readonly exchanges: RecordedExchange[] = [];
  private readonly secrets = new Set<string>();
  private broken = false;

  constructor(
    private readonly path: string,
    private readonly options: { tenants?: string[]; source?: string } = {},
  ) {
    for (const name of SECRET_VARIABLES) {
      const value = process.env[name];
      if (value) this.secrets.add(value.replace(/^Bearer\s+/i, '').trim());
    }
  }

  addSecret(secret: string | undefined): void {
    if (secret) this.secrets.add(secret);
  }

  record(
    method: string,
    request: { url: URL | string; headers: Record<string, string>; body: string },
    response: { status: number; headers: Record<string, string>; body: string },
    label?: string,
  ): void {
    this.addSecret(bearerToken(request.headers));
    const options: RedactionOptions = { secrets: this.secrets, tenants: this.options.tenants };
    this.exchanges.push({
      ...(label ? { label } : {}),
      request: {
        method,
        url: redactText(String(request.url), options),
        headers: redactHeaders(request.headers, options),
        body: redactBody(request.body, options),
      },
      response: {
        status: response.status,
        headers: redactHeaders(response.headers, options),
        body: redactBody(response.body, options),
      },
    });
    this.flush();
  }

  transcript(): WireTranscript {
    return {
      format: WIRE_TRANSCRIPT_FORMAT,
      source: this.options.source ?? 'exoform REST bridge (EXOFORM_WIRE_RECORD)',
      exchanges: this.exchanges,
    };
  }

  /** Writes the file. A recording that cannot be written must not break the run: it warns once on stderr and stops. */
  flush(): void {
    if (this.broken) return;
    try {
      writeFileSync(this.path, `${JSON.stringify(this.transcript(), null, 2)}\n`, { mode: 0o600 });
    } catch (error) {
      this.broken = true;
      process.stderr.write(
        `exoform: cannot write the wire recording ${this.path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); recording stopped.\n`,
      );
    }
  }
}

let processRecorder: WireRecorder | null | undefined;

/** The recorder EXOFORM_WIRE_RECORD asks for (one per process), or undefined when it is unset. */
export function wireRecorder(): WireRecorder | undefined {
  if (processRecorder === undefined) {
    const path = process.env.EXOFORM_WIRE_RECORD;
    // {pid} in the path gives each provider process (terraform starts several) its own file.
    processRecorder = path ? new WireRecorder(path.split('{pid}').join(String(process.pid))) : null;
  }
  return processRecorder ?? undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
