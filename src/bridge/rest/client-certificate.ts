/**
 * Loads the app's certificate credential from a PFX (PKCS#12) or PEM file into what MSAL needs: the SHA-256
 * thumbprint, the private key as unencrypted PKCS#8 PEM (kept in memory only), and the certificate chain (x5c).
 *
 * node:crypto does the key and certificate work. node-forge is used only to unwrap PKCS#12, which node cannot read,
 * and is loaded on first use so providers that never see a PFX do not pay its load time.
 */

import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigurationError } from '../errors';

export interface LoadedCertificate {
  /** Upper-case hex SHA-256 of the DER certificate, as Entra ID shows it. */
  thumbprintSha256: string;
  /** Unencrypted PKCS#8 PEM. Never logged, never written anywhere. */
  privateKeyPem: string;
  /** PEM of the certificate that matches the key, followed by the rest of the chain found in the file. */
  x5c: string;
  subject: string;
  notAfter: Date;
}

const FIX_PATH =
  'Check `certificate_path`: it must name a readable PFX (.pfx/.p12) or PEM file holding the certificate and its private key.';

export function loadCertificate(
  path: string,
  password: string | undefined,
  nowMs: number = Date.now(),
): LoadedCertificate {
  const content = readCertificateFile(path);
  const { key, certificates } = content.includes('-----BEGIN ')
    ? readPem(path, content.toString('utf8'), password)
    : readPfx(path, content, password);
  return describeCredential(path, key, certificates, nowMs);
}

function readCertificateFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const reasons: Record<string, string> = {
      ENOENT: 'no such file',
      EACCES: 'permission denied',
      EPERM: 'permission denied',
      EISDIR: 'it is a directory',
    };
    const reason = reasons[code] ?? (error as Error).message;
    throw new ConfigurationError(
      `Could not read the certificate file ${JSON.stringify(path)}: ${reason}${code ? ` (${code})` : ''}.`,
      `${FIX_PATH} Relative paths are resolved from the directory Terraform runs in.`,
      ['certificate_path'],
      { cause: error },
    );
  }
}

interface KeyAndCertificates {
  key: KeyObject;
  certificates: X509Certificate[];
}

function readPem(path: string, text: string, password: string | undefined): KeyAndCertificates {
  const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g)];
  const certificates = blocks
    .filter((block) => block[1] === 'CERTIFICATE')
    .map((block) => parseCertificate(path, block[0]));
  const keyBlock = blocks.find((block) => block[1]!.endsWith('PRIVATE KEY'))?.[0];
  if (!keyBlock) {
    throw new ConfigurationError(
      `The PEM file ${JSON.stringify(path)} contains no private key.`,
      'Put the certificate and its private key in the same PEM file (concatenate them), or use a PFX file that includes the key.',
      ['certificate_path'],
    );
  }
  const encrypted =
    keyBlock.startsWith('-----BEGIN ENCRYPTED PRIVATE KEY-----') || /Proc-Type:\s*4,ENCRYPTED/.test(keyBlock);
  if (encrypted && !password) throw passwordRequired(path);
  try {
    return {
      key: createPrivateKey({ key: keyBlock, format: 'pem', passphrase: encrypted ? password : undefined }),
      certificates,
    };
  } catch (error) {
    if (encrypted) throw wrongPassword(path, error);
    throw new ConfigurationError(
      `The private key in ${JSON.stringify(path)} could not be read (${(error as Error).message}).`,
      FIX_PATH,
      ['certificate_path'],
      { cause: error },
    );
  }
}

type Forge = typeof import('node-forge');

function readPfx(path: string, der: Buffer, password: string | undefined): KeyAndCertificates {
  // Loaded here, on first use: forge is large and only PFX files need it.
  const forge = require('node-forge') as Forge;
  let pfx: ReturnType<Forge['pkcs12']['pkcs12FromAsn1']> | undefined;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
    // "No password" is written two ways: a MAC keyed with the empty password (OpenSSL, Windows) or with none at all.
    for (const candidate of password ? [password] : ['', null]) {
      try {
        pfx = withUtf8Pbes2Passwords(forge, () => forge.pkcs12.pkcs12FromAsn1(asn1, false, candidate as string));
        break;
      } catch (error) {
        if (!/MAC could not be verified|invalid password/i.test((error as Error).message)) throw error;
      }
    }
  } catch (error) {
    throw new ConfigurationError(
      `The file ${JSON.stringify(path)} is neither a PEM file nor a PFX (PKCS#12) file that can be read (${(error as Error).message}).`,
      `${FIX_PATH} A PFX can be converted to PEM with: openssl pkcs12 -in cert.pfx -out cert.pem -nodes`,
      ['certificate_path'],
      { cause: error },
    );
  }
  if (!pfx) throw password ? wrongPassword(path) : passwordRequired(path);

  const bags = (type: string) => pfx.getBags({ bagType: type })[type] ?? [];
  const certificates = bags(forge.pki.oids.certBag!).map((bag) => {
    // forge decodes RSA certificates only; for others it keeps the raw ASN.1, which node reads fine.
    const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
    return parseCertificate(path, Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary'));
  });
  const keyBag = [...bags(forge.pki.oids.pkcs8ShroudedKeyBag!), ...bags(forge.pki.oids.keyBag!)][0];
  if (!keyBag) {
    throw new ConfigurationError(
      `The PFX file ${JSON.stringify(path)} contains no private key.`,
      'Export the certificate again including its private key (in Windows: "Yes, export the private key").',
      ['certificate_path'],
    );
  }
  const keyInfo = keyBag.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(keyBag.key)) : keyBag.asn1;
  const key = createPrivateKey({
    key: Buffer.from(forge.asn1.toDer(keyInfo).getBytes(), 'binary'),
    format: 'der',
    type: 'pkcs8',
  });
  return { key, certificates };
}

