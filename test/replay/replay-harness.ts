/**
 * Replay: turns a wire transcript (a fixture in test/replay/fixtures, or a file written with EXOFORM_WIRE_RECORD or
 * `exoform doctor --record`) into a regression test. A real HTTP server on loopback answers the bridge's requests with
 * the recorded answers, in order, checking that each request has the recorded method and path; the real REST bridge
 * runs the fixture's call; the outcome is compared with the fixture's `expect`.
 *
 * In recorded bodies `{origin}` stands for the replay server's origin and `{tenant}` for the organization; a
 * transcript recorded against a real host has that host's origin replaced the same way.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CmdletParameters, CmdletResult } from '../../src/bridge/bridge';
import { ExchangeError } from '../../src/bridge/errors';
import { RestBridge } from '../../src/bridge/rest/rest-bridge';
import { StaticTokenProvider } from '../../src/bridge/rest/token-provider';
import type { RecordedExchange } from '../../src/bridge/rest/wire-record';
import { FakeClock } from '../bridge/helpers/fake-clock';

export const REPLAY_ORGANIZATION = 'contoso.onmicrosoft.com';
export const REPLAY_TOKEN = 'replay-token-5b2e9d';

export type Expectation =
  | { error: string; messageIncludes?: string }
  | { rows: number; warnings?: number; retryWaitsMs?: number[]; samePagedBody?: boolean }
  | { batch: Array<{ rows: number } | { error: string }> };

export interface ReplayFixture {
  format: 'exoform-wire-transcript/1';
  name: string;
  /** The public client or file that shows this shape (required for the seeded corpus). */
  source: string;
  description?: string;
  call:
    | { cmdlet: string; parameters: CmdletParameters }
    | { batch: Array<{ cmdlet: string; parameters: CmdletParameters }> };
  expect: Expectation;
  exchanges: Array<RecordedExchange & { response: RecordedExchange['response'] & { bodyText?: string } }>;
}

export interface ReplayResult {
  /** Either a CmdletResult, an error, or (for a batch) one of those per item. */
  outcome: CmdletResult | ExchangeError | Array<CmdletResult | ExchangeError>;
  /** The requests the bridge sent: method, path, body. */
  requests: Array<{ method: string; path: string; body: string; headers: http.IncomingHttpHeaders }>;
  /** Requests that did not match the transcript (method/path), or went beyond it. */
  mismatches: string[];
  sleeps: number[];
}

export function loadFixtures(directory = join(__dirname, 'fixtures')): ReplayFixture[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(directory, name), 'utf8')) as ReplayFixture);
}

/** The origin a transcript was recorded against (an absolute first URL), if any. */
function recordedOrigin(fixture: ReplayFixture): string | undefined {
  const url = fixture.exchanges[0]?.request.url ?? '';
  return /^https?:\/\//.test(url) ? new URL(url).origin : undefined;
}

function pathOf(url: string, organization: string): string {
  const path = /^https?:\/\//.test(url) ? `${new URL(url).pathname}${new URL(url).search}` : url;
  return path.split('{tenant}').join(encodeURIComponent(organization));
}

