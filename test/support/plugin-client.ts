/**
 * A small gRPC client for plugin protocol 6 over node:http2, playing Terraform's part: it makes its own client
 * certificate, starts the provider (in-process through serveProvider, or as the real packaged executable) with the
 * go-plugin environment, parses the handshake line, pins the server certificate from it, and calls unary methods by
 * path with the project's own protobuf codec and gRPC framing (5-byte prefix, grpc-status in trailers).
 *
 * Every wait is bounded: a call that gets no answer within its timeout rejects instead of hanging the suite.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST } from '../../scripts/package';
import { createServerCertificate, toPem } from '../../src/protocol/server-certificate';
import { MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE } from '../../src/protocol/handshake';
import { silentLogger, type Logger } from '../../src/protocol/logging';
import { decodeMsgpack, encodeMsgpack, type CtyValue } from '../../src/protocol/msgpack';
import { decodeMessage, encodeMessage, methodDescriptor } from '../../src/protocol/protobuf';
import { serveProvider, type RunningProvider } from '../../src/protocol/provider-server';
import { createProviderHandler } from '../../src/provider/framework/create-provider-handler';
import { createExoformProvider } from '../../src/provider/provider';
import { DEMO_TENANT, EmulatorInspector, TEST_TOKEN, type TestEmulator } from './emulator';

// Kept here too for the callers that already drive the provider through this module.
export { runProcess, type ProcessResult, type RunProcessOptions } from './run-process';

/** A certificate and key the client presents (Terraform makes one per provider process). */
export interface ClientIdentity {
  certificatePem: string;
  privateKeyPem: string;
}

/** The server certificate doubles as a client certificate: it carries the clientAuth extended key usage. */
export function createClientIdentity(): ClientIdentity {
  const { certificatePem, privateKeyPem } = createServerCertificate();
  return { certificatePem, privateKeyPem };
}

