/**
 * The emulator authenticates and checks the declared size before reading a body, and its server times out half-sent
 * and idle requests. Raw sockets: the client sends headers and never the body, so an answer proves nothing was read.
 */
import { connect } from 'node:net';
import { createServer } from 'node:http';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import {
  applyTimeouts,
  HEADERS_TIMEOUT_MS,
  IDLE_SOCKET_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS,
} from '../../src/emulator/hardening';

const TOKEN = 'hardening-test-token';

/** Sends `head` (request line and headers) and no body; resolves with everything the server wrote until it closed. */
function headersOnly(emulator: RunningEmulator, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(emulator.port, emulator.host, () => socket.write(head));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('emulator hardening', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startEmulator({ token: TOKEN });
  });
  afterAll(async () => {
    await emulator.close();
  });

  test('a wrong token is refused before the (never sent) body is read, and the connection is closed', async () => {
    const answer = await headersOnly(
      emulator,
      'POST /adminapi/beta/contoso.onmicrosoft.com/InvokeCommand HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 401/);
    expect(answer.toLowerCase()).toContain('connection: close');
  });

  test('a declared body over 10 MiB is refused with 413 before it is read', async () => {
    const answer = await headersOnly(
      emulator,
      `POST /adminapi/beta/contoso.onmicrosoft.com/InvokeCommand HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${20 * 1024 * 1024}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
  });

  test('half-sent and idle requests time out (the server settings, and a half-sent request on a short timeout)', async () => {
    const server = createServer({ connectionsCheckingInterval: 50 }, () => undefined);
    applyTimeouts(server);
    expect([server.requestTimeout, server.headersTimeout, server.timeout]).toEqual([
      REQUEST_TIMEOUT_MS,
      HEADERS_TIMEOUT_MS,
      IDLE_SOCKET_TIMEOUT_MS,
    ]);
    // The same mechanism with a short bound: Node answers 408 and closes a request whose body never completes.
    server.requestTimeout = 300;
    server.headersTimeout = 200;
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as { port: number }).port;
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () =>
        socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf'),
      );
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString('utf8')));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    server.close();
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });
});
