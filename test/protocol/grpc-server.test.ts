/**
 * The hand-written gRPC server on node:http2, with test handlers: framing, status codes in trailers, errors,
 * cancellation, and mutual TLS that admits only the pinned client certificate.
 */
import { createServerCertificate } from '../../src/protocol/server-certificate';
import { GrpcError, GrpcServer, GrpcStatus, type CallContext } from '../../src/protocol/grpc-server';
import { formatHandshakeLine } from '../../src/protocol/handshake';
import type { LogLevel, Logger } from '../../src/protocol/logging';
import { encodeMessage, methodDescriptor } from '../../src/protocol/protobuf';
import {
  createClientIdentity,
  frame,
  parseHandshakeLine,
  PluginClient,
  within,
  type ClientIdentity,
  type Handshake,
} from '../support/plugin-client';

/** A logger that keeps what it is told, to assert on server-side events (a rejected TLS client). */
function recordingLogger(): Logger & { entries: Array<{ level: LogLevel; message: string; fields?: object }> } {
  const entries: Array<{ level: LogLevel; message: string; fields?: object }> = [];
  return { entries, enabled: () => true, log: (level, message, fields) => entries.push({ level, message, fields }) };
}

const GET_METADATA = '/tfplugin6.Provider/GetMetadata';
const VALIDATE = '/tfplugin6.Provider/ValidateResourceConfig';
const STOP = '/tfplugin6.Provider/StopProvider';

