/**
 * A small gRPC server on node:http2: exactly what go-plugin's client needs, nothing more.
 *
 * grpc-js plus protobuf descriptors cost ~110 ms to load, and Terraform starts the provider 3–5 times per
 * command, so this speaks the gRPC wire format directly: HTTP/2 over mutual TLS, length-prefixed messages,
 * status in trailers. Messages are encoded by the descriptor-driven codec in protobuf.ts.
 *
 * Start-up: the handshake line needs only a listening socket and the server certificate. The layers above the
 * socket are built right after the line is out, while Terraform reads it and dials, and are complete before the
 * first connection is served:
 *   net listener → TLS gate (node:tls, client certificate pinned) → HTTP/2 (node:http2) → routes
 * Loading node:tls and node:http2 costs ~20 ms here. A TLS context with any trusted CA (`ca`, or the default
 * roots) makes Node 20 parse its ~140 bundled root certificates (40–130 ms on a loaded 2-core machine; OpenSSL 3
 * decodes PEM slowly). The gate trusts no CA at all and admits a client only if it presents exactly the
 * PLUGIN_CLIENT_CERT certificate, byte for byte — stricter than go-plugin's own servers, which put that
 * certificate in a root pool — and it checks before the connection reaches HTTP/2, the same point where Node's
 * own `rejectUnauthorized` check would have destroyed it.
 */
import type * as http2 from 'node:http2';
import * as net from 'node:net';
import type * as tls from 'node:tls';
import { decodeMessage, encodeMessage } from './protobuf';
import type { Logger } from './logging';

/** gRPC status codes used here (google.golang.org/grpc/codes). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  INTERNAL: 13,
  UNIMPLEMENTED: 12,
} as const;

export class GrpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface MethodDescriptor {
  path: string;
  requestType: string;
  responseType: string;
  requestStream: boolean;
  responseStream: boolean;
}

export interface CallContext {
  path: string;
  /** Aborted when the client cancels the call (RST_STREAM) or the server closes. */
  signal: AbortSignal;
}

export type UnaryHandler = (request: any, call: CallContext) => Promise<object>;

/** A streaming call: send messages, see incoming ones, end when done. */
export interface StreamCall extends CallContext {
  send(message: object): void;
  end(): void;
  onMessage(listener: (message: any) => void): void;
}
export type StreamHandler = (call: StreamCall) => void;

export interface TlsMaterial {
  certificatePem: string;
  privateKeyPem: string;
  /** Only clients presenting this certificate are accepted (go-plugin AutoMTLS). */
  clientCertificatePem: string;
}

interface Route {
  method: MethodDescriptor;
  unary?: UnaryHandler;
  stream?: StreamHandler;
}

const MAX_MESSAGE_BYTES = 512 * 1024 * 1024;

/** `net.BoundSocket` (Node 24; not in Node 20 nor in this project's @types/node): a socket bound synchronously. */
type BoundSocketConstructor = new (options: { host: string; port: number }) => object;

/**
 * An IPv4 literal bound through `net.BoundSocket` where Node has it, else undefined (listen(port, host) then).
 * `listen(port, host)` resolves even a literal through dns.lookup and, on Node 24, then tests it against Node's
 * IPv6 pattern, whose first use compiles a large regular expression: about 12 ms of CPU before the handshake line
 * (docs/performance.md, "Node 24 start-up"). It is the same libuv bind that listen makes; a bind error is thrown
 * here, inside listen's promise, and so rejects it as the 'error' event would.
 */
function boundSocket(host: string, port: number): object | undefined {
  const BoundSocket = (net as { BoundSocket?: BoundSocketConstructor }).BoundSocket;
  return BoundSocket && net.isIPv4(host) ? new BoundSocket({ host, port }) : undefined;
}

/** The TLS and HTTP/2 layers, built once, after the handshake line (see the header). */
interface Layers {
  gate: tls.Server;
  http: http2.Http2Server;
}

