#!/usr/bin/env node
/**
 * TEST DOUBLE. NOT POWERSHELL.
 *
 * A stand-in for `pwsh` that lets the PowerShell bridge's process plumbing (node-powershell, delimiters, sessions,
 * timeouts, restarts, shutdown) run on machines where PowerShell cannot be installed. It accepts exactly the five
 * script shapes src/bridge/powershell/session-script.ts emits and rejects everything else, so a change in what
 * the bridge sends fails the tests instead of being hidden by a lenient double:
 *
 *   1. . ([scriptblock]::Create([System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String('<b64>'))))
 *        where the decoded text must have exactly the SHA-256 pinned below (the session functions);
 *   2. Connect-ExoformSession '<b64 JSON>'      (strictly validated keys; no secret may be in it)
 *   3. Invoke-ExoformCall '<b64 JSON>'          ({"Cmdlet": Verb-Noun, "Parameters": {...}} and nothing else)
 *   4. Disconnect-ExoformSession
 *   5. exit
 * plus node-powershell's own delimiter lines: [Console]::Out.WriteLine("<16 alphanumerics>") and the same for Error.
 *
 * It does what the session functions would do, in JavaScript: Invoke-ExoformCall is forwarded to the exoform
 * emulator's REST endpoint (InvokeCommand, following @odata.nextLink like the module pages), and the answer is printed
 * as the session functions print it: one `EXOFORM-RESULT:<base64 JSON>` line. The PowerShell code of the session
 * functions is never executed here; only its hash is checked. See README.md in this directory.
 *
 * Arguments must be exactly what node-powershell passes: -NoLogo -NoProfile [-NonInteractive] -NoExit -Command -
 *
 * Test hooks (environment variables of the stand-in process):
 *   EXOFORM_STAND_IN_LOG     file to append one JSON line per event to (start, each accepted or rejected script)
 *   EXOFORM_STAND_IN_FAULTS  JSON file with fault rules, consumed as they fire (see README.md)
 *   EXOFORM_STAND_IN_TOKEN   bearer token to use when the sign-in is not an access token (certificate, managed
 *                            identity, delegated): the stand-in cannot sign in to Entra ID, the module would.
 */
'use strict';

const { createHash } = require('node:crypto');
const { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } = require('node:fs');

/** SHA-256 of SESSION_FUNCTIONS (test/bridge/powershell/golden/session-functions.ps1). Update both on purpose. */
const SESSION_FUNCTIONS_SHA256 = 'b765a8bd5f66d37fae940a3cb4a3acdb0fcedfeebe5709e870a8f2f08b19a242';
const PROTOCOL = 1;
const RESULT_MARKER = 'EXOFORM-RESULT:';
const BASE64 = '[A-Za-z0-9+/]*={0,2}';

const SHAPES = {
  outDelimiter: /^\[Console\]::Out\.WriteLine\("([0-9A-Za-z]{16})"\)$/,
  errorDelimiter: /^\[Console\]::Error\.WriteLine\("([0-9A-Za-z]{16})"\)$/,
  bootstrap: new RegExp(
    `^\\. \\(\\[scriptblock\\]::Create\\(\\[System\\.Text\\.Encoding\\]::UTF8\\.GetString\\(\\[System\\.Convert\\]::FromBase64String\\('(${BASE64})'\\)\\)\\)\\)$`,
  ),
  connect: new RegExp(`^Connect-ExoformSession '(${BASE64})'$`),
  call: new RegExp(`^Invoke-ExoformCall '(${BASE64})'$`),
  disconnect: /^Disconnect-ExoformSession$/,
  exit: /^exit$/,
};

const EXPECTED_ARGUMENTS = [
  ['-NoLogo', '-NoProfile', '-NonInteractive', '-NoExit', '-Command', '-'],
  ['-NoLogo', '-NoProfile', '-NoExit', '-Command', '-'],
];