function parseCertificate(path: string, source: string | Buffer): X509Certificate {
  try {
    return new X509Certificate(source);
  } catch (error) {
    throw new ConfigurationError(
      `A certificate in ${JSON.stringify(path)} could not be parsed (${(error as Error).message}).`,
      FIX_PATH,
      ['certificate_path'],
      { cause: error },
    );
  }
}

function describeCredential(
  path: string,
  key: KeyObject,
  certificates: X509Certificate[],
  nowMs: number,
): LoadedCertificate {
  const shown = JSON.stringify(path);
  const leaf = certificates.find((certificate) => certificate.checkPrivateKey(key));
  if (!leaf) {
    throw new ConfigurationError(
      certificates.length === 0
        ? `The file ${shown} contains a private key but no certificate.`
        : `The private key in ${shown} does not belong to any certificate in the file.`,
      'Use a file holding the certificate registered on the app together with its own private key.',
      ['certificate_path'],
    );
  }
  // MSAL signs the client assertion with PS256 (RSA-PSS), so Entra ID certificate credentials must be RSA.
  if (key.asymmetricKeyType !== 'rsa') {
    throw new ConfigurationError(
      `The key in ${shown} is ${key.asymmetricKeyType?.toUpperCase() ?? 'of an unknown type'}; certificate credentials need an RSA key.`,
      'Create an RSA certificate (2048 bits or more), upload it to the app registration, and point `certificate_path` at it.',
      ['certificate_path'],
    );
  }
  const notAfter = new Date(leaf.validTo);
  const thumbprintSha256 = createHash('sha256').update(leaf.raw).digest('hex').toUpperCase();
  if (notAfter.getTime() < nowMs) {
    throw new ConfigurationError(
      `The certificate in ${shown} (SHA-256 thumbprint ${thumbprintSha256}) expired on ${notAfter.toISOString()}; Microsoft Entra ID will refuse it.`,
      'Create a new certificate, upload it to the app registration, and point `certificate_path` at it.',
      ['certificate_path'],
    );
  }
  const chain = [leaf, ...certificates.filter((certificate) => certificate !== leaf)];
  return {
    thumbprintSha256,
    privateKeyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    x5c: chain.map((certificate) => certificate.toString()).join(''),
    subject: leaf.subject,
    notAfter,
  };
}

/**
 * AES-protected PFX files (OpenSSL 3 and current Windows defaults) derive their key with PBKDF2 from the UTF-8 bytes
 * of the password, while forge feeds PBKDF2 the string's UTF-16 code units truncated to bytes: identical for ASCII,
 * wrong for anything else. Swap in UTF-8 for the duration of one synchronous parse (forge is not used elsewhere).
 */
function withUtf8Pbes2Passwords<T>(forge: Forge, parse: () => T): T {
  const pbe = (forge.pki as unknown as { pbe: unknown }).pbe as {
    getCipherForPBES2: (oid: string, params: unknown, password: string) => unknown;
  };
  const original = pbe.getCipherForPBES2;
  pbe.getCipherForPBES2 = (oid, params, password) => original(oid, params, forge.util.encodeUtf8(password));
  try {
    return parse();
  } finally {
    pbe.getCipherForPBES2 = original;
  }
}

function passwordRequired(path: string): ConfigurationError {
  return new ConfigurationError(
    `The certificate file ${JSON.stringify(path)} is password-protected and no password was given.`,
    'Set `certificate_password` to the password the file was exported with.',
    ['certificate_password'],
  );
}

function wrongPassword(path: string, cause?: unknown): ConfigurationError {
  return new ConfigurationError(
    `The \`certificate_password\` does not open ${JSON.stringify(path)}.`,
    'Set `certificate_password` to the password the file was exported with.',
    ['certificate_password'],
    cause === undefined ? undefined : { cause },
  );
}