export class GrpcServer {
  private readonly routes = new Map<string, Route>();
  private readonly listener: net.Server;
  private layers?: Layers;
  private readonly clientCertificateDer: Buffer;
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly closing = new AbortController();

  constructor(
    private readonly material: TlsMaterial,
    private readonly logger: Logger,
  ) {
    // Decoded now, so a malformed PLUGIN_CLIENT_CERT fails the start instead of every connection.
    this.clientCertificateDer = certificateDer(material.clientCertificatePem);
    this.listener = net.createServer((socket) => this.accept(socket));
  }
  addUnary(method: MethodDescriptor, handler: UnaryHandler): void {
    this.routes.set(method.path, { method, unary: handler });
  }

  addStream(method: MethodDescriptor, handler: StreamHandler): void {
    this.routes.set(method.path, { method, stream: handler });
  }

  /** Starts listening; the layers above the socket are built on the next turn of the event loop (after the handshake is written). */
  listen(host = '127.0.0.1', port = 0): Promise<{ network: 'tcp'; address: string }> {
    return new Promise((resolve, reject) => {
      this.listener.once('error', reject);
      const onListening = (): void => {
        const address = this.listener.address() as net.AddressInfo;
        setImmediate(() => {
          try {
            this.buildLayers();
          } catch (error) {
            // Reported again, and the connection refused, when a client connects.
            this.logger.log('error', 'could not set up TLS and HTTP/2', { error: String(error) });
          }
        });
        resolve({ network: 'tcp', address: `${address.address}:${address.port}` });
      };
      const bound = boundSocket(host, port);
      if (bound) this.listener.listen(bound, onListening);
      else this.listener.listen(port, host, onListening);
    });
  }