const CONNECT_KEYS = {
  Organization: 'string',
  AppId: 'string',
  CertificateFilePath: 'string',
  CertificatePasswordFromEnvironment: true,
  AccessTokenFromEnvironment: true,
  ManagedIdentity: true,
  ManagedIdentityAccountId: 'string',
  UserPrincipalName: 'string',
  ConnectionUri: 'string',
  AzureADAuthorizationEndpointUri: 'string',
  ExchangeEnvironmentName: 'string',
};

const state = {
  bootstrapped: false,
  connected: false,
  hung: false,
  /** Secrets as the session functions would hold them after reading (and removing) their environment variables. */
  accessToken: undefined,
  certificatePassword: undefined,
  connection: undefined,
};
/** Every secret the bridge handed over, to check no script line ever contains one. */
const secretValues = [process.env.EXOFORM_ACCESS_TOKEN, process.env.EXOFORM_CERTIFICATE_PASSWORD].filter(
  (value) => value && value.length >= 4,
);

function log(event) {
  const file = process.env.EXOFORM_STAND_IN_LOG;
  if (file) appendFileSync(file, JSON.stringify({ pid: process.pid, time: Date.now(), ...event }) + '\n');
}

function writeResult(result) {
  process.stdout.write(RESULT_MARKER + Buffer.from(JSON.stringify(result), 'utf8').toString('base64') + '\n');
}

/** What pwsh prints when it cannot run a line: an error on stderr, and it carries on with the next line. */
function reject(line, why) {
  log({ event: 'rejected', why, script: line.slice(0, 200) });
  process.stderr.write(
    `exoform pwsh stand-in (test double) rejected a script: ${why}: ${JSON.stringify(line.slice(0, 120))}\n`,
  );
}

/** Decodes a payload; only canonical base64 of UTF-8 JSON is accepted. */
function decodePayload(encoded) {
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.toString('base64') !== encoded) throw new Error('the payload is not canonical base64');
  return JSON.parse(bytes.toString('utf8'));
}

function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---- fault rules -------------------------------------------------------------------------------------------------

/** Finds the first live rule for this step, consumes one firing, and returns it. */
function takeFault(on, cmdlet) {
  const file = process.env.EXOFORM_STAND_IN_FAULTS;
  if (!file || !existsSync(file)) return undefined;
  const rules = JSON.parse(readFileSync(file, 'utf8'));
  const index = rules.findIndex(
    (rule) =>
      rule.on === on &&
      (rule.times ?? 1) > 0 &&
      (!rule.cmdlet || rule.cmdlet.toLowerCase() === String(cmdlet).toLowerCase()),
  );
  if (index < 0) return undefined;
  const rule = rules[index];
  rules[index] = { ...rule, times: (rule.times ?? 1) - 1 };
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(rules));
  renameSync(temporary, file);
  log({ event: 'fault', on, action: rule.action, cmdlet });
  return rule;
}

/** Applies a fault's action. Returns true when the step must not produce its normal answer. */
function applyFault(rule, step) {
  if (!rule) return false;
  switch (rule.action) {
    case 'hang':
      state.hung = true; // ignores every further line, delimiters included: a hung session
      return true;
    case 'crash':
      process.exit(rule.exitCode ?? 1);
      return true;
    case 'stderr':
      process.stderr.write(`${rule.text ?? 'WARNING: Micro delay applied.'}\n`);
      return false;
    case 'noise':
      process.stdout.write(`${rule.text ?? 'Some text a module printed'}\n`);
      return false;
    case 'garbage':
      process.stdout.write('this is not an exoform result\n');
      return true;
    case 'not-connected':
      writeResult({
        ok: false,
        error: {
          stage: 'session',
          type: 'ExoformNotConnected',
          message: 'The Exchange Online session is not connected.',
        },
        warnings: [],
      });
      return true;
    case 'expire':
      writeResult({
        ok: false,
        warnings: [],
        error: httpError(step, 401, 'Unauthorized', 'The access token has expired.', undefined),
      });
      return true;
    case 'error':
      writeResult({
        ok: false,
        warnings: [],
        error: {
          stage: rule.stage ?? step,
          type: rule.type ?? 'System.Exception',
          message: rule.text ?? 'Injected failure',
          reason: '',
          category: 'NotSpecified',
          errorId: '',
          details: '',
          inner: [],
          status: rule.status ?? null,
          retryAfterSeconds: null,
        },
      });
      return true;
    default:
      throw new Error(`unknown fault action ${rule.action}`);
  }
}

