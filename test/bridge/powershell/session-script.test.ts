/**
 * Golden tests of the exact scripts the PowerShell bridge emits, and proof that no value ever appears outside the
 * base64 payload: every script is one of five fixed shapes whose only variable part is [A-Za-z0-9+/=] inside single
 * quotes, which nothing can end.
 *
 * The golden files are the reviewable record of what pwsh receives. After an intended change, regenerate them with
 * UPDATE_GOLDEN=1 npx jest test/bridge/powershell/session-script.test.ts, and update the hash pinned in
 * test/support/pwsh-stand-in/pwsh-stand-in.js (the test below prints it).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CmdletParameters } from '../../../src/bridge/bridge';
import {
  bootstrapScript,
  callScript,
  connectScript,
  DISCONNECT_SCRIPT,
  encodePayload,
  EXIT_SCRIPT,
  readScriptOutput,
  RESULT_MARKER,
  SECRET_ENVIRONMENT,
  SESSION_FUNCTIONS,
} from '../../../src/bridge/powershell/session-script';
import { resolvePowerShellConnection } from '../../../src/bridge/powershell/connection';
import { ServiceBugError } from '../../../src/bridge/errors';

const GOLDEN = join(__dirname, 'golden');

function golden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(path, actual);
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

/** The single-quoted base64 literal of a connect/call script, decoded. */
function payloadOf(script: string): unknown {
  const match = /^(?:Invoke-ExoformCall|Connect-ExoformSession) '([A-Za-z0-9+/]*={0,2})'$/.exec(script);
  if (!match) throw new Error(`not a payload script: ${script.slice(0, 100)}`);
  return JSON.parse(Buffer.from(match[1]!, 'base64').toString('utf8'));
}

const HOSTILE: Record<string, string> = {
  "subexpression (the issue's example)": 'a$(Remove-Mailbox x)@contoso.com',
  'single quote': "o'brien@contoso.com",
  'doubled single quotes': "x''); Remove-Mailbox -Identity y; ('@contoso.com",
  'double quotes': 'say "hi"@contoso.com',
  backticks: 'a`whoami`@contoso.com',
  'backtick escape of the closing quote': "abc`'; Remove-Mailbox x; '",
  variable: '$env:EXOFORM_ACCESS_TOKEN',
  'braced variable': '${function:Remove-Mailbox}',
  newline: 'sean@contoso.com\nRemove-Mailbox chris',
  'carriage return and line separator': 'a\rb\u2028c\u2029d@contoso.com',
  semicolon: 'sean@contoso.com; Remove-Mailbox -Identity chris@contoso.com',
  'pipe and ampersand': 'a | Remove-Mailbox & b && c || d',
  'comment and block comment': '# x <# y #> z',
  'here-string opener': "@'\nx\n'@",
  'splat and hashtable': '@{a=1}; @args',
  'smart single quotes (PowerShell treats them as quotes)': '\u2018; Remove-Mailbox x; \u2019',
  'smart double quotes': '\u201c$(Remove-Mailbox x)\u201d',
  'en dash parameter': '\u2013Confirm:$false',
  'NUL and controls': 'a\u0000b\u0007c\u001bd',
  unicode: 'zoë.ñandú-数据-🙂@contoso.com',
  'right-to-left override': 'user\u202Egnp.exe@contoso.com',
  'JSON lookalike': '{"Cmdlet":"Remove-Mailbox","Parameters":{}}',
  'very long (100 KB)': `${'$(x)'.repeat(25_000)}@contoso.com`,
};