  /** Ends every call and session, then stops listening. */
  close(): Promise<void> {
    this.closing.abort();
    for (const session of this.sessions) session.close();
    return new Promise((resolve) => this.listener.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    // A response is several small writes (headers, data, trailers). With Nagle's algorithm on, each waits for
    // the client's delayed ACK (~40 ms on Linux), which made every RPC cost ~40 ms.
    socket.setNoDelay(true);
    let layers: Layers;
    try {
      layers = this.buildLayers();
    } catch (error) {
      this.logger.log('error', 'could not set up TLS and HTTP/2; connection refused', { error: String(error) });
      socket.destroy();
      return;
    }
    layers.gate.emit('connection', socket);
  }

  private buildLayers(): Layers {
    if (this.layers) return this.layers;
    const { createServer: createTlsServer } = require('node:tls') as typeof tls;
    const { createServer: createHttp2Server } = require('node:http2') as typeof http2;
    const http = createHttp2Server({
      // Large plans carry megabytes of state; the defaults (10 MB session memory, 64 KB windows) throttle them.
      maxSessionMemory: 1024,
      settings: { initialWindowSize: 16 * 1024 * 1024, maxFrameSize: 1024 * 1024 },
    });
    http.on('session', (session) => {
      this.sessions.add(session);
      session.setLocalWindowSize?.(64 * 1024 * 1024);
      session.on('close', () => this.sessions.delete(session));
      session.on('error', (error) => this.logger.log('debug', 'http2 session error', { error: String(error) }));
    });
    http.on('stream', (stream, headers) => this.dispatch(stream, headers));
    const gate = createTlsServer({
      key: this.material.privateKeyPem,
      cert: this.material.certificatePem,
      // No trusted CA at all (an empty list, not the default roots): the client certificate is pinned below.
      ca: [],
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
      ALPNProtocols: ['h2'],
    });
    gate.on('secureConnection', (socket: tls.TLSSocket) => {
      const presented = socket.getPeerX509Certificate();
      if (!presented || !presented.raw.equals(this.clientCertificateDer)) {
        const error = presented
          ? 'the client certificate is not the one in PLUGIN_CLIENT_CERT'
          : 'no client certificate';
        this.logger.log('warn', 'TLS client rejected', { error });
        socket.destroy();
        return;
      }
      http.emit('connection', socket);
    });
    gate.on('tlsClientError', (error) => this.logger.log('warn', 'TLS client rejected', { error: String(error) }));
    this.layers = { gate, http };
    return this.layers;
  }

  private dispatch(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    const path = String(headers[':path'] ?? '');
    const route = this.routes.get(path);
    stream.on('error', (error) => this.logger.log('debug', 'gRPC stream error', { path, error: String(error) }));
    if (!route) {
      this.logger.log('debug', 'unimplemented gRPC method', { path });
      this.respondTrailersOnly(stream, GrpcStatus.UNIMPLEMENTED, `method ${path} is not implemented by this provider`);
      return;
    }
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    this.closing.signal.addEventListener('abort', abort, { once: true });
    // 'aborted' fires when the client resets the stream or the connection drops before we answered; by the time
    // 'close' fires node may already report the stream as finished.
    stream.on('aborted', abort);
    stream.on('close', () => {
      this.closing.signal.removeEventListener('abort', abort);
      if (!stream.writableFinished) abort();
    });
    const reader = new MessageReader();
    const context: CallContext = { path, signal: controller.signal };
    if (route.unary) {
      const handler = route.unary;
      const unaryReader = new UnaryMessageReader();
      let refused = false;
      stream.on('data', (chunk: Buffer) => {
        if (refused) return;
        try {
          unaryReader.push(chunk);
        } catch (error) {
          refused = true;
          this.fail(stream, error);
        }
      });
      stream.on('end', () => {
        if (refused) return;
        let request: unknown;
        try {
          request = decodeMessage(route.method.requestType, unaryReader.message());
        } catch (error) {
          this.fail(stream, error);
          return;
        }
        handler(request, context).then(
          (response) => this.respondUnary(stream, route.method.responseType, response),
          (error) => this.fail(stream, error),
        );
      });
      return;
    }
    this.openStream(stream, route, context, reader);
  }

  private openStream(stream: http2.ServerHttp2Stream, route: Route, context: CallContext, reader: MessageReader): void {
    const listeners: Array<(message: unknown) => void> = [];
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(GrpcStatus.OK) }));
    stream.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      for (const bytes of reader.take()) {
        const message = decodeMessage(route.method.requestType, bytes);
        for (const listener of listeners) listener(message);
      }
    });
    // Terraform keeps stdio and broker streams open for the life of the process; close them when it closes.
    context.signal.addEventListener('abort', () => {
      if (!stream.closed && !stream.writableEnded) stream.end();
    });
    route.stream!({
      ...context,
      send: (message) => {
        if (!stream.writableEnded) stream.write(frame(encodeMessage(route.method.responseType, message)));
      },
      end: () => {
        if (!stream.writableEnded) stream.end();
      },
      onMessage: (listener) => listeners.push(listener),
    });
  }

  private respondUnary(stream: http2.ServerHttp2Stream, responseType: string, response: object): void {
    if (stream.closed || stream.destroyed) return;
    let body: Buffer;
    try {
      body = frame(encodeMessage(responseType, response));
    } catch (error) {
      this.fail(stream, error);
      return;
    }
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(GrpcStatus.OK) }));
    stream.end(body);
  }

  private fail(stream: http2.ServerHttp2Stream, error: unknown): void {
    const code = error instanceof GrpcError ? error.code : GrpcStatus.INTERNAL;
    const message = error instanceof Error ? error.message : String(error);
    if (!(error instanceof GrpcError)) {
      this.logger.log('error', 'internal error in gRPC handler', {
        error: error instanceof Error ? (error.stack ?? message) : message,
      });
    }
    this.respondTrailersOnly(stream, code, message);
  }

  private respondTrailersOnly(stream: http2.ServerHttp2Stream, code: number, message: string): void {
    if (stream.closed || stream.destroyed || stream.headersSent) return;
    stream.respond(
      {
        ':status': 200,
        'content-type': 'application/grpc',
        'grpc-status': String(code),
        'grpc-message': encodeURIComponent(message),
      },
      { endStream: true },
    );
  }
}

