/**
 * go-plugin's handshake: the provider refuses to run unless Terraform started it (magic cookie, protocol 6
 * offered, a client certificate for AutoMTLS), and its first stdout line is exactly what go-plugin parses.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { providerExecutable } from '../../scripts/package';
import { createServerCertificate } from '../../src/protocol/server-certificate';
import {
  HandshakeError,
  MAGIC_COOKIE_KEY,
  MAGIC_COOKIE_VALUE,
  formatHandshakeLine,
  readHandshakeEnvironment,
} from '../../src/protocol/handshake';
import {
  childBaseEnvironment,
  createClientIdentity,
  parseHandshakeLine,
  pluginEnvironment,
  runProcess,
  startInProcessProvider,
} from '../support/plugin-client';

const clientPem = createClientIdentity().certificatePem;
const terraformEnv = (overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({
  [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE,
  PLUGIN_PROTOCOL_VERSIONS: '5,6',
  PLUGIN_CLIENT_CERT: clientPem,
  ...overrides,
});

/** The HandshakeError thrown for an environment, or a failure if none was thrown. */
function refusal(env: NodeJS.ProcessEnv): HandshakeError {
  try {
    readHandshakeEnvironment(env);
  } catch (error) {
    expect(error).toBeInstanceOf(HandshakeError);
    return error as HandshakeError;
  }
  throw new Error('readHandshakeEnvironment accepted the environment');
}

describe('readHandshakeEnvironment', () => {
  test('accepts what Terraform sets and returns the client certificate', () => {
    expect(readHandshakeEnvironment(terraformEnv())).toEqual({ clientCertificatePem: clientPem });
  });

  test('without the magic cookie it refuses, saying it is a Terraform plugin', () => {
    const error = refusal(terraformEnv({ [MAGIC_COOKIE_KEY]: undefined }));
    expect(error.message).toMatch(/Terraform plugin/);
    expect(error.message).toMatch(/not meant to be run directly/);
  });

  test('a wrong cookie value is refused like a missing one', () => {
    expect(refusal(terraformEnv({ [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE.slice(1) })).message).toMatch(
      /Terraform plugin/,
    );
  });

  test('a protocol list without 6 is refused, naming what was offered', () => {
    const error = refusal(terraformEnv({ PLUGIN_PROTOCOL_VERSIONS: '4,5' }));
    expect(error.message).toMatch(/protocol 6/);
    expect(error.message).toContain('4,5');
  });

  test('6 anywhere in the list (with spaces) is accepted; an absent list means protocol 6', () => {
    expect(() => readHandshakeEnvironment(terraformEnv({ PLUGIN_PROTOCOL_VERSIONS: '5, 6' }))).not.toThrow();
    expect(() => readHandshakeEnvironment(terraformEnv({ PLUGIN_PROTOCOL_VERSIONS: '6' }))).not.toThrow();
    expect(() => readHandshakeEnvironment(terraformEnv({ PLUGIN_PROTOCOL_VERSIONS: undefined }))).not.toThrow();
  });

  test('PLUGIN_CLIENT_CERT is required (missing or empty)', () => {
    expect(refusal(terraformEnv({ PLUGIN_CLIENT_CERT: undefined })).message).toMatch(/PLUGIN_CLIENT_CERT is not set/);
    expect(refusal(terraformEnv({ PLUGIN_CLIENT_CERT: '' })).message).toMatch(/PLUGIN_CLIENT_CERT is not set/);
  });
});

describe('formatHandshakeLine', () => {
  const HANDSHAKE = /^1\|6\|tcp\|127\.0\.0\.1:(\d+)\|grpc\|([A-Za-z0-9+/]+)$/;

  test('is 1|6|tcp|address|grpc|base64 DER without padding', () => {
    // Lengths 1, 2 and 3 mod 3 cover base64 with two, one and no '=' of padding.
    for (const der of [Buffer.from([1]), Buffer.from([1, 2]), Buffer.from([1, 2, 3]), Buffer.from([0xfb, 0xff])]) {
      const line = formatHandshakeLine({ network: 'tcp', address: '127.0.0.1:1234' }, der);
      expect(line).toMatch(HANDSHAKE);
      expect(line).not.toContain('=');
      expect(Buffer.from(line.split('|')[5], 'base64')).toEqual(der);
    }
  });

  test('a real certificate round-trips through the line', () => {
    const certificate = createServerCertificate();
    const line = formatHandshakeLine({ network: 'tcp', address: '127.0.0.1:40000' }, certificate.der);
    const parsed = parseHandshakeLine(line);
    expect(parsed).toMatchObject({
      coreVersion: 1,
      protocolVersion: 6,
      network: 'tcp',
      address: '127.0.0.1:40000',
      protocol: 'grpc',
    });
    expect(parsed.serverCertificateDer).toEqual(certificate.der);
    expect(new X509Certificate(parsed.serverCertificateDer).fingerprint256).toBe(
      new X509Certificate(certificate.certificatePem).fingerprint256,
    );
  });

  test('serveProvider writes exactly one such line for the port it listens on, with its own certificate', async () => {
    const running = await startInProcessProvider();
    try {
      const match = HANDSHAKE.exec(running.handshakeLine);
      expect(match).not.toBeNull();
      expect(running.handshakeLine).not.toContain('\n');
      expect(`127.0.0.1:${match![1]}`).toBe(running.provider.address);
      const certificate = new X509Certificate(running.handshake.serverCertificateDer);
      expect(certificate.subject).toContain('CN=localhost');
      // The client connected by trusting only this certificate, so the line names the one the server uses.
      await expect(running.client.unary('/tfplugin6.Provider/GetMetadata')).resolves.toBeDefined();
    } finally {
      await running.stop();
    }
  });
});

describe('the packaged provider executable', () => {
  const executable = providerExecutable();

  test('exists (built by jest globalSetup)', () => {
    expect(existsSync(executable)).toBe(true);
  });

  test('run without the magic cookie: exit code 1, the explanation on stderr, nothing on stdout', async () => {
    const result = await runProcess(executable, [], { env: childBaseEnvironment() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/This program is a Terraform plugin/);
    expect(result.stderr).toMatch(/not meant to be run directly/);
    expect(result.stdout).toBe('');
  });

  test('offered only protocol 5: exit code 1, nothing on stdout', async () => {
    const env = {
      ...childBaseEnvironment(),
      ...pluginEnvironment(createClientIdentity()),
      PLUGIN_PROTOCOL_VERSIONS: '5',
    };
    const result = await runProcess(executable, [], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/speaks plugin protocol 6/);
    expect(result.stdout).toBe('');
  });
});