describe('the scripts the PowerShell bridge emits', () => {
  test('the session functions are the golden file, and the stand-in pins their hash', () => {
    golden('session-functions.ps1', SESSION_FUNCTIONS);
    const hash = createHash('sha256').update(SESSION_FUNCTIONS, 'utf8').digest('hex');
    const standIn = readFileSync(join(__dirname, '../../support/pwsh-stand-in/pwsh-stand-in.js'), 'utf8');
    expect({ pinnedInStandIn: standIn.includes(`SESSION_FUNCTIONS_SHA256 = '${hash}'`), hash }).toEqual({
      pinnedInStandIn: true,
      hash,
    });
  });

  test('bootstrap: one line, the session functions base64-encoded and dot-sourced', () => {
    const script = bootstrapScript();
    golden('bootstrap.txt', script);
    expect(script).toMatch(
      /^\. \(\[scriptblock\]::Create\(\[System\.Text\.Encoding\]::UTF8\.GetString\(\[System\.Convert\]::FromBase64String\('[A-Za-z0-9+/]+={0,2}'\)\)\)\)$/,
    );
    const encoded = /'([^']+)'/.exec(script)![1]!;
    expect(Buffer.from(encoded, 'base64').toString('utf8')).toBe(SESSION_FUNCTIONS);
  });

  test('the session functions decode with System.Text.Json (not ConvertFrom-Json), splat, and never build script text from data', () => {
    const code = SESSION_FUNCTIONS.split('\n')
      .filter((line) => !line.trim().startsWith('#'))
      .join('\n');
    expect(code).toContain('[System.Text.Json.JsonDocument]::Parse(');
    expect(code).not.toMatch(/ConvertFrom-Json/);
    expect(code).not.toMatch(
      /Invoke-Expression|\biex\b|\[scriptblock\]::Create|AddScript|NewScriptBlock|ExpandString/i,
    );
    expect(SESSION_FUNCTIONS).toContain('& $command @parameters 3>&1');
    // No backtick anywhere: it is PowerShell's escape character and the source is a JS template literal.
    expect(SESSION_FUNCTIONS).not.toContain('`');
  });

  // No pwsh here: this pins the guard's rule in the script text. What it does on a real module is listed as unverified
  // in docs/powershell-bridge.md.
  test('the module guard accepts a command by where it is loaded from (the module directory), not by one guessed module name', () => {
    const guard = /function global:Test-ExoformModuleCommand \{[\s\S]*?\n\}\n/.exec(SESSION_FUNCTIONS)?.[0] ?? '';
    expect(guard).not.toBe('');
    // The proxy functions and the module itself, by name, as before.
    expect(guard).toContain(
      "$Command.ModuleName -like 'tmpEXO_*' -or $Command.ModuleName -eq 'ExchangeOnlineManagement'",
    );
    // Anything else only if its DLL (a cmdlet's assembly, e.g. the REST client's Get-EXO* cmdlets) or its module base is
    // under the ExchangeOnlineManagement module's directory; a path prefix with a trailing separator, so a sibling
    // directory named ExchangeOnlineManagementEvil does not pass.
    expect(guard).toContain('Get-Module -Name ExchangeOnlineManagement');
    expect(guard).toContain('$module.ModuleBase');
    expect(guard).toContain('$Command.DLL');
    expect(guard).toContain('$Command.Module.ModuleBase');
    expect(guard).toMatch(
      /GetFullPath\(\$module\.ModuleBase\)\.TrimEnd\(\$separators\) \+ \[System\.IO\.Path\]::DirectorySeparatorChar/,
    );
    expect(guard).toMatch(/GetFullPath\(\$path\)\.StartsWith\(\$root, \$comparison\)/);
    expect(guard).toContain('return $false\n}');
    // And Invoke-ExoformCall refuses what the guard does not accept, before any parameter is bound.
    const call = SESSION_FUNCTIONS.slice(SESSION_FUNCTIONS.indexOf('function global:Invoke-ExoformCall'));
    expect(call.indexOf('if (-not (Test-ExoformModuleCommand $command))')).toBeGreaterThan(-1);
    expect(call.indexOf('if (-not (Test-ExoformModuleCommand $command))')).toBeLessThan(
      call.indexOf('& $command @parameters'),
    );
  });

  test('disconnect and exit are constant', () => {
    expect(DISCONNECT_SCRIPT).toBe('Disconnect-ExoformSession');
    expect(EXIT_SCRIPT).toBe('exit');
  });

  test('connect scripts carry no secret: the payload only says which environment variable holds it', () => {
    const token = 'eyJ0eXAi.secret-token-value.sig';
    const password = 'pfx-pass "quoted" $(x)';
    const byToken = resolvePowerShellConnection({
      organization: 'contoso.onmicrosoft.com',
      accessToken: token,
      endpoint: 'http://127.0.0.1:5580',
    });
    const script = connectScript(byToken.connectPayload);
    golden('connect-access-token.txt', script);
    expect(payloadOf(script)).toEqual({
      Organization: 'contoso.onmicrosoft.com',
      AccessTokenFromEnvironment: true,
      ConnectionUri: 'http://127.0.0.1:5580/powershell-liveid/',
    });
    expect(script).not.toContain(token);
    expect(Buffer.from(/'(.*)'/.exec(script)![1]!, 'base64').toString('utf8')).not.toContain(token);
    expect(byToken.secretEnvironment).toEqual({ [SECRET_ENVIRONMENT.accessToken]: token });

    const byCertificate = resolvePowerShellConnection({
      organization: 'contoso.onmicrosoft.com',
      clientId: '00000000-aaaa-4bbb-8ccc-111111111111',
      certificatePath: '/secure/app.pfx',
      certificatePassword: password,
    });
    const certificateScript = connectScript(byCertificate.connectPayload);
    golden('connect-certificate.txt', certificateScript);
    expect(payloadOf(certificateScript)).toEqual({
      Organization: 'contoso.onmicrosoft.com',
      AppId: '00000000-aaaa-4bbb-8ccc-111111111111',
      CertificateFilePath: '/secure/app.pfx',
      CertificatePasswordFromEnvironment: true,
    });
    expect(Buffer.from(/'(.*)'/.exec(certificateScript)![1]!, 'base64').toString('utf8')).not.toContain(password);
    expect(byCertificate.secretEnvironment).toEqual({ [SECRET_ENVIRONMENT.certificatePassword]: password });
  });

  test('golden: a cmdlet call with the hostile identity from the issue', () => {
    const script = callScript('Set-CASMailbox', {
      Identity: 'a$(Remove-Mailbox x)@contoso.com',
      SmtpClientAuthenticationDisabled: null,
    });
    golden('call-hostile-identity.txt', script);
    expect(script).toBe(
      `Invoke-ExoformCall '${Buffer.from('{"Cmdlet":"Set-CASMailbox","Parameters":{"Identity":"a$(Remove-Mailbox x)@contoso.com","SmtpClientAuthenticationDisabled":null}}').toString('base64')}'`,
    );
  });

  test('golden: calls with switches, arrays, numbers and nested values', () => {
    const script = callScript('Get-EXOCasMailbox', {
      ResultSize: 'Unlimited',
      Properties: ['SmtpClientAuthenticationDisabled', 'PrimarySmtpAddress'],
    });
    golden('call-list.txt', script);
    const setUser = callScript('Set-User', {
      Identity: 'chris@contoso.com',
      AuthenticationPolicy: null,
      STSRefreshTokensValidFrom: '2026-01-15T12:00:00.000Z',
    });
    golden('call-set-user.txt', setUser);
    expect(payloadOf(setUser)).toEqual({
      Cmdlet: 'Set-User',
      Parameters: {
        Identity: 'chris@contoso.com',
        AuthenticationPolicy: null,
        STSRefreshTokensValidFrom: '2026-01-15T12:00:00.000Z',
      },
    });
  });

  describe.each(Object.entries(HOSTILE))('hostile value: %s', (_name, value) => {
    const cases: Array<[string, CmdletParameters]> = [
      ['as a value', { Identity: value, SmtpClientAuthenticationDisabled: false }],
      ['nested in an array', { Properties: [value, 'x'] }],
      ['nested in an object', { Add: { EmailAddresses: value } }],
    ];
    test.each(cases)(
      '%s: the script is the fixed shape and the value comes back byte-exact from the payload',
      (_where, parameters) => {
        const script = callScript('Set-CASMailbox', parameters);
        expect(script).toMatch(/^Invoke-ExoformCall '[A-Za-z0-9+/]*={0,2}'$/);
        expect(script.split('\n')).toHaveLength(1);
        expect(payloadOf(script)).toEqual({ Cmdlet: 'Set-CASMailbox', Parameters: parameters });
        // The value (it always has a character outside the base64 alphabet) never appears in the script text.
        expect(script.includes(value)).toBe(false);
        expect(script.slice("Invoke-ExoformCall '".length, -1)).toBe(
          encodePayload({ Cmdlet: 'Set-CASMailbox', Parameters: parameters }),
        );
      },
    );
  });

  test('random strings of arbitrary code points never leave the payload (2,000 cases)', () => {
    let seed = 12345;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = [
      '$',
      '(',
      ')',
      '`',
      "'",
      '"',
      ';',
      '\n',
      '\r',
      '{',
      '}',
      '@',
      '|',
      '&',
      '#',
      '<',
      '>',
      '\u2018',
      '\u2019',
      '\u201c',
      '\u201d',
      '\u2013',
      '\u0000',
      'é',
      '数',
      '🙂',
      'a',
      'Z',
      '0',
      ' ',
    ];
    for (let i = 0; i < 2000; i++) {
      const length = 1 + Math.floor(random() * 40);
      let value = '';
      for (let j = 0; j < length; j++) value += alphabet[Math.floor(random() * alphabet.length)];
      const script = callScript('Get-CASMailbox', { Identity: value });
      if (!/^Invoke-ExoformCall '[A-Za-z0-9+/]*={0,2}'$/.test(script))
        throw new Error(`shape broken by ${JSON.stringify(value)}`);
      const decoded = payloadOf(script) as { Parameters: { Identity: string } };
      if (decoded.Parameters.Identity !== value) throw new Error(`value changed: ${JSON.stringify(value)}`);
    }
  });
});