describe('GrpcServer', () => {
  let server: GrpcServer;
  let logger: ReturnType<typeof recordingLogger>;
  let handshake: Handshake;
  let identity: ClientIdentity;
  let client: PluginClient;
  /** Resolved with the context of the last call to the slow method, and once its signal aborts. */
  let slowCall: { context?: CallContext; aborted: Promise<void>; markAborted?: () => void };

  beforeAll(async () => {
    identity = createClientIdentity();
    logger = recordingLogger();
    const certificate = createServerCertificate();
    server = new GrpcServer(
      {
        certificatePem: certificate.certificatePem,
        privateKeyPem: certificate.privateKeyPem,
        clientCertificatePem: identity.certificatePem,
      },
      logger,
    );
    server.addUnary(methodDescriptor(GET_METADATA), async () => ({
      resources: [{ type_name: 'a' }, { type_name: 'b' }],
      server_capabilities: { plan_destroy: true },
    }));
    // Echoes the request's type_name back as a diagnostic summary; fails on request.
    server.addUnary(methodDescriptor(VALIDATE), async (request) => {
      if (request.type_name === 'grpc-error') throw new GrpcError(GrpcStatus.NOT_FOUND, 'no such thing: ü/%');
      if (request.type_name === 'crash') throw new Error('handler crashed');
      return { diagnostics: [{ severity: 2, summary: `got ${request.type_name}` }] };
    });
    server.addUnary(methodDescriptor(STOP), (_request, context) => {
      slowCall.context = context;
      context.signal.addEventListener('abort', () => slowCall.markAborted?.());
      return new Promise(() => undefined); // never answers by itself
    });
    const address = await server.listen();
    handshake = parseHandshakeLine(formatHandshakeLine(address, certificate.der));
    client = await PluginClient.connect(handshake, { identity });
  });

  beforeEach(() => {
    slowCall = { aborted: Promise.resolve() };
    slowCall.aborted = new Promise<void>((resolve) => (slowCall.markAborted = resolve));
  });

  afterAll(async () => {
    client?.close();
    await within(server.close(), 5_000, 'server close');
  });

  test('listens on loopback TCP', () => {
    expect(handshake.address).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  test('a unary call answers one framed message with grpc-status 0 in the trailers', async () => {
    const result = await client.call(GET_METADATA);
    expect(result.status).toBe(GrpcStatus.OK);
    expect(result.response.resources).toEqual([{ type_name: 'a' }, { type_name: 'b' }]);
    expect(result.response.server_capabilities.plan_destroy).toBe(true);
  });

  test('the request is decoded with the method’s request type', async () => {
    const response = await client.unary(VALIDATE, { type_name: 'exchangeonline_x' });
    expect(response.diagnostics).toEqual([expect.objectContaining({ severity: 2, summary: 'got exchangeonline_x' })]);
  });

  test('an unknown path answers UNIMPLEMENTED (12), trailers-only', async () => {
    const result = await client.callRaw('/tfplugin6.Provider/NoSuchMethod', new Uint8Array());
    expect(result.status).toBe(GrpcStatus.UNIMPLEMENTED);
    expect(result.status).toBe(12);
    expect(result.message).toContain('/tfplugin6.Provider/NoSuchMethod');
    expect(result.body).toBeUndefined();
  });

  test('a GrpcError from the handler becomes its status, with the message percent-encoded on the wire', async () => {
    const result = await client.call(VALIDATE, { type_name: 'grpc-error' });
    expect(result.status).toBe(GrpcStatus.NOT_FOUND);
    expect(result.message).toBe('no such thing: ü/%');
  });

  test('any other exception becomes INTERNAL and is logged as an error', async () => {
    const result = await client.call(VALIDATE, { type_name: 'crash' });
    expect(result.status).toBe(GrpcStatus.INTERNAL);
    expect(result.message).toBe('handler crashed');
    expect(logger.entries.some((e) => e.level === 'error' && e.message === 'internal error in gRPC handler')).toBe(
      true,
    );
  });

  test('two request messages in one unary call are refused with INVALID_ARGUMENT', async () => {
    const one = frame(encodeMessage('tfplugin6.ValidateResourceConfig.Request', { type_name: 'x' }));
    const result = await client.callWithBody(VALIDATE, Buffer.concat([one, one]));
    expect(result.status).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(result.message).toBe('expected one request message, got more than one');
  });

  test('a unary call without a request message is refused with INVALID_ARGUMENT', async () => {
    const result = await client.callWithBody(VALIDATE, Buffer.alloc(0));
    expect(result.status).toBe(GrpcStatus.INVALID_ARGUMENT);
  });

  test('a compressed message is refused with UNIMPLEMENTED', async () => {
    const result = await client.callWithBody(VALIDATE, Buffer.from([1, 0, 0, 0, 0]));
    expect(result.status).toBe(GrpcStatus.UNIMPLEMENTED);
    expect(result.message).toMatch(/compressed/);
  });

  test('a large response (several MB) arrives intact', async () => {
    const many = Array.from({ length: 40_000 }, (_, i) => ({ type_name: `resource_${i}_${'x'.repeat(100)}` }));
    const certificate = createServerCertificate();
    const big = new GrpcServer(
      {
        certificatePem: certificate.certificatePem,
        privateKeyPem: certificate.privateKeyPem,
        clientCertificatePem: identity.certificatePem,
      },
      logger,
    );
    big.addUnary(methodDescriptor(GET_METADATA), async () => ({ resources: many }));
    const address = await big.listen();
    const bigClient = await PluginClient.connect(parseHandshakeLine(formatHandshakeLine(address, certificate.der)), {
      identity,
    });
    try {
      const response = await bigClient.unary(GET_METADATA);
      expect(response.resources).toHaveLength(many.length);
      expect(response.resources[39_999].type_name).toBe(many[39_999].type_name);
    } finally {
      bigClient.close();
      await within(big.close(), 5_000, 'server close');
    }
  });

  test('a client cancelling its call (RST_STREAM) aborts the handler’s signal', async () => {
    await expect(client.callRaw(STOP, encodeMessage('tfplugin6.StopProvider.Request', {}), 300)).rejects.toThrow(
      /no answer within 300 ms/,
    );
    expect(slowCall.context?.path).toBe(STOP);
    await within(slowCall.aborted, 2_000, 'abort of the cancelled call');
    expect(slowCall.context?.signal.aborted).toBe(true);
  });

  test('a call cancelled by the client leaves the session usable', async () => {
    await expect(client.callRaw(STOP, encodeMessage('tfplugin6.StopProvider.Request', {}), 300)).rejects.toThrow(
      /no answer within 300 ms/,
    );
    expect((await client.call(GET_METADATA)).status).toBe(GrpcStatus.OK);
  });

  test('a client without a certificate is rejected at TLS', async () => {
    await expectRejectedAtTls(null);
  });

  test('a client presenting another certificate than PLUGIN_CLIENT_CERT is rejected at TLS', async () => {
    await expectRejectedAtTls(createClientIdentity());
  });

  test('a client that does not trust the pinned certificate refuses the server', async () => {
    const stranger = createServerCertificate();
    await expect(PluginClient.connect(handshake, { identity, trust: stranger.certificatePem })).rejects.toThrow(
      /self[- ]signed|unable to verify|certificate/i,
    );
  });

  /** The TLS handshake or the first call fails with a connection error, never with a gRPC status. */
  async function expectRejectedAtTls(other: ClientIdentity | null): Promise<void> {
    const before = logger.entries.filter((e) => e.message === 'TLS client rejected').length;
    let failure: unknown;
    let stranger: PluginClient | undefined;
    try {
      stranger = await PluginClient.connect(handshake, { identity: other });
      // With TLS 1.3 the client finishes its side first; the server's refusal then ends the session.
      await stranger.call(GET_METADATA, {}, 5_000);
    } catch (error) {
      failure = error;
    } finally {
      stranger?.close();
    }
    // A connection-level error (reset, TLS alert), not a timeout and not a gRPC status.
    expect(failure).toBeDefined();
    expect(String(failure)).not.toMatch(/no answer within/);
    const after = await waitFor(
      () => logger.entries.filter((e) => e.message === 'TLS client rejected').length,
      (n) => n > before,
    );
    expect(after).toBe(before + 1);
  }
});

describe('GrpcServer client certificate', () => {
  test('a malformed client certificate fails construction, naming PLUGIN_CLIENT_CERT', () => {
    const certificate = createServerCertificate();
    const material = {
      certificatePem: certificate.certificatePem,
      privateKeyPem: certificate.privateKeyPem,
      clientCertificatePem: 'not a certificate',
    };
    expect(() => new GrpcServer(material, recordingLogger())).toThrow(
      /PLUGIN_CLIENT_CERT\) is not a PEM X\.509 certificate/,
    );
  });
});

describe('GrpcServer.close', () => {
  test('aborts the signal of calls in flight and stops listening', async () => {
    const identity = createClientIdentity();
    const certificate = createServerCertificate();
    const server = new GrpcServer(
      {
        certificatePem: certificate.certificatePem,
        privateKeyPem: certificate.privateKeyPem,
        clientCertificatePem: identity.certificatePem,
      },
      recordingLogger(),
    );
    let aborted!: () => void;
    const abortedPromise = new Promise<void>((resolve) => (aborted = resolve));
    let started!: () => void;
    const startedPromise = new Promise<void>((resolve) => (started = resolve));
    server.addUnary(methodDescriptor(STOP), (_request, context) => {
      started();
      return new Promise((resolve) =>
        context.signal.addEventListener('abort', () => {
          aborted();
          resolve({ Error: 'stopped' });
        }),
      );
    });
    const address = await server.listen();
    const handshake = parseHandshakeLine(formatHandshakeLine(address, certificate.der));
    const client = await PluginClient.connect(handshake, { identity });
    try {
      const call = client.call(STOP, {}, 5_000).catch((error: Error) => error);
      await within(startedPromise, 5_000, 'the call reaching the handler');
      const closed = server.close();
      await within(abortedPromise, 5_000, 'abort on close');
      await within(closed, 5_000, 'server close');
      await within(call, 6_000, 'the in-flight call settling');
      await expect(PluginClient.connect(handshake, { identity, connectTimeoutMs: 2_000 })).rejects.toThrow(
        /ECONNREFUSED/,
      );
    } finally {
      client.close();
    }
  });
});

// --- helpers ---

/** Polls `read` until `done` holds (bounded), returning the last value read. */
async function waitFor<T>(read: () => T, done: (value: T) => boolean, timeoutMs = 3_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = read();
  }
  return value;
}
