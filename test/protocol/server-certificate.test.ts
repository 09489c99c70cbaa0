/**
 * The AutoMTLS certificate made at every start: parsed by an independent X.509 implementation (node:crypto's
 * OpenSSL), and used for a real TLS handshake in which the client trusts only this certificate, as Terraform does.
 */
import { X509Certificate } from 'node:crypto';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { createServerCertificate, parsePrivateKey, toPem } from '../../src/protocol/server-certificate';

const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const DAY_MS = 24 * 3600_000;

describe('createServerCertificate', () => {
  const now = new Date();
  const certificate = createServerCertificate(now);
  const x509 = new X509Certificate(certificate.der);

  test('is for localhost: CN and SAN (DNS:localhost, IP 127.0.0.1), with matching issuer', () => {
    expect(x509.subject.split('\n')).toContain('CN=localhost');
    expect(x509.subjectAltName).toContain('DNS:localhost');
    expect(x509.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(x509.checkHost('localhost')).toBe('localhost');
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x509.issuer).toBe(x509.subject);
  });

  test('is a CA, so a client can put it straight into its root pool', () => {
    expect(x509.ca).toBe(true);
  });

  test('is usable for both server and client authentication', () => {
    expect(x509.keyUsage).toEqual(expect.arrayContaining([OID_SERVER_AUTH, OID_CLIENT_AUTH]));
  });

  test('is self-signed: its signature verifies with its own public key, and the key pair matches', () => {
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(x509.checkIssued(x509)).toBe(true);
    expect(x509.checkPrivateKey(parsePrivateKey(certificate.privateKeyPem))).toBe(true);
    expect(x509.publicKey.asymmetricKeyType).toBe('ec');
    expect(x509.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  test('is valid from at least 30 s in the past (clock skew) for about one year', () => {
    const from = new Date(x509.validFrom).getTime();
    const to = new Date(x509.validTo).getTime();
    // UTCTime has whole seconds; allow the truncation.
    expect(now.getTime() - from).toBeGreaterThanOrEqual(30_000);
    expect(now.getTime() - from).toBeLessThan(32_000);
    expect(to - from).toBeGreaterThanOrEqual(364 * DAY_MS);
    expect(to - from).toBeLessThanOrEqual(367 * DAY_MS);
    expect(from).toBeLessThan(Date.now());
    expect(to).toBeGreaterThan(Date.now());
  });

  test('has a fresh positive serial and a fresh key at every call', () => {
    const serials = new Set<string>();
    const keys = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const next = createServerCertificate();
      const parsed = new X509Certificate(next.der);
      serials.add(parsed.serialNumber);
      keys.add(next.privateKeyPem);
      expect(parsed.serialNumber).toMatch(/^[0-9A-F]+$/);
    }
    expect(serials.size).toBe(20);
    expect(keys.size).toBe(20);
  });

  test('the PEM holds exactly the DER bytes (64-column lines), and parses to the same certificate', () => {
    expect(certificate.certificatePem).toBe(toPem('CERTIFICATE', certificate.der));
    const body = certificate.certificatePem.split('\n').filter((line) => line && !line.startsWith('-----'));
    expect(body.slice(0, -1).every((line) => line.length === 64)).toBe(true);
    expect(Buffer.from(body.join(''), 'base64')).toEqual(certificate.der);
    const fromPem = new X509Certificate(certificate.certificatePem);
    expect(fromPem.raw).toEqual(certificate.der);
    expect(fromPem.fingerprint256).toBe(x509.fingerprint256);
  });
});

describe('a TLS handshake with the certificate', () => {
  test('an http2 server with it accepts a client that trusts only it, checking the name localhost', async () => {
    const server = createServerCertificate();
    const client = createServerCertificate();
    const http2Server = http2.createSecureServer({
      key: server.privateKeyPem,
      cert: server.certificatePem,
      ca: [client.certificatePem],
      requestCert: true,
      rejectUnauthorized: true,
    });
    http2Server.on('stream', (stream) => {
      const socket = stream.session?.socket as import('node:tls').TLSSocket | undefined;
      const peer = socket?.getPeerCertificate();
      stream.respond({ ':status': 200 });
      stream.end(peer?.fingerprint256 ?? 'none');
    });
    await new Promise<void>((resolve) => http2Server.listen(0, '127.0.0.1', resolve));
    const port = (http2Server.address() as AddressInfo).port;
    const session = http2.connect(`https://127.0.0.1:${port}`, {
      ca: [server.certificatePem],
      cert: client.certificatePem,
      key: client.privateKeyPem,
      servername: 'localhost',
    });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no response within 5 s')), 5_000);
        session.on('error', reject);
        const request = session.request({ ':path': '/' });
        let text = '';
        request.setEncoding('utf8');
        request.on('data', (chunk: string) => (text += chunk));
        request.on('end', () => {
          clearTimeout(timer);
          resolve(text);
        });
        request.on('error', reject);
        request.end();
      });
      // The server saw the client's certificate, so mutual TLS really happened.
      expect(body).toBe(new X509Certificate(client.certificatePem).fingerprint256);
    } finally {
      session.destroy();
      await new Promise<void>((resolve) => http2Server.close(() => resolve()));
    }
  });

  test('a client that trusts only it refuses another name than localhost', async () => {
    const server = createServerCertificate();
    const http2Server = http2.createSecureServer({ key: server.privateKeyPem, cert: server.certificatePem });
    await new Promise<void>((resolve) => http2Server.listen(0, '127.0.0.1', resolve));
    const port = (http2Server.address() as AddressInfo).port;
    const session = http2.connect(`https://127.0.0.1:${port}`, {
      ca: [server.certificatePem],
      servername: 'example.com',
    });
    try {
      const error = await new Promise<Error>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('neither connected nor failed within 5 s')), 5_000);
        session.on('error', (e) => {
          clearTimeout(timer);
          resolve(e);
        });
        session.on('connect', () => {
          clearTimeout(timer);
          reject(new Error('connected although the name does not match'));
        });
      });
      expect((error as NodeJS.ErrnoException).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    } finally {
      session.destroy();
      await new Promise<void>((resolve) => http2Server.close(() => resolve()));
    }
  });
});
