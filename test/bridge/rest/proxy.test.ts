/**
 * HTTPS_PROXY / HTTP_PROXY / NO_PROXY through a real CONNECT proxy on loopback: the REST bridge reaches the emulator
 * through the tunnel, NO_PROXY bypasses it, TLS runs end to end through it (the proxy relays bytes it cannot read),
 * proxy credentials go in Proxy-Authorization, and a refusal is a clear error.
 */
import { once } from 'node:events';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { connect, type Socket } from 'node:net';
import { createRestBridge } from '../../../src/bridge/rest/create-rest-bridge';
import { bypassesProxy, createProxyAgent, proxyUrlFor } from '../../../src/bridge/rest/proxy';
import { createServerCertificate } from '../../../src/protocol/server-certificate';
import { DEMO_TENANT, startTestEmulator } from '../../support/emulator';

interface Tunnel {
  target: string;
  proxyAuthorization?: string;
}

/** A minimal CONNECT proxy: records each tunnel, optionally demands credentials. */
async function startProxy(
  requiredAuthorization?: string,
): Promise<{ url: string; tunnels: Tunnel[]; close(): Promise<void> }> {
  const tunnels: Tunnel[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createHttpServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    tunnels.push({ target: req.url ?? '', proxyAuthorization: req.headers['proxy-authorization'] });
    if (requiredAuthorization && req.headers['proxy-authorization'] !== requiredAuthorization) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host!, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    tunnels,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'];

describe('proxy support', () => {
  const saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    for (const name of PROXY_VARIABLES) {
      saved[name] = process.env[name];
      delete process.env[name];
    }
  });
  afterEach(() => {
    for (const name of PROXY_VARIABLES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  test('the REST bridge reaches the emulator through HTTP_PROXY, and directly when NO_PROXY names it', async () => {
    const emulator = await startTestEmulator();
    const proxy = await startProxy();
    const call = async (): Promise<void> => {
      const bridge = createRestBridge({
        organization: DEMO_TENANT,
        accessToken: emulator.token,
        endpoint: emulator.url,
      });
      try {
        const result = await bridge.invoke('Get-TransportConfig', {});
        expect(result.rows).toHaveLength(1);
      } finally {
        await bridge.close();
      }
    };
    try {
      const target = new URL(emulator.url).host;
      process.env.HTTP_PROXY = proxy.url;
      await call();
      expect(proxy.tunnels.map((t) => t.target)).toEqual([target]);
      process.env.NO_PROXY = `example.com, ${target}`;
      await call();
      expect(proxy.tunnels).toHaveLength(1); // the second call went direct
    } finally {
      await proxy.close();
      await emulator.stop();
    }
  });

  test('https goes through a CONNECT tunnel with TLS end to end, and proxy credentials are sent', async () => {
    const certificate = createServerCertificate();
    const server = createHttpsServer({ cert: certificate.certificatePem, key: certificate.privateKeyPem }, (req, res) =>
      res.end(`secure ${req.url}`),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const authorization = `Basic ${Buffer.from('svc-exo:p@ss word').toString('base64')}`;
    const proxy = await startProxy(authorization);
    try {
      const proxyUrl = new URL(proxy.url);
      const environment = { HTTPS_PROXY: `http://svc-exo:${encodeURIComponent('p@ss word')}@${proxyUrl.host}` };
      const agent = createProxyAgent('https:', environment, { ca: certificate.certificatePem });
      const body = await new Promise<string>((resolve, reject) => {
        httpsRequest(`https://localhost:${port}/adminapi`, { agent }, (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve(text));
        })
          .on('error', reject)
          .end();
      });
      agent.destroy();
      expect(body).toBe('secure /adminapi');
      expect(proxy.tunnels).toEqual([{ target: `localhost:${port}`, proxyAuthorization: authorization }]);

      // Wrong credentials: a 407 becomes an error that says what to do and does not echo the password.
      const refused = createProxyAgent(
        'https:',
        { HTTPS_PROXY: `http://svc-exo:wrong@${proxyUrl.host}` },
        { ca: certificate.certificatePem },
      );
      const error = await new Promise<Error>((resolve) => {
        httpsRequest(`https://localhost:${port}/`, { agent: refused }, () => resolve(new Error('unexpected response')))
          .on('error', resolve)
          .end();
      });
      refused.destroy();
      expect(error.message).toContain('HTTP 407');
      expect(error.message).toContain('proxy authentication required');
      expect(error.message).not.toContain('wrong');
    } finally {
      await proxy.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('proxy variables: which applies to which URL, NO_PROXY matching, and bad values', () => {
    expect(proxyUrlFor('https:', { HTTPS_PROXY: 'proxy.corp:3128' })?.href).toBe('http://proxy.corp:3128/');
    expect(proxyUrlFor('https:', { https_proxy: 'http://proxy.corp:8080' })?.port).toBe('8080');
    expect(proxyUrlFor('http:', { HTTPS_PROXY: 'http://proxy.corp:3128' })).toBeUndefined();
    expect(() => proxyUrlFor('https:', { HTTPS_PROXY: 'socks5://proxy.corp:1080' })).toThrow(
      /HTTPS_PROXY uses socks5.*http:\/\//,
    );
    const env = { NO_PROXY: '.internal.contoso.com, login.microsoftonline.com,10.0.0.5 localhost:8080' };
    expect(bypassesProxy('api.internal.contoso.com', 443, env)).toBe(true);
    expect(bypassesProxy('login.microsoftonline.com', 443, env)).toBe(true);
    expect(bypassesProxy('outlook.office365.com', 443, env)).toBe(false);
    expect(bypassesProxy('10.0.0.5', 443, env)).toBe(true);
    expect(bypassesProxy('localhost', 8080, env)).toBe(true);
    expect(bypassesProxy('localhost', 9090, env)).toBe(false);
    expect(bypassesProxy('anything', 1, { no_proxy: '*' })).toBe(true);
  });

  test('with no proxy variable for the protocol, the agent connects directly', async () => {
    const server = createHttpServer((_req, res) => res.end('direct'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const agent = createProxyAgent('http:', {});
      const body = await new Promise<string>((resolve, reject) => {
        httpRequest(`http://127.0.0.1:${(server.address() as { port: number }).port}/`, { agent }, (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve(text));
        })
          .on('error', reject)
          .end();
      });
      agent.destroy();
      expect(body).toBe('direct');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
