/**
 * `exoform doctor` as a user runs it: the real CLI in a child process (bin/exoform.js from source), with the
 * provider's EXO_* variables, against the real emulator over HTTP. It must pass on a healthy setup and fail with the
 * right remedy for each broken one; its --record file must hold no secret.
 */
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintEmulatorToken } from '../../src/emulator/access-token';
import { DEMO_TENANT_ID } from '../../src/emulator/seed';
import { DEMO_TENANT, PWSH_STAND_IN, startTestEmulator, type TestEmulator } from '../support/emulator';

const REPO = join(__dirname, '..', '..');
const BIN = join(REPO, 'bin', 'exoform.js');

interface DoctorRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with only the given EXO_* variables (none inherited from the test's environment). */
function doctor(args: string[], variables: Record<string, string>): Promise<DoctorRun> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    EXOFORM_CLI_FROM_SOURCE: '1',
    ...variables,
  };
  const child = spawn(process.execPath, [BIN, 'doctor', ...args], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

type Check = {
  id: string;
  status: 'pass' | 'fail' | 'skip';
  detail: string;
  remedy?: string;
  facts?: Record<string, unknown>;
};

function checks(run: DoctorRun): Map<string, Check> {
  const report = JSON.parse(run.stdout) as { checks: Check[] };
  return new Map(report.checks.map((check) => [check.id, check]));
}

const hour = 3600;
const now = (): number => Math.floor(Date.now() / 1000);
const appClaims = (extra: Record<string, unknown> = {}) => ({
  tid: DEMO_TENANT_ID,
  aud: 'https://outlook.office365.com',
  roles: ['Exchange.ManageAsApp'],
  idtyp: 'app',
  exp: now() + hour,
  ...extra,
});

describe('exoform doctor', () => {
  let emulator: TestEmulator;
  let dir: string;
  beforeAll(async () => {
    emulator = await startTestEmulator();
    dir = mkdtempSync(join(tmpdir(), 'exoform-doctor-'));
  });
  afterAll(async () => {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => emulator.inspect.clearFaults());

  const base = (token: string, organization = DEMO_TENANT): Record<string, string> => ({
    EXO_ENDPOINT: emulator.url,
    EXO_ORGANIZATION: organization,
    EXO_ACCESS_TOKEN: token,
  });

  test('passes on a healthy setup, reads every claim, and records a transcript without the token', async () => {
    const token = mintEmulatorToken(emulator.token, appClaims());
    const record = join(dir, 'healthy.json');
    const run = await doctor(['--json', '--record', record], base(token));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = checks(run);
    for (const id of [
      'settings',
      'token',
      'token-expiry',
      'token-tenant',
      'token-audience',
      'token-roles',
      'redirect',
      'read:Get-TransportConfig',
      'read:Get-CASMailbox',
      'read:Get-User',
      'read:Get-AuthenticationPolicy',
      'read:Get-OrganizationConfig',
      'not-found',
      'batch',
    ]) {
      expect([id, result.get(id)?.status]).toEqual([id, 'pass']);
    }
    // A small page size shows a real nextLink even in the demo tenant; its host and port are reported.
    const port = Number(new URL(emulator.url).port);
    expect(result.get('read:Get-CASMailbox')!.facts!.nextLink).toEqual({
      host: '127.0.0.1',
      port,
      sameOrigin: true,
      sameCloud: false,
    });
    expect(result.get('not-found')!.facts).toMatchObject({ status: 404, form: 'pipe' });
    expect(result.get('batch')!.facts).toEqual({ itemStatuses: [200, 200] });

    const text = readFileSync(record, 'utf8');
    const [header, payload, signature] = token.split('.');
    for (const secret of [token, payload!, signature!, emulator.token]) expect(text).not.toContain(secret);
    expect(header!.length).toBeGreaterThan(0);
    expect(text).not.toMatch(/"authorization"\s*:\s*"(?!\[redacted\])/i);
    const transcript = JSON.parse(text) as {
      format: string;
      exchanges: Array<{ label: string; request: { headers: Record<string, string>; body: unknown } }>;
    };
    expect(transcript.format).toBe('exoform-wire-transcript/1');
    expect(transcript.exchanges.map((exchange) => exchange.label)).toEqual(
      expect.arrayContaining(['redirect', 'read:Get-CASMailbox', 'read:Get-CASMailbox:nextLink', 'not-found', 'batch']),
    );
    for (const exchange of transcript.exchanges)
      expect(Object.keys(exchange.request.headers).map((name) => name.toLowerCase())).not.toContain('authorization');
    // The batch items carried Authorization (the observed form): the record keeps the key, never the value.
    expect(JSON.stringify(transcript.exchanges.find((exchange) => exchange.label === 'batch')!.request.body)).toContain(
      '"Authorization":"[redacted]"',
    );
  });

  test('--redact-tenant removes the tenant domain and id from the output and the record', async () => {
    const token = mintEmulatorToken(emulator.token, appClaims());
    const record = join(dir, 'redacted.json');
    const run = await doctor(['--record', record, '--redact-tenant'], base(token));
    expect(run.code).toBe(0);
    for (const text of [run.stdout, readFileSync(record, 'utf8')]) {
      expect(text.toLowerCase()).not.toContain(DEMO_TENANT);
      expect(text.toLowerCase()).not.toContain(DEMO_TENANT_ID);
    }
    expect(run.stdout).toMatch(/15 passed, 0 failed, 0 warned/);
  });

  test('an expired token: fails with "get a fresh access token"', async () => {
    const run = await doctor(['--json'], base(mintEmulatorToken(emulator.token, appClaims({ exp: now() - 600 }))));
    expect(run.code).toBe(1);
    const result = checks(run);
    expect(result.get('token-expiry')).toMatchObject({
      status: 'fail',
      remedy: expect.stringMatching(/fresh access token/),
    });
    // The service says so too: every call answers 401 with the token remedy.
    expect(result.get('read:Get-TransportConfig')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/HTTP 401.*expired/),
      remedy: expect.stringMatching(/refused the token/),
    });
  });

  test('the wrong tenant: the token is for another tenant than EXO_ORGANIZATION', async () => {
    const otherTenant = '11111111-2222-4333-8444-555555555555';
    const run = await doctor(['--json'], base(mintEmulatorToken(emulator.token, appClaims()), otherTenant));
    expect(run.code).toBe(1);
    const result = checks(run);
    expect(result.get('token-tenant')).toMatchObject({
      status: 'fail',
      remedy: expect.stringMatching(/Set EXO_ORGANIZATION to the tenant the credentials belong to/),
    });
    expect(result.get('read:Get-TransportConfig')).toMatchObject({
      status: 'fail',
      remedy: expect.stringMatching(/EXO_ORGANIZATION/),
    });
  });

  test('no role: the service answers 403 and the remedy names Exchange.ManageAsApp and a role', async () => {
    await emulator.inspect.addFault({ status: 403, times: 1000 });
    const run = await doctor(['--json'], base(mintEmulatorToken(emulator.token, appClaims({ roles: [] }))));
    expect(run.code).toBe(1);
    const result = checks(run);
    expect(result.get('token-roles')).toMatchObject({
      status: 'fail',
      remedy: expect.stringMatching(/Exchange\.ManageAsApp.*admin consent/),
    });
    for (const id of ['read:Get-TransportConfig', 'read:Get-CASMailbox', 'batch']) {
      expect(result.get(id)).toMatchObject({
        status: 'fail',
        detail: expect.stringMatching(/HTTP 403/),
        remedy: expect.stringMatching(/Exchange\.ManageAsApp.*Exchange role/),
      });
    }
  });

  test('an unreachable endpoint: says it cannot reach it, skips the rest, exit 1', async () => {
    const port = await closedPort();
    const run = await doctor([], { ...base(emulator.token), EXO_ENDPOINT: `http://127.0.0.1:${port}` });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /Reach the admin API \(module-file probe\)\s+FAIL\s+Could not reach http:\/\/127\.0\.0\.1:\d+: connection refused/,
    );
    expect(run.stdout).toMatch(/What to do:\n.*Check the `endpoint` setting and the network/);
    expect(run.stdout).toMatch(/Reads, not-found and \$batch\s+SKIP/);
  });

  test('a tenant-specific redirect is reported; a redirect or a nextLink off the cloud fails, and the token is not sent there', async () => {
    // A front in front of the emulator: the module-file probe answers as Scuba's comment describes, and nextLinks are
    // rewritten to a host of the test's choosing; everything else passes through to the emulator.
    let location = 'https://nampr01.outlook.office365.com/AdminApi/v1.0/contoso/EXOModuleFile';
    let nextLinkHost: string | undefined;
    const front = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', async () => {
        if (/EXOModuleFile$/i.test(req.url ?? '')) {
          res.writeHead(302, { Location: location }).end();
          return;
        }
        const answer = await fetch(emulator.url + req.url, {
          method: req.method,
          headers: req.headers as Record<string, string>,
          body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
        });
        let text = await answer.text();
        if (nextLinkHost)
          text = text.replace(/"@odata\.nextLink":"http:\/\/[^/]+/, `"@odata.nextLink":"https://${nextLinkHost}`);
        res
          .writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' })
          .end(text);
      });
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    const frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
    try {
      const env = { ...base(emulator.token), EXO_ENDPOINT: frontUrl };
      const redirected = checks(await doctor(['--json'], env));
      expect(redirected.get('redirect')).toMatchObject({
        status: 'pass',
        detail: expect.stringMatching(/this tenant's host is nampr01\.outlook\.office365\.com/),
        facts: { redirectHost: 'nampr01.outlook.office365.com', status: 302 },
      });

      location = 'https://outlook.office365.com.evil.example/x';
      nextLinkHost = 'evil.example:446';
      const run = await doctor(['--json'], env);
      expect(run.code).toBe(1);
      const offCloud = checks(run);
      expect(offCloud.get('redirect')).toMatchObject({
        status: 'fail',
        detail: expect.stringMatching(/outside Microsoft 365 \(worldwide\)/),
      });
      expect(offCloud.get('read:Get-CASMailbox')).toMatchObject({
        status: 'fail',
        detail: expect.stringMatching(/nextLink on evil\.example:446 \(ANOTHER host\)/),
        facts: expect.objectContaining({
          nextLink: { host: 'evil.example', port: 446, sameOrigin: false, sameCloud: false },
        }),
      });
    } finally {
      await new Promise<void>((resolve) => front.close(() => resolve()));
    }
  });

  test('with the PowerShell bridge (the pwsh stand-in): the reads and the not-found go through the module; wire checks are skipped', async () => {
    const run = await doctor(['--json'], {
      ...base(emulator.token),
      EXO_BRIDGE: 'powershell',
      EXO_POWERSHELL_PATH: PWSH_STAND_IN,
    });
    expect(run.code).toBe(0);
    const result = checks(run);
    for (const id of [
      'read:Get-TransportConfig',
      'read:Get-CASMailbox',
      'read:Get-User',
      'read:Get-AuthenticationPolicy',
      'read:Get-OrganizationConfig',
      'not-found',
    ]) {
      expect([id, result.get(id)?.status]).toEqual([id, 'pass']);
    }
    expect(result.get('redirect')?.status).toBe('skip');
    expect(result.get('batch')?.status).toBe('skip');
  });

  test('bad settings: a plan-time style error naming the setting; bad flags: exit 2', async () => {
    const run = await doctor([], { ...base(emulator.token), EXO_ENVIRONMENT: 'mars' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/Provider settings\s+FAIL\s+The `environment` setting "mars"/);
    const usage = await doctor(['--page-size', '0'], base(emulator.token));
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--page-size must be a whole number/);
  });
});

/** A loopback port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
