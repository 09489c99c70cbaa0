/**
 * The process plumbing of the PowerShell bridge, for real: node-powershell spawns the pwsh stand-in (a TEST DOUBLE
 * that accepts exactly the bridge's script shapes and forwards cmdlets to the emulator), and these tests drive
 * start-up, delimiters, results, errors, timeouts, restarts, reconnects, cancellation and shutdown through it.
 */
import { spawn } from 'node:child_process';
import {
  AuthenticationError,
  CancelledError,
  ConfigurationError,
  InvalidInputError,
  NotFoundError,
  ServiceBugError,
  UnreachableError,
} from '../../../src/bridge/errors';
import { bootstrapScript, callScript } from '../../../src/bridge/powershell/session-script';
import { makeCertificate, writeTemp } from '../helpers/certificates';
import { eventually, isRunning, ORG, STAND_IN, StandInHarness } from './stand-in-harness';

jest.setTimeout(60_000);

describe('PowerShell bridge through node-powershell and the pwsh stand-in', () => {
  let harness: StandInHarness;
  beforeEach(async () => {
    harness = await StandInHarness.start();
  });
  afterEach(async () => {
    await harness.stop();
  });

  test('one session: started once, bootstrap then connect then calls, reused for every call', async () => {
    const bridge = harness.bridge();
    const config = await bridge.invoke('Get-TransportConfig', {});
    expect(config.rows).toHaveLength(1);
    expect(config.rows[0]).toMatchObject({ SmtpClientAuthenticationDisabled: true, AllowLegacyTLSClients: null });
    const mailbox = await bridge.invoke('Get-CASMailbox', { Identity: 'sean@contoso.com' });
    expect(mailbox.rows[0]).toMatchObject({
      PrimarySmtpAddress: 'sean@contoso.com',
      SmtpClientAuthenticationDisabled: null,
    });
    await bridge.invoke('Set-CASMailbox', { Identity: 'sean@contoso.com', SmtpClientAuthenticationDisabled: false });

    const events = harness.events();
    expect(harness.pids()).toHaveLength(1);
    expect(events.map((e) => e.event)).toEqual(['start', 'bootstrap', 'connect', 'call', 'call', 'call']);
    expect(events[0]!.args).toEqual(['-NoLogo', '-NoProfile', '-NonInteractive', '-NoExit', '-Command', '-']);
    expect(events[2]!.payload).toEqual({
      Organization: ORG,
      AccessTokenFromEnvironment: true,
      ConnectionUri: `${harness.emulator.url}/powershell-liveid/`,
    });
    expect(events.filter((e) => e.event === 'rejected')).toEqual([]);
    expect((await harness.inspect.recipient('sean@contoso.com')).SmtpClientAuthenticationDisabled).toBe(false);
    expect(bridge.sessionCount).toBe(1);
  });

  test('shutdown: Disconnect-ExoformSession, then exit, and the process is gone', async () => {
    const bridge = harness.bridge();
    await bridge.invoke('Get-TransportConfig', {});
    const [pid] = harness.pids();
    expect(isRunning(pid!)).toBe(true);
    await bridge.close();
    expect(
      harness
        .events()
        .slice(-2)
        .map((e) => e.event),
    ).toEqual(['disconnect', 'exit']);
    await eventually(() => !isRunning(pid!), 3000, 'the stand-in to exit');
    await bridge.close(); // safe twice
    await expect(bridge.invoke('Get-TransportConfig', {})).rejects.toBeInstanceOf(CancelledError);
  });

  test('a session that never started costs nothing: no process until the first call, and close() is immediate', async () => {
    const bridge = harness.bridge();
    await bridge.close();
    expect(harness.pids()).toEqual([]);
  });

  test('rows, nulls, arrays, unicode and service warnings come back as the REST endpoint sent them', async () => {
    const bridge = harness.bridge();
    const all = await bridge.invoke('Get-CASMailbox', { ResultSize: 'Unlimited' });
    expect(all.rows.length).toBeGreaterThan(3);
    expect(Array.isArray(all.rows[0]!.EmailAddresses ?? [])).toBe(true);
    const unchanged = await bridge.invoke('Set-TransportConfig', { SmtpClientAuthenticationDisabled: true });
    expect(unchanged).toEqual({ rows: [], warnings: [expect.stringMatching(/no settings of .* have been modified/)] });
  });

  test('paging: the session follows @odata.nextLink as the module pages for you', async () => {
    await harness.inspect.request('PUT', '/_emulator/latency', { pageSize: 2 });
    const bridge = harness.bridge();
    const rows = (await bridge.invoke('Get-CASMailbox', { ResultSize: 'Unlimited' })).rows;
    await harness.inspect.request('PUT', '/_emulator/latency', { pageSize: 1000 });
    const again = (await bridge.invoke('Get-CASMailbox', { ResultSize: 'Unlimited' })).rows;
    expect(rows.length).toBeGreaterThan(2);
    expect(rows).toEqual(again);
  });

  test('hostile identities reach the service byte-exact and come back as NotFoundError', async () => {
    const bridge = harness.bridge();
    const identities = [
      'a$(Remove-Mailbox x)@contoso.com',
      'o\'brien"x"`whoami`;@contoso.com',
      'zoë.数据-🙂@contoso.com',
      `${'$(x)'.repeat(5000)}@contoso.com`,
    ];
    for (const identity of identities) {
      await expect(bridge.invoke('Get-CASMailbox', { Identity: identity })).rejects.toBeInstanceOf(NotFoundError);
    }
    const received = (await harness.inspect.calls()).calls.map((call) => call.parameters.Identity);
    expect(received).toEqual(identities);
    expect(harness.events().filter((e) => e.event === 'rejected')).toEqual([]);
  });

  test('errors map to the same typed errors as the REST bridge', async () => {
    const bridge = harness.bridge();
    await expect(bridge.invoke('Get-CASMailbox', { Identity: 'nobody@contoso.com' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(bridge.invoke('Get-CASMailbox', { NoSuchParameter: 1 })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(
      bridge.invoke('Set-CASMailbox', { Identity: 'sean@contoso.com', SmtpClientAuthenticationDisabled: 'maybe' }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    await harness.inspect.addFault({
      cmdlet: 'Set-TransportConfig',
      status: 500,
      message: 'Object reference not set to an instance of an object.',
      exceptionType: 'System.NullReferenceException',
    });
    await expect(
      bridge.invoke('Set-TransportConfig', { SmtpClientAuthenticationDisabled: true }),
    ).rejects.toBeInstanceOf(ServiceBugError);
    await harness.inspect.clearFaults();
    await harness.inspect.addFault({ cmdlet: 'Get-TransportConfig', status: 403 });
    const denied = await bridge.invoke('Get-TransportConfig', {}).catch((error: unknown) => error);
    expect(denied).toBeInstanceOf(AuthenticationError);
    expect((denied as AuthenticationError).status).toBe(403);
  });

  test('throttling (429 with Retry-After) and transient failures (503) are retried by the shared policy', async () => {
    const retries: string[] = [];
    const bridge = harness.bridge(
      {},
      { retry: { initialBackoffMs: 5, onRetry: (event) => retries.push(event.reason) } },
    );
    await harness.inspect.addFault({ cmdlet: 'Get-TransportConfig', status: 429, retryAfterSeconds: 1, times: 1 });
    await harness.inspect.addFault({ cmdlet: 'Get-CASMailbox', status: 503, times: 2 });
    const started = Date.now();
    expect((await bridge.invoke('Get-TransportConfig', {})).rows).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900); // honoured Retry-After: 1
    expect((await bridge.invoke('Get-CASMailbox', { Identity: 'sean@contoso.com' })).rows).toHaveLength(1);
    expect(retries).toEqual([
      'throttled (HTTP 429), Retry-After 1 s',
      expect.stringMatching(/^transient failure/),
      expect.stringMatching(/^transient failure/),
    ]);
    expect(harness.pids()).toHaveLength(1); // service errors do not cost the session
  });

  test('a wrong token: one reconnect, then AuthenticationError naming what to do; the token appears nowhere', async () => {
    const token = 'wrong-token-value-5521';
    const bridge = harness.bridge({ accessToken: token });
    const error = await bridge.invoke('Get-TransportConfig', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).status).toBeUndefined(); // final: the policy does not try again
    expect((error as AuthenticationError).remedy).toMatch(/access_token/);
    const events = harness.events();
    expect(events.map((e) => e.event)).toEqual([
      'start',
      'bootstrap',
      'connect',
      'call',
      'disconnect',
      'connect',
      'call',
    ]);
    const everything = JSON.stringify(events) + JSON.stringify(harness.logs) + String(error) + (error as Error).message;
    expect(everything).not.toContain(token);
  });

  test('an expired session is reconnected once and the call succeeds', async () => {
    harness.faults([{ on: 'call', action: 'expire', times: 1 }]);
    const bridge = harness.bridge();
    expect((await bridge.invoke('Get-TransportConfig', {})).rows).toHaveLength(1);
    expect(harness.events().map((e) => e.event)).toEqual([
      'start',
      'bootstrap',
      'connect',
      'call',
      'fault',
      'disconnect',
      'connect',
      'call',
    ]);
    const warning = /retrying after token refused \(HTTP 401\); reconnecting the PowerShell session once/;
    expect(harness.logs.some((log) => warning.test(log.message))).toBe(true);
    expect(harness.pids()).toHaveLength(1);
  });

  test('a lost connection (Get-ConnectionInformation empty) is reconnected too', async () => {
    harness.faults([{ on: 'call', action: 'not-connected', times: 1 }]);
    const bridge = harness.bridge();
    expect((await bridge.invoke('Get-TransportConfig', {})).rows).toHaveLength(1);
    expect(harness.events().filter((e) => e.event === 'connect')).toHaveLength(2);
  });

  test('per-call timeout: a hung session is killed, the call fails as transient, and the retry runs in a new session', async () => {
    harness.faults([{ on: 'call', action: 'hang', times: 1 }]);
    const retries: string[] = [];
    const bridge = harness.bridge(
      {},
      { timeouts: { callMs: 700 }, retry: { initialBackoffMs: 5, onRetry: (event) => retries.push(event.reason) } },
    );
    const result = await bridge.invoke('Get-TransportConfig', {});
    expect(result.rows).toHaveLength(1);
    expect(retries).toEqual([
      expect.stringMatching(/did not finish Get-TransportConfig within 0\.7 s; the session was stopped/),
    ]);
    const [hung, replacement] = harness.pids();
    expect(replacement).toBeDefined();
    await eventually(() => !isRunning(hung!), 3000, 'the hung stand-in to be killed');
    expect(isRunning(replacement!)).toBe(true);
  });

  test('a session that crashes mid-call is replaced; the error says PowerShell exited', async () => {
    harness.faults([{ on: 'call', action: 'crash', exitCode: 3, times: 1 }]);
    const retries: string[] = [];
    const bridge = harness.bridge(
      {},
      { retry: { initialBackoffMs: 5, onRetry: (event) => retries.push(event.reason) } },
    );
    expect((await bridge.invoke('Get-TransportConfig', {})).rows).toHaveLength(1);
    expect(retries).toEqual([
      expect.stringMatching(/PowerShell exited while running Get-TransportConfig \(exit code 3\)/),
    ]);
    expect(harness.pids()).toHaveLength(2);
  });

  test('stderr output (e.g. micro-delay warnings) and warning-stream output surface as warnings', async () => {
    harness.faults([
      { on: 'call', action: 'stderr', text: 'WARNING: Micro delay applied. Actual delayed: 00:00:01.', times: 1 },
    ]);
    const bridge = harness.bridge();
    const result = await bridge.invoke('Set-TransportConfig', { SmtpClientAuthenticationDisabled: true });
    expect(result.warnings).toEqual([
      expect.stringMatching(/no settings .* have been modified/),
      'WARNING: Micro delay applied. Actual delayed: 00:00:01.',
    ]);
  });

  test('module noise on stdout is ignored; a session that prints no result is replaced and the call fails loudly', async () => {
    harness.faults([
      { on: 'call', action: 'noise', text: 'Some banner the module printed', times: 1 },
      { on: 'call', action: 'garbage', cmdlet: 'Get-CASMailbox', times: 1 },
    ]);
    const bridge = harness.bridge();
    expect((await bridge.invoke('Get-TransportConfig', {})).rows).toHaveLength(1);
    const error = await bridge.invoke('Get-CASMailbox', { Identity: 'sean@contoso.com' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceBugError);
    expect((error as Error).message).toMatch(
      /PowerShell gave no exoform result for Get-CASMailbox; it said: this is not an exoform result/,
    );
    expect((await bridge.invoke('Get-CASMailbox', { Identity: 'sean@contoso.com' })).rows).toHaveLength(1);
    expect(harness.pids()).toHaveLength(2);
  });

  test('cancellation mid-call kills the session promptly with CancelledError; the next call starts a new one', async () => {
    await harness.inspect.request('PUT', '/_emulator/latency', { callMs: 20_000 });
    const bridge = harness.bridge();
    const controller = new AbortController();
    const pending = bridge.invoke('Get-TransportConfig', {}, { signal: controller.signal });
    await eventually(() => harness.events().some((e) => e.event === 'call'), 10_000, 'the call to start');
    const started = Date.now();
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    expect(Date.now() - started).toBeLessThan(1000);
    const [first] = harness.pids();
    await eventually(() => !isRunning(first!), 3000, 'the cancelled session to be killed');
    await harness.inspect.request('PUT', '/_emulator/latency', { callMs: 0 });
    expect((await bridge.invoke('Get-TransportConfig', {})).rows).toHaveLength(1);
  });

  test('a bounded number of sessions: concurrent calls share at most maxSessions processes', async () => {
    await harness.inspect.request('PUT', '/_emulator/latency', { callMs: 150 });
    const bridge = harness.bridge({}, { maxSessions: 2 });
    const results = await Promise.all(Array.from({ length: 6 }, () => bridge.invoke('Get-TransportConfig', {})));
    expect(results.every((result) => result.rows.length === 1)).toBe(true);
    expect(harness.pids()).toHaveLength(2);
    expect(bridge.sessionCount).toBe(2);
  });

  test('PowerShell not found: ConfigurationError naming powershell_path', async () => {
    const bridge = harness.bridge({ powershellPath: '/nonexistent/pwsh' });
    const error = await bridge.invoke('Get-TransportConfig', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).attributes).toEqual(['powershell_path']);
    expect((error as Error).message).toMatch(/Could not start PowerShell "\/nonexistent\/pwsh": it was not found/);
  });

  test('module missing or too old (Import-Module fails): ConfigurationError with the Install-Module command', async () => {
    harness.faults([
      {
        on: 'connect',
        action: 'error',
        stage: 'import',
        type: 'System.IO.FileNotFoundException',
        text: "The specified module 'ExchangeOnlineManagement' was not loaded because no valid module file was found in any module directory.",
      },
    ]);
    const bridge = harness.bridge();
    const error = await bridge.invoke('Get-TransportConfig', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).attributes).toEqual(['powershell_path']);
    expect((error as ConfigurationError).remedy).toMatch(
      /Install-Module ExchangeOnlineManagement -MinimumVersion 3\.1\.0/,
    );
  });

  test('Connect-ExchangeOnline refusing the app: AuthenticationError with the certificate remedy, not retried', async () => {
    harness.faults([
      {
        on: 'connect',
        action: 'error',
        type: 'Microsoft.Identity.Client.MsalServiceException',
        text: 'AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application.',
      },
    ]);
    const pfx = writeTemp('app.pfx', makeCertificate().pfx('pw'));
    const bridge = harness.bridge(
      { clientId: '00000000-aaaa-4bbb-8ccc-111111111111', certificatePath: pfx, certificatePassword: 'pw' },
      { checkCertificateNow: true },
    );
    const error = await bridge.invoke('Get-TransportConfig', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(
      /Connect-ExchangeOnline could not sign in to contoso\.onmicrosoft\.com: AADSTS700027/,
    );
    expect((error as AuthenticationError).remedy).toMatch(/certificate_path/);
    expect(harness.events().filter((e) => e.event === 'connect')).toHaveLength(1);
  });

  test('an unreachable endpoint: UnreachableError, not retried', async () => {
    const bridge = harness.bridge({ endpoint: 'http://127.0.0.1:9' });
    const error = await bridge.invoke('Get-TransportConfig', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as Error).message).toMatch(/127\.0\.0\.1:9/);
    expect(harness.events().filter((e) => e.event === 'call')).toHaveLength(1);
  });

  test('certificate sign-in: the password reaches pwsh only through its environment, never a script or a log', async () => {
    const password = 'pfx-pass "quoted" $(x) `y`';
    const pfx = writeTemp('app.pfx', makeCertificate().pfx(password));
    const bridge = harness.bridge(
      { clientId: '00000000-aaaa-4bbb-8ccc-111111111111', certificatePath: pfx, certificatePassword: password },
      { checkCertificateNow: true },
      { EXOFORM_STAND_IN_TOKEN: harness.emulator.token },
    );
    expect((await bridge.invoke('Get-TransportConfig', {})).rows).toHaveLength(1);
    const connect = harness.events().find((e) => e.event === 'connect')!;
    expect(connect.payload).toEqual({
      Organization: ORG,
      AppId: '00000000-aaaa-4bbb-8ccc-111111111111',
      CertificateFilePath: pfx,
      CertificatePasswordFromEnvironment: true,
      ConnectionUri: `${harness.emulator.url}/powershell-liveid/`,
    });
    expect(JSON.stringify(harness.events()) + JSON.stringify(harness.logs)).not.toContain(password);
  });

  test('delegated sign-in runs pwsh without -NonInteractive and passes -UserPrincipalName', async () => {
    const bridge = harness.bridge(
      { userPrincipalName: 'admin@contoso.onmicrosoft.com' },
      {},
      { EXOFORM_STAND_IN_TOKEN: harness.emulator.token },
    );
    expect((await bridge.invoke('Get-TransportConfig', {})).rows).toHaveLength(1);
    const events = harness.events();
    expect(events[0]!.args).toEqual(['-NoLogo', '-NoProfile', '-NoExit', '-Command', '-']);
    expect(events.find((e) => e.event === 'connect')!.payload).toEqual({
      UserPrincipalName: 'admin@contoso.onmicrosoft.com',
      ConnectionUri: `${harness.emulator.url}/powershell-liveid/`,
    });
  });

  test('managed identity (user-assigned) passes -ManagedIdentity -ManagedIdentityAccountId', async () => {
    const bridge = harness.bridge(
      { managedIdentity: true, clientId: '11111111-aaaa-4bbb-8ccc-111111111111' },
      {},
      { EXOFORM_STAND_IN_TOKEN: harness.emulator.token },
    );
    expect((await bridge.invoke('Get-TransportConfig', {})).rows).toHaveLength(1);
    expect(harness.events().find((e) => e.event === 'connect')!.payload).toEqual({
      Organization: ORG,
      ManagedIdentity: true,
      ManagedIdentityAccountId: '11111111-aaaa-4bbb-8ccc-111111111111',
      ConnectionUri: `${harness.emulator.url}/powershell-liveid/`,
    });
  });

  test('$NODE_POWERSHELL cannot redirect the bridge to another executable', async () => {
    const previous = process.env.NODE_POWERSHELL;
    process.env.NODE_POWERSHELL = '/nonexistent/other-pwsh';
    try {
      const bridge = harness.bridge();
      expect((await bridge.invoke('Get-TransportConfig', {})).rows).toHaveLength(1);
    } finally {
      if (previous === undefined) delete process.env.NODE_POWERSHELL;
      else process.env.NODE_POWERSHELL = previous;
    }
  });

  test('parameter names differing only in case, and unpaired surrogates, are refused before anything runs', async () => {
    const bridge = harness.bridge();
    await expect(bridge.invoke('Get-CASMailbox', { Identity: 'a', identity: 'b' })).rejects.toThrow(
      /specified more than once/,
    );
    await expect(bridge.invoke('Get-CASMailbox', { Identity: 'broken \uD83D emoji' })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(bridge.invoke('Remove-Item; x', {})).rejects.toBeInstanceOf(InvalidInputError);
    expect(harness.pids()).toEqual([]);
  });
});

describe('the pwsh stand-in itself rejects what the bridge does not emit', () => {
  /** Talks to the stand-in directly, the way node-powershell does, and returns what it printed. */
  async function runStandIn(
    lines: string[],
    args = ['-NoLogo', '-NoProfile', '-NonInteractive', '-NoExit', '-Command', '-'],
  ): Promise<{ stdout: string; stderr: string; code: number | null }> {
    const child = spawn(STAND_IN, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdin.end(lines.map((line) => `${line}\n`).join(''));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    return { stdout, stderr, code };
  }

  test('echoes node-powershell delimiters and accepts the exact bootstrap', async () => {
    const result = await runStandIn([
      '[Console]::Out.WriteLine("AbCdEfGh12345678")',
      '[Console]::Error.WriteLine("AbCdEfGh12345678")',
      bootstrapScript(),
    ]);
    expect(result.stdout.split('\n')[0]).toBe('AbCdEfGh12345678');
    expect(result.stderr).toBe('AbCdEfGh12345678\n');
    expect(result.stdout).toMatch(/^EXOFORM-RESULT:/m);
    expect(result.code).toBe(0);
  });

  test.each([
    ['a node-powershell template command', 'Get-CASMailbox -Identity "a$(Remove-Mailbox x)@contoso.com"'],
    ['a call spliced without the payload', "Invoke-ExoformCall 'x'; Remove-Mailbox x"],
    ['a changed bootstrap', bootstrapScript().replace(/'([A-Za-z0-9+/]{8})/, "'AAAAAAAA")],
    ['a multi-line script', 'Invoke-ExoformCall `'],
    [
      'a payload with an extra key',
      `Invoke-ExoformCall '${Buffer.from(JSON.stringify({ Cmdlet: 'Get-User', Parameters: {}, Script: 'x' })).toString('base64')}'`,
    ],
    [
      'a cmdlet name that is not Verb-Noun',
      `Invoke-ExoformCall '${Buffer.from(JSON.stringify({ Cmdlet: 'iex', Parameters: {} })).toString('base64')}'`,
    ],
    ['non-canonical base64', "Invoke-ExoformCall 'e30'"],
  ])('rejects %s', async (_name, line) => {
    const result = await runStandIn([bootstrapScript(), line]);
    expect(result.stderr).toMatch(/rejected a script/);
    expect(result.stdout.match(/EXOFORM-RESULT:/g)).toHaveLength(1); // the bootstrap's only
  });

  test('rejects calls before the bootstrap, as pwsh would not know the function', async () => {
    const result = await runStandIn([callScript('Get-TransportConfig', {})]);
    expect(result.stderr).toMatch(/not defined before the bootstrap/);
  });

  test('rejects a secret in script text', async () => {
    const child = spawn(STAND_IN, ['-NoLogo', '-NoProfile', '-NonInteractive', '-NoExit', '-Command', '-'], {
      env: { ...process.env, EXOFORM_ACCESS_TOKEN: 'secret-token-1234' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdin.end(`${bootstrapScript()}\nWrite-Host secret-token-1234\n`);
    await new Promise((resolve) => child.on('close', resolve));
    expect(stderr).toMatch(/a secret appears in the script text/);
    expect(stderr).not.toContain('secret-token-1234');
  });

  test('refuses arguments node-powershell would not pass', async () => {
    const result = await runStandIn([], ['-Command', 'Get-Date']);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/unexpected arguments/);
  });
});
