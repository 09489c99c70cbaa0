import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../../../src/bridge/errors';
import { loadCertificate } from '../../../src/bridge/rest/client-certificate';
import { makeCertificate, writeTemp, type TestCertificate } from '../helpers/certificates';

// These tests need the openssl command (present on the project's machines); without it they fail rather than skip.
const itWithOpenssl = it;

const PASSWORD = 'P@ss;word "quoted" `$(x)` 🔑';
/** forge writes AES PFX files with non-standard password bytes for non-ASCII characters, so its files get ASCII ones. */
const ASCII_PASSWORD = 'Pfx-P@ss;word "quoted" `$(x)`';

describe('loadCertificate', () => {
  let certificate: TestCertificate;

  beforeAll(() => {
    certificate = makeCertificate();
  });

  const expectLoaded = (path: string, password?: string) => {
    const loaded = loadCertificate(path, password);
    expect(loaded.thumbprintSha256).toBe(certificate.thumbprintSha256);
    expect(loaded.thumbprintSha256).toMatch(/^[0-9A-F]{64}$/);
    expect(loaded.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    // The same key, now unencrypted PKCS#8.
    expect(createPrivateKey(loaded.privateKeyPem).export({ type: 'pkcs8', format: 'der' })).toEqual(
      createPrivateKey(certificate.keyPem).export({ type: 'pkcs8', format: 'der' }),
    );
    expect(new X509Certificate(loaded.x5c).fingerprint256).toBe(
      new X509Certificate(certificate.certPem).fingerprint256,
    );
    expect(loaded.subject).toBe('CN=exoform test app');
    return loaded;
  };

  describe('PEM', () => {
    it('reads certificate + unencrypted key, in either order', () => {
      expectLoaded(writeTemp('app.pem', certificate.certPem + certificate.keyPem));
      expectLoaded(writeTemp('app.pem', certificate.keyPem + '\n' + certificate.certPem));
    });

    it('reads an encrypted PKCS#8 key with its password', () => {
      expectLoaded(writeTemp('app.pem', certificate.certPem + certificate.encryptedKeyPem(PASSWORD)), PASSWORD);
    });

    it('reads a legacy encrypted PKCS#1 key (Proc-Type: 4,ENCRYPTED)', () => {
      const legacy = createPrivateKey(certificate.keyPem)
        .export({ type: 'pkcs1', format: 'pem', cipher: 'aes-128-cbc', passphrase: PASSWORD })
        .toString();
      expect(legacy).toContain('Proc-Type: 4,ENCRYPTED');
      expectLoaded(writeTemp('app.pem', certificate.certPem + legacy), PASSWORD);
    });

    it('asks for certificate_password when the key is encrypted and none was given', () => {
      const error = errorOf(() =>
        loadCertificate(writeTemp('app.pem', certificate.certPem + certificate.encryptedKeyPem(PASSWORD)), undefined),
      );
      expect(error.attributes).toEqual(['certificate_password']);
      expect(error.message).toContain('password-protected');
    });

    it('says the password is wrong without showing it', () => {
      const error = errorOf(() =>
        loadCertificate(
          writeTemp('app.pem', certificate.certPem + certificate.encryptedKeyPem(PASSWORD)),
          'not-the-password',
        ),
      );
      expect(error.attributes).toEqual(['certificate_password']);
      expect(error.message).toContain('does not open');
      expect(`${error.message} ${error.remedy}`).not.toContain('not-the-password');
    });

    it('explains a file with no private key', () => {
      const error = errorOf(() => loadCertificate(writeTemp('cert-only.pem', certificate.certPem), undefined));
      expect(error.attributes).toEqual(['certificate_path']);
      expect(error.message).toContain('contains no private key');
      expect(error.remedy).toMatch(/certificate and its private key/);
    });

    it('explains a key with no certificate, and a key that belongs to another certificate', () => {
      expect(errorOf(() => loadCertificate(writeTemp('key.pem', certificate.keyPem), undefined)).message).toContain(
        'no certificate',
      );
      const other = makeCertificate();
      expect(
        errorOf(() => loadCertificate(writeTemp('mixed.pem', other.certPem + certificate.keyPem), undefined)).message,
      ).toContain('does not belong');
    });

    it('puts the matching certificate first in x5c, followed by the rest of the chain', () => {
      const ca = makeCertificate({ commonName: 'some CA' });
      const loaded = loadCertificate(
        writeTemp('chain.pem', ca.certPem + certificate.certPem + certificate.keyPem),
        undefined,
      );
      expect(loaded.thumbprintSha256).toBe(certificate.thumbprintSha256);
      const pems = loaded.x5c.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
      expect(pems.map((pem) => new X509Certificate(pem).subject)).toEqual(['CN=exoform test app', 'CN=some CA']);
    });

    it('refuses an expired certificate, naming its thumbprint and expiry', () => {
      const expired = makeCertificate({
        notBefore: new Date(Date.UTC(2020, 0, 1)),
        notAfter: new Date(Date.UTC(2021, 0, 1)),
      });
      const error = errorOf(() => loadCertificate(writeTemp('old.pem', expired.certPem + expired.keyPem), undefined));
      expect(error.message).toContain('expired on 2021-01-01');
      expect(error.message).toContain(expired.thumbprintSha256);
    });

    itWithOpenssl('refuses a non-RSA key: Entra certificate assertions are RSA', () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const certPem = opensslSelfSigned(keyPem);
      const error = errorOf(() => loadCertificate(writeTemp('ec.pem', certPem + keyPem), undefined));
      expect(error.message).toContain('EC');
      expect(error.remedy).toContain('RSA');
    });
  });

  describe('PFX', () => {
    it.each(['aes256', '3des'] as const)('reads a password-protected PFX (%s)', (algorithm) => {
      expectLoaded(writeTemp('app.pfx', certificate.pfx(ASCII_PASSWORD, algorithm)), ASCII_PASSWORD);
    });

    it('reads an unprotected PFX with no password', () => {
      expectLoaded(writeTemp('app.pfx', certificate.pfx(null)), undefined);
    });

    it('says the password is wrong, or missing, without showing it', () => {
      const path = writeTemp('app.pfx', certificate.pfx(ASCII_PASSWORD));
      const wrong = errorOf(() => loadCertificate(path, 'hunter2-wrong'));
      expect(wrong.attributes).toEqual(['certificate_password']);
      expect(wrong.message).toContain('does not open');
      expect(`${wrong.message} ${wrong.remedy}`).not.toContain('hunter2-wrong');
      const missing = errorOf(() => loadCertificate(path, undefined));
      expect(missing.message).toContain('password-protected');
    });

    itWithOpenssl(
      'reads a PFX exported by OpenSSL 3 with its defaults (AES-256, PBKDF2, SHA-256 MAC) and a non-ASCII password',
      () => {
        const dir = mkdtempSync(join(tmpdir(), 'exoform-openssl-'));
        const pem = writeTemp('in.pem', certificate.certPem + certificate.keyPem);
        const pfx = join(dir, 'openssl.pfx');
        expect(runOpenssl(['pkcs12', '-export', '-in', pem, '-out', pfx, '-passout', `pass:${PASSWORD}`])).toBe(true);
        expectLoaded(pfx, PASSWORD);
      },
    );
  });

  describe('unreadable files', () => {
    it('names the path, the OS reason and the fix for a missing file', () => {
      const path = join(tmpdir(), 'exoform-does-not-exist', 'app.pfx');
      const error = errorOf(() => loadCertificate(path, undefined));
      expect(error.attributes).toEqual(['certificate_path']);
      expect(error.message).toBe(`Could not read the certificate file ${JSON.stringify(path)}: no such file (ENOENT).`);
      expect(error.remedy).toContain('`certificate_path`');
    });

    it('explains a directory', () => {
      expect(errorOf(() => loadCertificate(tmpdir(), undefined)).message).toContain('it is a directory (EISDIR)');
    });

    // Tests run as root, who may read any file, so a directory stands in for a file that cannot be read.
    it('explains a path it cannot read as a file', () => {
      const path = mkdtempSync(join(tmpdir(), 'exoform-cert-dir-'));
      const error = errorOf(() => loadCertificate(path, undefined));
      expect(error.message).toContain(path);
      expect(error.message).toContain('it is a directory (EISDIR)');
    });

    it('explains a file that is neither PEM nor PFX', () => {
      const error = errorOf(() =>
        loadCertificate(writeTemp('notes.txt', 'just some text, not a certificate'), 'secret-pass'),
      );
      expect(error.message).toContain('neither a PEM file nor a PFX');
      expect(error.remedy).toContain('openssl pkcs12');
      expect(error.message).not.toContain('secret-pass');
    });
  });
});

function errorOf(action: () => unknown): ConfigurationError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError');
}

function runOpenssl(args: string[]): boolean {
  try {
    execFileSync('openssl', args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function opensslSelfSigned(keyPem: string): string {
  const out = join(mkdtempSync(join(tmpdir(), 'exoform-openssl-')), 'ec.crt');
  expect(
    runOpenssl(['req', '-x509', '-key', writeTemp('ec.key', keyPem), '-out', out, '-subj', '/CN=ec', '-days', '2']),
  ).toBe(true);
  return readFileSync(out, 'utf8');
}