/**
 * The DER bytes of a PEM certificate, compared byte for byte with what a client presents. Only the armour and the
 * outer DER SEQUENCE are checked here: a full X.509 parse would load more of OpenSSL before the handshake, and a
 * malformed certificate cannot match any certificate a client presents anyway.
 */
function certificateDer(pem: string): Buffer {
  const body = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem)?.[1];
  const der = body ? Buffer.from(body.replace(/\s+/g, ''), 'base64') : undefined;
  if (!der || der.length < 64 || der[0] !== 0x30) {
    throw new Error(
      'The client certificate (PLUGIN_CLIENT_CERT) is not a PEM X.509 certificate. Terraform sets it when it starts the provider; start the provider through terraform.',
    );
  }
  return der;
}

/** gRPC framing: 1 byte compressed flag, 4 bytes big-endian length, then the message. */
function frame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/**
 * The one message of a unary call. Its length prefix says how big it is, so the bytes are copied once into a buffer
 * of that size as DATA chunks arrive, and each chunk is let go at once: a plan of a 60,000-member list sends
 * messages of several MB, which would otherwise be held twice (the chunks and their concatenation).
 */
class UnaryMessageReader {
  private header = Buffer.alloc(5);
  private headerBytes = 0;
  private body?: Buffer;
  private bodyBytes = 0;
  private extra = 0;

  push(chunk: Buffer): void {
    let offset = 0;
    if (this.headerBytes < 5) {
      const n = Math.min(5 - this.headerBytes, chunk.length);
      chunk.copy(this.header, this.headerBytes, 0, n);
      this.headerBytes += n;
      offset = n;
      if (this.headerBytes < 5) return;
      if (this.header[0] !== 0)
        throw new GrpcError(GrpcStatus.UNIMPLEMENTED, 'compressed gRPC messages are not supported');
      const length = this.header.readUInt32BE(1);
      if (length > MAX_MESSAGE_BYTES)
        throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, `message of ${length} bytes exceeds the limit`);
      this.body = Buffer.allocUnsafe(length);
    }
    const body = this.body!;
    const n = Math.min(body.length - this.bodyBytes, chunk.length - offset);
    chunk.copy(body, this.bodyBytes, offset, offset + n);
    this.bodyBytes += n;
    this.extra += chunk.length - offset - n;
  }

  /** The whole message, once the stream has ended; exactly one complete message is a valid unary request. */
  message(): Buffer {
    if (this.headerBytes === 0) throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, 'expected one request message, got 0');
    if (this.headerBytes < 5 || this.bodyBytes < this.body!.length)
      throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, 'the request message is incomplete');
    if (this.extra > 0)
      throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, 'expected one request message, got more than one');
    return this.body!;
  }
}

/** Collects DATA chunks and splits them into whole gRPC messages (streaming calls). */
class MessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  take(): Buffer[] {
    if (this.buffered < 5) return [];
    let data = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const messages: Buffer[] = [];
    while (data.length >= 5) {
      if (data[0] !== 0) throw new GrpcError(GrpcStatus.UNIMPLEMENTED, 'compressed gRPC messages are not supported');
      const length = data.readUInt32BE(1);
      if (length > MAX_MESSAGE_BYTES)
        throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, `message of ${length} bytes exceeds the limit`);
      if (data.length < 5 + length) break;
      messages.push(data.subarray(5, 5 + length));
      data = data.subarray(5 + length);
    }
    this.chunks = data.length ? [data] : [];
    this.buffered = data.length;
    return messages;
  }
}
