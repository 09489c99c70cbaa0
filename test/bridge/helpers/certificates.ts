/**
 * Real self-signed certificates for tests: node:crypto makes the RSA key (fast), node-forge builds and signs the
 * X.509 certificate and the PKCS#12 file (node:crypto can do neither).
 */
import { generateKeyPairSync, X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as forge from 'node-forge';

export interface TestCertificate {
  certPem: string;
  /** Unencrypted PKCS#8. */
  keyPem: string;
  /** SHA-256 of the DER certificate, upper-case hex without separators (what Entra ID shows). */
  thumbprintSha256: string;
  encryptedKeyPem(passphrase: string): string;
  /** A PKCS#12 file; `null` password makes an unprotected one. */
  pfx(password: string | null, algorithm?: '3des' | 'aes256'): Buffer;
}

export function makeCertificate(
  options: { notBefore?: Date; notAfter?: Date; commonName?: string } = {},
): TestCertificate {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  cert.serialNumber = '01';
  cert.validity.notBefore = options.notBefore ?? new Date(Date.UTC(2025, 0, 1));
  cert.validity.notAfter = options.notAfter ?? new Date(Date.UTC(2035, 0, 1));
  const name = [{ name: 'commonName', value: options.commonName ?? 'exoform test app' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.sign(forgeKey, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  return {
    certPem,
    keyPem,
    thumbprintSha256: new X509Certificate(certPem).fingerprint256.replace(/:/g, ''),
    encryptedKeyPem: (passphrase) =>
      createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }).toString(),
    pfx: (password, algorithm = 'aes256') => {
      const asn1 = forge.pkcs12.toPkcs12Asn1(forgeKey, [cert], password, { algorithm, generateLocalKeyId: true });
      return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
    },
  };
}

/** Writes `content` to a new file in a fresh temporary directory and returns its path. */
export function writeTemp(name: string, content: string | Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), 'exoform-test-')), name);
  writeFileSync(path, content);
  return path;
}
