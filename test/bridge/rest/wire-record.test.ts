/** Redaction of wire transcripts: what may never reach a recorded file. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redactText, WireRecorder } from '../../../src/bridge/rest/wire-record';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJ0aWQiOiJ4In0.c2lnbmF0dXJlLXZhbHVl';

test('tokens, credential properties, secrets and (on request) tenant names are scrubbed everywhere', () => {
  const dir = mkdtempSync(join(tmpdir(), 'exoform-wire-'));
  try {
    const file = join(dir, 'wire.json');
    const recorder = new WireRecorder(file, {
      tenants: ['contoso.onmicrosoft.com', '7c3b9a52-4f1e-4d8a-9b6c-2e5f0a1d3c84'],
    });
    recorder.addSecret('cl1ent-s3cret-value');
    recorder.record(
      'POST',
      {
        url: 'https://outlook.office365.com/adminapi/beta/contoso.onmicrosoft.com/$batch',
        headers: {
          Authorization: 'Bearer opaque-token-123456',
          'X-AnchorMailbox': 'APP:SystemMailbox{x}@contoso.onmicrosoft.com',
        },
        body: JSON.stringify({
          requests: [
            {
              id: '1',
              headers: { Authorization: 'Bearer opaque-token-123456' },
              body: { note: `a ${JWT} b`, client_secret: 'x', text: 'opaque-token-123456 and cl1ent-s3cret-value' },
            },
          ],
        }),
      },
      {
        status: 401,
        headers: { 'www-authenticate': 'Bearer error="invalid_token"', 'set-cookie': 'a=b' },
        body: `tenant 7C3B9A52-4F1E-4D8A-9B6C-2E5F0A1D3C84 token ${JWT}`,
      },
    );
    const text = readFileSync(file, 'utf8');
    for (const leaked of [
      'opaque-token-123456',
      JWT,
      'cl1ent-s3cret-value',
      'contoso.onmicrosoft.com',
      '7c3b9a52',
      'a=b',
    ])
      expect(text.toLowerCase()).not.toContain(leaked.toLowerCase());
    const transcript = JSON.parse(text);
    const exchange = transcript.exchanges[0];
    expect(Object.keys(exchange.request.headers)).toEqual(['X-AnchorMailbox']);
    expect(exchange.request.url).toBe('https://outlook.office365.com/adminapi/beta/tenant1.example/$batch');
    expect(exchange.request.body.requests[0].headers.Authorization).toBe('[redacted]');
    expect(exchange.request.body.requests[0].body.client_secret).toBe('[redacted]');
    expect(exchange.response.body).toBe('tenant 00000000-0000-0000-0000-000000000002 token [redacted]');
    expect(Object.keys(exchange.response.headers)).toEqual(['www-authenticate']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('redactText: a Bearer value in any text', () => {
  expect(redactText('Authorization: Bearer abc.def-ghi, next')).toBe('Authorization: Bearer [redacted], next');
});

test('a recording that cannot be written warns once and does not throw', () => {
  const writes: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((text: string) => (writes.push(String(text)), true)) as typeof process.stderr.write;
  try {
    const recorder = new WireRecorder('/nonexistent-directory/wire.json');
    const exchange = { url: 'http://127.0.0.1/x', headers: {}, body: '' };
    expect(() => recorder.record('POST', exchange, { status: 200, headers: {}, body: '' })).not.toThrow();
    expect(() => recorder.record('POST', exchange, { status: 200, headers: {}, body: '' })).not.toThrow();
  } finally {
    process.stderr.write = original;
  }
  expect(writes).toEqual([
    expect.stringMatching(
      /cannot write the wire recording \/nonexistent-directory\/wire\.json \(ENOENT\); recording stopped/,
    ),
  ]);
});