// ---- the five shapes ---------------------------------------------------------------------------------------------

function bootstrap(encoded, line) {
  const source = Buffer.from(encoded, 'base64');
  const hash = createHash('sha256').update(source).digest('hex');
  if (source.toString('base64') !== encoded || hash !== SESSION_FUNCTIONS_SHA256) {
    return reject(
      line,
      `the session functions are not the pinned version (SHA-256 ${hash}, expected ${SESSION_FUNCTIONS_SHA256})`,
    );
  }
  log({ event: 'bootstrap' });
  if (applyFault(takeFault('bootstrap'), 'bootstrap')) return;
  state.bootstrapped = true;
  writeResult({ ok: true, rows: [{ PSVersion: '7.4.6-exoform-stand-in', Protocol: PROTOCOL }], warnings: [] });
}

function validateConnectPayload(payload) {
  if (!isPlainObject(payload)) throw new Error('the connect payload is not an object');
  for (const [key, value] of Object.entries(payload)) {
    const expected = CONNECT_KEYS[key];
    if (expected === undefined) throw new Error(`unexpected connect parameter ${key}`);
    if (expected === true ? value !== true : typeof value !== 'string' || value === '')
      throw new Error(`bad value for ${key}`);
  }
  const modes = ['AccessTokenFromEnvironment', 'CertificateFilePath', 'ManagedIdentity', 'UserPrincipalName'].filter(
    (key) => key in payload,
  );
  if (modes.length !== 1) throw new Error(`expected exactly one sign-in method, got ${modes.join(', ') || 'none'}`);
  if ('CertificateFilePath' in payload && !('AppId' in payload)) throw new Error('CertificateFilePath without AppId');
  if ('CertificatePasswordFromEnvironment' in payload && !('CertificateFilePath' in payload))
    throw new Error('a certificate password without a certificate');
  if (!('UserPrincipalName' in payload) && !('Organization' in payload))
    throw new Error('app-only sign-in without Organization');
  if ('ConnectionUri' in payload && 'ExchangeEnvironmentName' in payload)
    throw new Error('both ConnectionUri and ExchangeEnvironmentName');
  if ('AzureADAuthorizationEndpointUri' in payload && !('ConnectionUri' in payload)) {
    throw new Error('AzureADAuthorizationEndpointUri without ConnectionUri');
  }
}