export async function replay(fixture: ReplayFixture, organization = REPLAY_ORGANIZATION): Promise<ReplayResult> {
  const requests: ReplayResult['requests'] = [];
  const mismatches: string[] = [];
  const original = recordedOrigin(fixture);
  let origin = '';
  const substitute = (text: string): string => {
    let out = text.split('{origin}').join(origin).split('{tenant}').join(organization);
    if (original) out = out.split(original).join(origin);
    return out;
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const index =
        requests.push({
          method: req.method ?? '',
          path: req.url ?? '',
          body: Buffer.concat(chunks).toString('utf8'),
          headers: req.headers,
        }) - 1;
      const exchange = fixture.exchanges[index];
      if (!exchange) {
        mismatches.push(
          `request #${index + 1} ${req.method} ${req.url} is beyond the transcript (${fixture.exchanges.length} exchanges)`,
        );
        res.writeHead(599).end();
        return;
      }
      const expectedPath = pathOf(exchange.request.url, organization);
      if (
        req.method !== exchange.request.method ||
        decodeURIComponent(req.url ?? '') !== decodeURIComponent(expectedPath)
      ) {
        mismatches.push(
          `request #${index + 1}: ${req.method} ${req.url}, the transcript has ${exchange.request.method} ${expectedPath}`,
        );
      }
      const { status, headers, body, bodyText } = exchange.response;
      const text =
        bodyText !== undefined ? bodyText : body === '' || body === undefined ? '' : substitute(JSON.stringify(body));
      const sent: Record<string, string> = {};
      for (const [name, value] of Object.entries(headers)) {
        if (!['content-length', 'connection', 'keep-alive', 'transfer-encoding', 'date'].includes(name.toLowerCase()))
          sent[name] = substitute(value);
      }
      res.writeHead(status, sent).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clock = new FakeClock();
  const bridge = new RestBridge({
    organization,
    endpoint: origin,
    tokenProvider: new StaticTokenProvider(REPLAY_TOKEN),
    clock,
  });
  try {
    let outcome: ReplayResult['outcome'];
    if ('batch' in fixture.call) {
      outcome = await bridge.invokeBatch(fixture.call.batch);
    } else {
      outcome = await bridge.invoke(fixture.call.cmdlet, fixture.call.parameters).catch((error: unknown) => {
        if (error instanceof ExchangeError) return error;
        throw error;
      });
    }
    return { outcome, requests, mismatches, sleeps: clock.sleeps };
  } finally {
    await bridge.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Compares an outcome with an expectation; returns the differences (empty = as expected). */
export function compare(expectation: Expectation, result: ReplayResult): string[] {
  const problems: string[] = [...result.mismatches];
  const one = (
    expected: { error: string; messageIncludes?: string } | { rows: number; warnings?: number },
    actual: CmdletResult | ExchangeError,
    where: string,
  ): void => {
    if ('error' in expected) {
      if (!(actual instanceof ExchangeError))
        problems.push(`${where}: expected a ${expected.error} error, got ${actual.rows.length} row(s)`);
      else {
        if (expected.error !== 'any' && actual.kind !== expected.error)
          problems.push(`${where}: expected a ${expected.error} error, got ${actual.kind}: ${actual.message}`);
        if (expected.messageIncludes && !actual.message.includes(expected.messageIncludes))
          problems.push(`${where}: the message does not include "${expected.messageIncludes}": ${actual.message}`);
      }
      return;
    }
    if (actual instanceof ExchangeError) {
      problems.push(`${where}: expected ${expected.rows} row(s), got a ${actual.kind} error: ${actual.message}`);
      return;
    }
    if (actual.rows.length !== expected.rows)
      problems.push(`${where}: expected ${expected.rows} row(s), got ${actual.rows.length}`);
    if (expected.warnings !== undefined && actual.warnings.length !== expected.warnings)
      problems.push(`${where}: expected ${expected.warnings} warning(s), got ${JSON.stringify(actual.warnings)}`);
  };
  if ('batch' in expectation) {
    const outcomes = result.outcome as Array<CmdletResult | ExchangeError>;
    expectation.batch.forEach((expected, index) => one(expected, outcomes[index]!, `item ${index + 1}`));
  } else {
    one(expectation, result.outcome as CmdletResult | ExchangeError, 'call');
    if (
      'rows' in expectation &&
      expectation.retryWaitsMs &&
      JSON.stringify(result.sleeps) !== JSON.stringify(expectation.retryWaitsMs)
    ) {
      problems.push(`expected waits ${JSON.stringify(expectation.retryWaitsMs)}, got ${JSON.stringify(result.sleeps)}`);
    }
    if (
      'rows' in expectation &&
      expectation.samePagedBody &&
      new Set(result.requests.map((request) => request.body)).size !== 1
    ) {
      problems.push('the pages were not requested with the same body');
    }
  }
  return problems;
}