/** The environment Terraform gives a provider it starts. */
export function pluginEnvironment(identity: ClientIdentity): Record<string, string> {
  return {
    [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE,
    PLUGIN_PROTOCOL_VERSIONS: '5,6',
    PLUGIN_MIN_PORT: '10000',
    PLUGIN_MAX_PORT: '25000',
    PLUGIN_CLIENT_CERT: identity.certificatePem,
  };
}

export interface Handshake {
  coreVersion: number;
  protocolVersion: number;
  network: string;
  address: string;
  protocol: string;
  /** The raw base64 field, exactly as sent. */
  certificateBase64: string;
  serverCertificateDer: Buffer;
  serverCertificatePem: string;
}

/** Parses `1|6|tcp|127.0.0.1:<port>|grpc|<base64 DER, unpadded>`; throws on anything else. */
export function parseHandshakeLine(line: string): Handshake {
  const parts = line.trim().split('|');
  if (parts.length !== 6)
    throw new Error(`handshake line has ${parts.length} fields, expected 6: ${JSON.stringify(line)}`);
  const [core, protocolVersion, network, address, protocol, certificateBase64] = parts;
  const serverCertificateDer = Buffer.from(certificateBase64, 'base64');
  return {
    coreVersion: Number(core),
    protocolVersion: Number(protocolVersion),
    network,
    address,
    protocol,
    certificateBase64,
    serverCertificateDer,
    serverCertificatePem: toPem('CERTIFICATE', serverCertificateDer),
  };
}

/** What a unary call came back with: the gRPC status and, when OK, the decoded response. */
export interface UnaryResult<T = any> {
  status: number;
  message: string;
  response?: T;
  /** Raw response message bytes (without framing), when there was one. */
  body?: Buffer;
}

export interface ConnectOptions {
  /** The client certificate to present; null presents none. Defaults to none. */
  identity?: ClientIdentity | null;
  /** PEM of the certificate to trust; defaults to the one pinned by the handshake. */
  trust?: string;
  connectTimeoutMs?: number;
}

export const DEFAULT_CALL_TIMEOUT_MS = 10_000;

/** gRPC framing: 1 byte compressed flag (0), 4 bytes big-endian length, then the message. */
export function frame(message: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

export class PluginClient {
  private constructor(private readonly session: http2.ClientHttp2Session) {}

  /**
   * Opens an HTTP/2 session over mutual TLS to the handshake's address, trusting only the pinned server
   * certificate and checking the name "localhost", as go-plugin's client does. Resolves once the TLS
   * connection is up; with TLS 1.3 the server may still reject the client certificate after that, which then
   * shows as a failed call.
   */
  static connect(handshake: Handshake, options: ConnectOptions = {}): Promise<PluginClient> {
    if (handshake.network !== 'tcp')
      throw new Error(`only tcp handshakes are supported here, got ${handshake.network}`);
    const identity = options.identity ?? null;
    const timeoutMs = options.connectTimeoutMs ?? 5_000;
    return new Promise((resolve, reject) => {
      const session = http2.connect(`https://${handshake.address}`, {
        ca: [options.trust ?? handshake.serverCertificatePem],
        servername: 'localhost',
        ...(identity ? { cert: identity.certificatePem, key: identity.privateKeyPem } : {}),
      });
      const timer = setTimeout(() => {
        session.destroy();
        reject(new Error(`no HTTP/2 connection to ${handshake.address} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onError = (error: Error): void => {
        clearTimeout(timer);
        session.destroy();
        reject(error);
      };
      session.once('error', onError);
      session.once('connect', () => {
        clearTimeout(timer);
        session.off('error', onError);
        // Later session errors fail the calls in flight (through their streams); keep them from crashing the test.
        session.on('error', () => undefined);
        resolve(new PluginClient(session));
      });
    });
  }

  /** Sends raw request message bytes to any path and collects the status and raw response bytes. */
  callRaw(path: string, requestBytes: Uint8Array, timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<UnaryResult<never>> {
    return this.callWithBody(path, frame(requestBytes), timeoutMs);
  }

  /** Sends `body` as the request's DATA exactly as given (no framing added): for malformed-request tests. */
  callWithBody(path: string, body: Buffer, timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<UnaryResult<never>> {
    return new Promise((resolve, reject) => {
      let stream: http2.ClientHttp2Stream;
      try {
        stream = this.session.request({
          ':method': 'POST',
          ':path': path,
          'content-type': 'application/grpc',
          te: 'trailers',
        });
      } catch (error) {
        reject(error);
        return;
      }
      let headers: http2.IncomingHttpHeaders = {};
      let trailers: http2.IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      let settled = false;
      const finish = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outcome();
      };
      const timer = setTimeout(() => {
        finish(() => reject(new Error(`${path}: no answer within ${timeoutMs} ms`)));
        stream.close(http2.constants.NGHTTP2_CANCEL);
      }, timeoutMs);
      stream.on('response', (h) => (headers = h));
      stream.on('trailers', (t) => (trailers = t));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error) => finish(() => reject(error)));
      stream.on('close', () => {
        const rawStatus = trailers['grpc-status'] ?? headers['grpc-status'];
        if (rawStatus === undefined) {
          finish(() => reject(new Error(`${path}: stream closed without grpc-status (rst code ${stream.rstCode})`)));
          return;
        }
        const rawMessage = String(trailers['grpc-message'] ?? headers['grpc-message'] ?? '');
        const data = Buffer.concat(chunks);
        let body: Buffer | undefined;
        if (data.length >= 5) {
          if (data[0] !== 0) {
            finish(() => reject(new Error(`${path}: compressed response`)));
            return;
          }
          const length = data.readUInt32BE(1);
          if (data.length !== 5 + length) {
            finish(() =>
              reject(new Error(`${path}: response of ${data.length} bytes is not one framed message of ${length}`)),
            );
            return;
          }
          body = data.subarray(5);
        }
        finish(() => resolve({ status: Number(rawStatus), message: decodeURIComponent(rawMessage), body }));
      });
      stream.end(body);
    });
  }

  /** Calls a known method, encoding the request and decoding the response with the generated descriptors. */
  async call<T = any>(
    path: string,
    request: object = {},
    timeoutMs = DEFAULT_CALL_TIMEOUT_MS,
  ): Promise<UnaryResult<T>> {
    const method = methodDescriptor(path);
    const result = await this.callRaw(path, encodeMessage(method.requestType, request), timeoutMs);
    if (result.status !== 0) return result;
    if (!result.body) throw new Error(`${path}: status OK but no response message`);
    return { ...result, response: decodeMessage<T>(method.responseType, result.body) };
  }

  /** Like call, but fails unless the status is OK; returns the decoded response. */
  async unary<T = any>(path: string, request: object = {}, timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<T> {
    const result = await this.call<T>(path, request, timeoutMs);
    if (result.status !== 0) throw new Error(`${path} failed with grpc-status ${result.status}: ${result.message}`);
    return result.response as T;
  }

  close(): void {
    if (!this.session.destroyed) this.session.destroy();
  }
}

// --- Values -------------------------------------------------------------------------------------------------

export const dynamic = (value: CtyValue): { msgpack: Uint8Array } => ({ msgpack: encodeMsgpack(value) });

/** Decodes a DynamicValue from a response (msgpack); undefined/empty reads as null. */
export function fromDynamic(value: { msgpack?: Uint8Array } | undefined): CtyValue {
  if (!value || !value.msgpack || value.msgpack.length === 0) return null;
  return decodeMsgpack(value.msgpack);
}

export interface DiagnosticMessage {
  severity?: number;
  summary?: string;
  detail?: string;
  attribute?: { steps: Array<{ attribute_name?: string; element_key_string?: string; element_key_int?: number }> };
}

/** Readable one-line form of diagnostics, for failure messages. */
export function describeDiagnostics(diagnostics: readonly DiagnosticMessage[] | undefined): string {
  return (
    (diagnostics ?? [])
      .map((d) => `[${d.severity === 1 ? 'error' : 'warning'}] ${d.summary}: ${d.detail}`)
      .join('\n') || '(none)'
  );
}

// --- Starting a provider --------------------------------------------------------------------------------------

export interface InProcessProvider {
  handshakeLine: string;
  handshake: Handshake;
  identity: ClientIdentity;
  provider: RunningProvider;
  client: PluginClient;
  /** Closes the client and stops the provider. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Serves the exoform provider in this process. `providerEnvironment` replaces process.env for the EXO_* settings,
 * so the machine's environment cannot leak into the test.
 */
export async function startInProcessProvider(
  options: { providerEnvironment?: NodeJS.ProcessEnv; logger?: Logger; identity?: ClientIdentity } = {},
): Promise<InProcessProvider> {
  const identity = options.identity ?? createClientIdentity();
  const logger = options.logger ?? silentLogger;
  let handshakeLine = '';
  const handler = createProviderHandler(createExoformProvider(logger, options.providerEnvironment ?? {}));
  const provider = await serveProvider({
    handler,
    logger,
    env: pluginEnvironment(identity),
    writeHandshake: (line) => (handshakeLine = line),
    onShutdown: () => undefined,
  });
  const handshake = parseHandshakeLine(handshakeLine);
  const client = await PluginClient.connect(handshake, { identity });
  let stopped: Promise<void> | undefined;
  return {
    handshakeLine,
    handshake,
    identity,
    provider,
    client,
    stop: () =>
      (stopped ??= (async () => {
        client.close();
        await provider.stop();
      })()),
  };
}

export interface ChildProvider {
  child: ChildProcessWithoutNullStreams;
  handshakeLine: string;
  handshake: Handshake;
  identity: ClientIdentity;
  client: PluginClient;
  /** Everything the process wrote to stdout (the handshake line and, hopefully, nothing else). */
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Closes the client and kills the process if it still runs. */
  kill(): Promise<void>;
}

/** Environment for a child provider: PATH and HOME from here (node must be found), nothing EXO_*. */
export function childBaseEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('EXO_') && !key.startsWith('TF_') && !key.startsWith('PLUGIN_')) env[key] = value;
  }
  return env;
}

/** Starts the real provider executable as Terraform does, waits for its handshake line and connects. */
export async function spawnProvider(
  executable: string,
  options: { env?: NodeJS.ProcessEnv; handshakeTimeoutMs?: number } = {},
): Promise<ChildProvider> {
  const identity = createClientIdentity();
  const child = spawn(executable, [], {
    env: { ...childBaseEnvironment(), ...options.env, ...pluginEnvironment(identity) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const timeoutMs = options.handshakeTimeoutMs ?? 10_000;
  const handshakeLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no handshake line within ${timeoutMs} ms; stderr:\n${stderr}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const newline = stdout.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(stdout.slice(0, newline));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`provider exited with ${code} before its handshake; stderr:\n${stderr}`));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  const handshake = parseHandshakeLine(handshakeLine);
  let client: PluginClient;
  try {
    client = await PluginClient.connect(handshake, { identity });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    child,
    handshakeLine,
    handshake,
    identity,
    client,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async kill() {
      client.close();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Resolves with `promise`, or rejects after `ms` with a message saying what did not happen. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
    }),
  ]);
}

// --- An emulator in its own process ---------------------------------------------------------------------------

/**
 * The emulator (dist/cli.js, built by globalSetup) in a child process, with the same interface as
 * startTestEmulator. For tests that set a long per-call latency: the emulator's latency timer is not cancelled
 * when the client goes away or the emulator closes, so in-process it would hold the jest worker for the whole
 * delay. A child process is simply killed.
 */
export async function startEmulatorProcess(options: { startTimeoutMs?: number } = {}): Promise<TestEmulator> {
  const directory = mkdtempSync(join(tmpdir(), 'exoform-emu-'));
  const dataFile = join(directory, 'state.json');
  const token = TEST_TOKEN;
  const child = spawn(
    process.execPath,
    [join(DIST, 'cli.js'), 'emulator', '--data', dataFile, '--token', token, '--seed', 'demo'],
    {
      env: childBaseEnvironment(),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(
        () => reject(new Error(`the emulator printed no URL within ${timeoutMs} ms; stderr:\n${stderr}`)),
        timeoutMs,
      );
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        const newline = stdout.indexOf('\n');
        if (newline >= 0) {
          clearTimeout(timer);
          resolve(stdout.slice(0, newline).trim());
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the emulator exited with ${code} before printing its URL; stderr:\n${stderr}`));
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  child.stdout.resume();
  let stopped: Promise<void> | undefined;
  return {
    url,
    token,
    dataFile,
    inspect: new EmulatorInspector(url, token),
    providerEnv: { EXO_ENDPOINT: url, EXO_ORGANIZATION: DEMO_TENANT, EXO_ACCESS_TOKEN: token },
    stop: () =>
      (stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGKILL');
          await exited;
        }
        rmSync(directory, { recursive: true, force: true });
      })()),
  };
}