async function connect(encoded, line) {
  if (!state.bootstrapped) return reject(line, 'Connect-ExoformSession is not defined before the bootstrap');
  let payload;
  try {
    payload = decodePayload(encoded);
    validateConnectPayload(payload);
  } catch (error) {
    return reject(line, error.message);
  }
  log({ event: 'connect', payload, interactive: !process.argv.includes('-NonInteractive') });
  if (applyFault(takeFault('connect'), 'connect')) return;
  // What the session functions do with the secrets: read the variable once, remove it, keep the value in memory.
  if (payload.AccessTokenFromEnvironment && state.accessToken === undefined) {
    state.accessToken = process.env.EXOFORM_ACCESS_TOKEN ?? '';
    delete process.env.EXOFORM_ACCESS_TOKEN;
  }
  if (payload.CertificatePasswordFromEnvironment && state.certificatePassword === undefined) {
    state.certificatePassword = process.env.EXOFORM_CERTIFICATE_PASSWORD ?? '';
    delete process.env.EXOFORM_CERTIFICATE_PASSWORD;
  }
  const fail = (message) => {
    state.connected = false;
    writeResult({
      ok: false,
      warnings: [],
      error: {
        stage: 'connect',
        type: 'System.Exception',
        message,
        reason: '',
        category: 'NotSpecified',
        errorId: '',
        details: '',
        inner: [],
        status: null,
        retryAfterSeconds: null,
      },
    });
  };
  if (!payload.ConnectionUri)
    return fail('The pwsh stand-in (test double) only talks to an exoform emulator: set the provider `endpoint`.');
  const endpoint = payload.ConnectionUri.replace(/\/powershell-liveid\/?$/, '');
  let token;
  if (payload.AccessTokenFromEnvironment) {
    token = state.accessToken;
    if (!token) return fail('Connect-ExchangeOnline: -AccessToken is empty.');
  } else {
    if (payload.CertificateFilePath && !existsSync(payload.CertificateFilePath))
      return fail(`The certificate file '${payload.CertificateFilePath}' was not found.`);
    token = process.env.EXOFORM_STAND_IN_TOKEN;
    if (!token)
      return fail('The pwsh stand-in (test double) cannot sign in to Entra ID; give it EXOFORM_STAND_IN_TOKEN.');
  }
  const organization =
    payload.Organization ?? payload.UserPrincipalName.slice(payload.UserPrincipalName.indexOf('@') + 1);
  state.connection = { endpoint, token, organization };
  state.connected = true;
  writeResult({ ok: true, rows: [], warnings: [] });
}

async function call(encoded, line) {
  if (!state.bootstrapped) return reject(line, 'Invoke-ExoformCall is not defined before the bootstrap');
  let payload;
  try {
    payload = decodePayload(encoded);
    if (!isPlainObject(payload)) throw new Error('the call payload is not an object');
    const keys = Object.keys(payload).sort().join(',');
    if (keys !== 'Cmdlet,Parameters') throw new Error(`the call payload has keys ${keys}, expected Cmdlet,Parameters`);
    if (typeof payload.Cmdlet !== 'string' || !/^[A-Za-z]+-[A-Za-z0-9]+$/.test(payload.Cmdlet))
      throw new Error('Cmdlet is not Verb-Noun');
    if (!isPlainObject(payload.Parameters)) throw new Error('Parameters is not an object');
    for (const name of Object.keys(payload.Parameters))
      if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) throw new Error(`bad parameter name ${JSON.stringify(name)}`);
  } catch (error) {
    return reject(line, error.message);
  }
  const cmdlet = payload.Cmdlet;
  log({ event: 'call', cmdlet, parameters: payload.Parameters });
  if (applyFault(takeFault('call', cmdlet), 'invoke')) return;
  if (!state.connected) {
    return writeResult({
      ok: false,
      error: {
        stage: 'session',
        type: 'ExoformNotConnected',
        message: 'The Exchange Online session is not connected.',
      },
      warnings: [],
    });
  }
  writeResult(await forward(cmdlet, payload.Parameters));
}

function disconnect() {
  if (!state.bootstrapped)
    return reject('Disconnect-ExoformSession', 'Disconnect-ExoformSession is not defined before the bootstrap');
  log({ event: 'disconnect', wasConnected: state.connected });
  if (applyFault(takeFault('disconnect'), 'disconnect')) return;
  state.connected = false;
  writeResult({ ok: true, rows: [], warnings: [] });
}

// ---- the module's part: the REST call ----------------------------------------------------------------------------

