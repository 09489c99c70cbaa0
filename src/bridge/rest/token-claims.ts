/**
 * What the bridge reads from an access token's claims: whether it is app-only or delegated (which decides the
 * X-AnchorMailbox header), the signed-in user, and the tenant it was issued for. The JWT payload is decoded without
 * verifying the signature — Exchange Online verifies it; exoform only routes by it. Claims are never logged: callers
 * get booleans and the anchor, and error messages never quote a claim value.
 *
 * Anchor forms (CIPP, ExoHelper, the module): `APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@<tenant>` for app-only tokens
 * (CIPP New-ExoRequest.ps1, ExoHelper Invoke-ExoCommand.ps1); `UPN:<user>` for delegated tokens (ExoHelper takes the
 * token's `upn` claim; the module's default for a signed-in user).
 */

import { isGuid } from './endpoint';

export interface TokenClaims {
  tid?: string;
  aud?: string;
  exp?: number;
  nbf?: number;
  iat?: number;
  roles?: string[];
  scp?: string;
  idtyp?: string;
  appid?: string;
  azp?: string;
  upn?: string;
  unique_name?: string;
  preferred_username?: string;
}

export const APP_ONLY_ANCHOR_MAILBOX = 'SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}';

/** The payload of a JWT-shaped token, or undefined for an opaque token (the bridge then assumes app-only). */
export function decodeTokenClaims(token: string): TokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === '') return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
    const claims = payload as Record<string, unknown>;
    const text = (name: string): string | undefined =>
      typeof claims[name] === 'string' && claims[name] !== '' ? (claims[name] as string) : undefined;
    const number = (name: string): number | undefined =>
      typeof claims[name] === 'number' && Number.isFinite(claims[name]) ? (claims[name] as number) : undefined;
    const roles = Array.isArray(claims.roles)
      ? claims.roles.filter((role): role is string => typeof role === 'string')
      : undefined;
    return {
      tid: text('tid'),
      aud: text('aud'),
      exp: number('exp'),
      nbf: number('nbf'),
      iat: number('iat'),
      roles,
      scp: text('scp'),
      idtyp: text('idtyp'),
      appid: text('appid'),
      azp: text('azp'),
      upn: text('upn'),
      unique_name: text('unique_name'),
      preferred_username: text('preferred_username'),
    };
  } catch {
    return undefined;
  }
}

/** The signed-in user of a delegated token (`upn`, else `unique_name`, else `preferred_username`); undefined if app-only. */
export function delegatedUser(claims: TokenClaims | undefined): string | undefined {
  if (!claims || claims.idtyp === 'app') return undefined;
  // An app-only token carries roles and no scp; a delegated one carries scp (and a user name).
  if (claims.scp === undefined && claims.roles !== undefined) return undefined;
  const user = claims.upn ?? claims.unique_name ?? claims.preferred_username;
  return user !== undefined && /^[^\s@]+@[^\s@]+$/.test(user) ? user : undefined;
}

/** X-AnchorMailbox for a request made with this token. */
export function anchorMailboxFor(claims: TokenClaims | undefined, organization: string): string {
  const user = delegatedUser(claims);
  return user !== undefined ? `UPN:${user}` : `APP:${APP_ONLY_ANCHOR_MAILBOX}@${organization}`;
}

/**
 * True when the token names a tenant (`tid`) and `organization` is a tenant id that differs from it: every call
 * would fail, so the bridge says so plainly. A domain organization cannot be compared offline.
 */
export function tenantMismatch(claims: TokenClaims | undefined, organization: string): boolean {
  return (
    claims?.tid !== undefined &&
    isGuid(organization) &&
    isGuid(claims.tid) &&
    claims.tid.toLowerCase() !== organization.toLowerCase()
  );
}
