/**
 * The emulator's bearer tokens. It accepts the token it was started with (an opaque string), and also JWT-shaped
 * tokens signed with that token as an HMAC-SHA256 key, so tests (and `exoform doctor`'s tests) can present tokens with
 * real claims: `tid`, `aud`, `roles`, `exp`. The real service checks an Entra ID signature instead; what it answers for
 * an expired token or a token of another tenant is modelled as 401 with `WWW-Authenticate: Bearer error="invalid_token"`
 * (the OAuth 2.0 bearer-token RFC 6750 form; the exact Exchange Online body and headers for these cases are unknown).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface EmulatorTokenClaims {
  tid?: string;
  aud?: string;
  exp?: number;
  nbf?: number;
  roles?: string[];
  scp?: string;
  idtyp?: string;
  upn?: string;
  [claim: string]: unknown;
}

function signature(key: string, signingInput: string): string {
  return createHmac('sha256', key).update(signingInput).digest('base64url');
}

/** A JWT-shaped token the emulator started with `key` accepts (tests and examples use it). */
export function mintEmulatorToken(key: string, claims: EmulatorTokenClaims): string {
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${header}.${payload}.${signature(key, `${header}.${payload}`)}`;
}

export type TokenCheck = { ok: true; claims?: EmulatorTokenClaims } | { ok: false; reason: string };

/** Checks a presented token against the emulator's key; `nowSeconds` for exp/nbf. */
export function checkEmulatorToken(given: string, key: string, nowSeconds: number): TokenCheck {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(key, 'utf8');
  if (a.length === b.length && timingSafeEqual(a, b)) return { ok: true };
  const parts = given.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'it is not the token this emulator was started with' };
  const expected = Buffer.from(signature(key, `${parts[0]}.${parts[1]}`));
  const presented = Buffer.from(parts[2]!);
  if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) {
    return { ok: false, reason: 'the token signature is not valid for this emulator' };
  }
  let claims: EmulatorTokenClaims;
  try {
    claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as EmulatorTokenClaims;
  } catch {
    return { ok: false, reason: 'the token payload is not JSON' };
  }
  if (typeof claims.exp === 'number' && claims.exp <= nowSeconds) return { ok: false, reason: 'the token has expired' };
  if (typeof claims.nbf === 'number' && claims.nbf > nowSeconds + 300)
    return { ok: false, reason: 'the token is not valid yet' };
  return { ok: true, claims };
}