async function forward(cmdlet, parameters) {
  const { endpoint, token, organization } = state.connection;
  let url = `${endpoint}/adminapi/beta/${encodeURIComponent(organization)}/InvokeCommand`;
  const body = JSON.stringify({ CmdletInput: { CmdletName: cmdlet, Parameters: parameters } });
  const rows = [];
  const warnings = [];
  const seen = new Set();
  for (;;) {
    let response;
    try {
      response = await post(url, body, {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'X-CmdletName': cmdlet,
        'X-ClientApplication': 'exoform-pwsh-stand-in',
        Prefer: 'odata.maxpagesize=1000',
      });
    } catch (error) {
      return { ok: false, warnings, error: transportError(error, new URL(url).host) };
    }
    let parsed;
    try {
      parsed = response.text ? JSON.parse(response.text) : undefined;
    } catch {
      parsed = response.text;
    }
    if (response.status < 200 || response.status >= 300) {
      return {
        ok: false,
        warnings,
        error: httpError(
          'invoke',
          response.status,
          response.statusText,
          parsed,
          response.headers['retry-after'],
          cmdlet,
        ),
      };
    }
    const page = parsed ?? {};
    const value = page.value;
    if (Array.isArray(value)) rows.push(...value);
    else if (isPlainObject(value)) rows.push(value);
    for (const warning of [].concat(page['@adminapi.warnings'] ?? []))
      warnings.push(typeof warning === 'string' ? warning : (warning?.Message ?? JSON.stringify(warning)));
    const next = page['@odata.nextLink'];
    if (!next) break;
    if (seen.has(next))
      return {
        ok: false,
        warnings,
        error: {
          stage: 'invoke',
          type: 'System.InvalidOperationException',
          message: 'The same @odata.nextLink was returned twice.',
          status: null,
        },
      };
    seen.add(next);
    url = new URL(next, endpoint).href;
  }
  return { ok: true, rows, warnings };
}