describe('reading what a session printed', () => {
  const line = (result: unknown): string =>
    RESULT_MARKER + Buffer.from(JSON.stringify(result), 'utf8').toString('base64');

  test('finds the result line among banners and host output, and decodes unicode exactly', () => {
    const output = readScriptOutput(
      [
        'WARNING: banner text',
        line({ ok: true, rows: [{ Name: 'zoë 数据 🙂', Value: null, List: ['a'] }], warnings: ['w1'] }),
        'trailing noise',
      ].join('\n'),
      'Get-Thing',
    );
    expect(output.result).toEqual({
      ok: true,
      rows: [{ Name: 'zoë 数据 🙂', Value: null, List: ['a'] }],
      warnings: ['w1'],
    });
    expect(output.otherLines).toEqual(['WARNING: banner text', 'trailing noise']);
  });

  test('a single row that is not in an array is one row', () => {
    expect(readScriptOutput(line({ ok: true, rows: { A: 1 }, warnings: 'one warning' }), 'x').result).toEqual({
      ok: true,
      rows: [{ A: 1 }],
      warnings: ['one warning'],
    });
  });

  test('errors keep every field the mapping uses', () => {
    const result = readScriptOutput(
      line({
        ok: false,
        warnings: [],
        error: {
          stage: 'invoke',
          type: 'T',
          message: 'm',
          reason: 'R',
          errorId: 'E',
          status: 404,
          retryAfterSeconds: null,
          inner: ['I'],
        },
      }),
      'x',
    ).result;
    expect(result).toEqual({
      ok: false,
      warnings: [],
      error: {
        stage: 'invoke',
        type: 'T',
        message: 'm',
        reason: 'R',
        category: undefined,
        errorId: 'E',
        details: undefined,
        inner: ['I'],
        status: 404,
        retryAfterSeconds: undefined,
      },
    });
  });

  test('no result line: undefined; a malformed one: ServiceBugError', () => {
    expect(readScriptOutput('just text\n', 'x').result).toBeUndefined();
    expect(() => readScriptOutput(`${RESULT_MARKER}not*base64`, 'x')).toThrow(ServiceBugError);
    expect(() => readScriptOutput(`${RESULT_MARKER}${Buffer.from('[1]').toString('base64')}`, 'x')).toThrow(
      ServiceBugError,
    );
    expect(() =>
      readScriptOutput(`${RESULT_MARKER}${Buffer.from('{"ok":true,"rows":[1]}').toString('base64')}`, 'x'),
    ).toThrow(/row is not an object/);
  });
});
