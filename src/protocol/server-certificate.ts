/**
 * A self-signed X.509 certificate for go-plugin's AutoMTLS, made at every provider start.
 *
 * Terraform (the gRPC client) pins exactly this certificate: it arrives base64 in the handshake line and the
 * client checks the name "localhost". ECDSA P-256 with node:crypto and a DER template costs about a
 * millisecond; RSA key generation or an X.509 library would cost 150–600 ms at every start.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

export interface ServerCertificate {
  /** DER bytes of the certificate, for the handshake line. */
  der: Buffer;
  certificatePem: string;
  privateKeyPem: string;
}

// The certificate is DER with all but five fields fixed, so it is assembled from constant pieces rather than
// encoded field by field: that ran ~3 ms of cold JavaScript at every start. The pieces, in ASN.1 terms:
//
//   Certificate ::= SEQUENCE {                                     30 82 <2-byte length>
//     tbsCertificate SEQUENCE {                                    30 82 01 4e (334 bytes, fixed)
//       version [0] INTEGER 2 (v3)                                 a0 03 02 01 02
//       serialNumber INTEGER, 16 random bytes, first byte 0x40–0x7f (positive, minimal): 02 10 <16 bytes>
//       signature AlgorithmIdentifier ecdsa-with-SHA256            30 0a 06 08 2a8648ce3d040302
//       issuer Name O=exoform, CN=localhost                         30 26 ...
//       validity SEQUENCE { notBefore UTCTime, notAfter UTCTime }  30 1e 17 0d <13 chars> 17 0d <13 chars>
//       subject Name (= issuer)
//       subjectPublicKeyInfo: the P-256 key's SPKI (91 bytes)
//       extensions [3] SEQUENCE {                                  a3 5e 30 5c
//         keyUsage critical: digitalSignature, keyAgreement, keyCertSign   (bits 1000 1100, 2 unused)
//         extKeyUsage: serverAuth, clientAuth
//         basicConstraints critical: cA TRUE
//         subjectAltName: DNS localhost, IP 127.0.0.1 } }
//     signatureAlgorithm ecdsa-with-SHA256
//     signature BIT STRING (0 unused bits) <DER ECDSA signature, 70–72 bytes> }
// test/protocol/server-certificate.test.ts parses the result as X.509 and checks each of these fields.

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

const TBS_HEAD = hex('3082014e a003020102 0210');
const ECDSA_WITH_SHA256 = hex('300a 0608 2a8648ce3d040302');
const NAME = hex('3026 3110 300e 0603 55040a 0c07 65786f666f726d 3112 3010 0603 550403 0c09 6c6f63616c686f7374');
const VALIDITY_HEAD = hex('301e 170d');
const UTC_TIME_HEAD = hex('170d');
const EXTENSIONS = hex(
  'a35e 305c' +
    '300e 0603 551d0f 0101ff 0404 0302028c' +
    '301d 0603 551d25 0416 3014 0608 2b06010505070301 0608 2b06010505070302' +
    '300f 0603 551d13 0101ff 0405 3003 0101ff' +
    '301a 0603 551d11 0413 3011 8209 6c6f63616c686f7374 8704 7f000001',
);
const SPKI_LENGTH = 91;
const TBS_LENGTH = 4 + 334;

/**
 * UTCTime's YYMMDDHHMMSSZ (RFC 5280 uses UTCTime through 2049). From the getUTC* fields: the first
 * Date#toISOString in a process costs ~1 ms.
 */
function utcTime(date: Date): Buffer {
  const fields = [
    date.getUTCFullYear() % 100,
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
  ];
  const digits: number[] = [];
  for (const field of fields) digits.push(0x30 + Math.floor(field / 10), 0x30 + (field % 10));
  digits.push(0x5a); // Z
  return Buffer.from(digits);
}

/**
 * Makes the server certificate: CN=localhost, SAN DNS:localhost and IP 127.0.0.1, valid from 30 s ago
 * (tolerates clock skew between the two processes) for one year, usable as both server and client, and
 * marked as a CA so the client may place it directly in its root pool, as go-plugin's own certificates are.
 */
export function createServerCertificate(now: Date = new Date()): ServerCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  if (spki.length !== SPKI_LENGTH) throw new Error(`unexpected P-256 public key encoding (${spki.length} bytes)`);
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x3f) | 0x40;
  const tbsCertificate = Buffer.concat([
    TBS_HEAD,
    serial,
    ECDSA_WITH_SHA256,
    NAME,
    VALIDITY_HEAD,
    utcTime(new Date(now.getTime() - 30_000)),
    UTC_TIME_HEAD,
    utcTime(new Date(now.getTime() + 365 * 24 * 3600_000)),
    NAME,
    spki,
    EXTENSIONS,
  ]);
  if (tbsCertificate.length !== TBS_LENGTH)
    throw new Error(`certificate assembled with ${tbsCertificate.length} bytes instead of ${TBS_LENGTH}`);
  const signature = sign('sha256', tbsCertificate, privateKey);
  const bodyLength = tbsCertificate.length + ECDSA_WITH_SHA256.length + 3 + signature.length;
  const der = Buffer.concat([
    Buffer.from([0x30, 0x82, bodyLength >> 8, bodyLength & 0xff]),
    tbsCertificate,
    ECDSA_WITH_SHA256,
    Buffer.from([0x03, signature.length + 1, 0x00]),
    signature,
  ]);
  return { der, certificatePem: toPem('CERTIFICATE', der), privateKeyPem: exportKey(privateKey) };
}

function exportKey(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Parses a PEM private key; exported for tests that need to act as the TLS client. */
export function parsePrivateKey(pem: string): KeyObject {
  return createPrivateKey(pem);
}