/** One POST with node:http(s) (fetch refuses some ports an emulator or a test may use). */
function post(url, body, headers) {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? require('node:https') : require('node:http');
  return new Promise((resolve, reject) => {
    const request = transport.request(
      target,
      { method: 'POST', headers: { ...headers, 'Content-Length': Buffer.byteLength(body) } },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode,
            statusText: response.statusMessage ?? '',
            headers: response.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * A request that got no (complete) answer, as the session functions report what .NET's HttpClient raises: the
 * module rethrows the HttpRequestException itself (CategoryInfo "OperationStopped: HttpRequestException", message
 * "An error occurred while sending the request."), and the reason is in its inner exceptions (IOException,
 * SocketException), whose messages on Linux are the C library's strerror texts. Sources in src/emulator/FIDELITY.md,
 * "PowerShell bridge errors". Never Node's own words (ECONNRESET, socket hang up): pwsh cannot say them.
 */
function transportError(error, host) {
  const record = (message, inner) => ({
    stage: 'invoke',
    type: 'System.Net.Http.HttpRequestException',
    message,
    reason: 'HttpRequestException',
    category: 'OperationStopped',
    errorId: message,
    details: '',
    inner,
    status: null,
    retryAfterSeconds: null,
  });
  switch (error.code) {
    case 'ECONNREFUSED':
      return record(`Connection refused (${host})`, ['System.Net.Sockets.SocketException: Connection refused']);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return record(`Name or service not known (${host})`, [
        'System.Net.Sockets.SocketException: Name or service not known',
      ]);
    case 'ETIMEDOUT':
      return {
        ...record('The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.', [
          'System.TimeoutException: A task was canceled.',
        ]),
        type: 'System.Threading.Tasks.TaskCanceledException',
        reason: 'TaskCanceledException',
      };
    case 'ECONNRESET':
      // Node says "socket hang up" when the connection closed before any answer; .NET: the response ended early.
      if (error.message === 'socket hang up') {
        return record('An error occurred while sending the request.', [
          'System.Net.Http.HttpIOException: The response ended prematurely. (ResponseEnded)',
        ]);
      }
      return record('An error occurred while sending the request.', [
        'System.IO.IOException: Unable to read data from the transport connection: Connection reset by peer.',
        'System.Net.Sockets.SocketException: Connection reset by peer',
      ]);
    default:
      return record('An error occurred while sending the request.', [
        `System.IO.IOException: ${error.message ?? String(error)}`,
      ]);
  }
}

/**
 * A failed REST answer as the session functions report the error record. Cmdlet failures carry the admin API's
 * "<id>|<exception type>|<text>" message and the exception's short name as CategoryInfo.Reason; transport failures
 * look like an HttpRequestException. Both carry the HTTP status (Get-ExoformErrorInfo reads StatusCode).
 */
function httpError(stage, status, statusText, body, retryAfter, cmdlet) {
  const error = isPlainObject(body) && isPlainObject(body.error) ? body.error : undefined;
  const detail =
    error && Array.isArray(error.details) && error.details[0] && typeof error.details[0].message === 'string'
      ? error.details[0].message
      : undefined;
  const retryAfterSeconds =
    typeof retryAfter === 'string' && /^\d+(\.\d+)?$/.test(retryAfter.trim()) ? Number(retryAfter) : null;
  if (detail && detail.split('|').length >= 3) {
    const [id, type] = detail.split('|');
    const short = type.slice(type.lastIndexOf('.') + 1);
    return {
      stage,
      type: type || 'System.Management.Automation.RemoteException',
      message: detail,
      reason: short,
      category: 'NotSpecified',
      errorId: `[FailureCategory=Cmdlet-${short}] ${id || short},${cmdlet ?? ''}`,
      details: '',
      inner: [],
      status,
      retryAfterSeconds,
    };
  }
  const message = typeof body === 'string' ? body : error && typeof error.message === 'string' ? error.message : '';
  return {
    stage,
    type: 'System.Net.Http.HttpRequestException',
    message: `Response status code does not indicate success: ${status} (${statusText}).${message ? ` ${message}` : ''}`,
    reason: 'HttpRequestException',
    category: 'InvalidOperation',
    errorId: 'System.Net.Http.HttpRequestException',
    details: '',
    inner: [],
    status,
    retryAfterSeconds,
  };
}

// ---- the read loop -----------------------------------------------------------------------------------------------

async function handle(line) {
  if (state.hung) return;
  let match;
  if ((match = SHAPES.errorDelimiter.exec(line))) return void process.stderr.write(`${match[1]}\n`);
  if ((match = SHAPES.outDelimiter.exec(line))) return void process.stdout.write(`${match[1]}\n`);
  if (secretValues.some((secret) => line.includes(secret)))
    return reject('[redacted]', 'a secret appears in the script text');
  if ((match = SHAPES.bootstrap.exec(line))) return bootstrap(match[1], line);
  if ((match = SHAPES.connect.exec(line))) return connect(match[1], line);
  if ((match = SHAPES.call.exec(line))) return call(match[1], line);
  if (SHAPES.disconnect.test(line)) return disconnect();
  if (SHAPES.exit.test(line)) {
    log({ event: 'exit' });
    if (applyFault(takeFault('exit'), 'exit')) return;
    process.exit(0);
  }
  return reject(line, 'not one of the script shapes the PowerShell bridge emits');
}

function main() {
  const args = process.argv.slice(2);
  if (
    !EXPECTED_ARGUMENTS.some(
      (expected) => expected.length === args.length && expected.every((value, i) => value === args[i]),
    )
  ) {
    process.stderr.write(`exoform pwsh stand-in (test double): unexpected arguments ${JSON.stringify(args)}\n`);
    process.exit(64);
  }
  log({ event: 'start', args });
  let buffer = '';
  let queue = Promise.resolve();
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      queue = queue
        .then(() => handle(line))
        .catch((error) => {
          process.stderr.write(`exoform pwsh stand-in (test double) failed: ${error.stack ?? error}\n`);
        });
    }
  });
  // pwsh -Command - ends when its standard input closes (the provider exited or was killed).
  process.stdin.on('end', () => queue.then(() => process.exit(0)));
}

main();
