/**
 * Validation of the two settings that decide where requests (and the bearer token) go: `endpoint` and
 * `organization`. Both are checked before anything is sent.
 */

import { isIP } from 'node:net';
import { ConfigurationError } from '../errors';

export const DEFAULT_ENDPOINT = 'https://outlook.office365.com';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// RFC 1123 labels; tenant domains are ASCII (internationalised names appear in their xn-- form).
const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

/** A tenant is named by a domain (`contoso.onmicrosoft.com`) or its tenant id (a GUID); nothing else may reach a URL. */
export function validateOrganization(organization: string): string {
  const value = typeof organization === 'string' ? organization.trim() : '';
  if (isGuid(value) || isDomainName(value)) return value;
  throw new ConfigurationError(
    value === ''
      ? 'The `organization` setting is not set.'
      : `The \`organization\` setting ${/^[\w.-]{1,100}$/.test(value) ? JSON.stringify(value) : `(${value.length} characters, not shown)`} is neither a domain name nor a tenant id.`,
    "Set `organization` to the tenant's domain (for example contoso.onmicrosoft.com) or its tenant id (a GUID).",
    ['organization'],
  );
}

function isDomainName(value: string): boolean {
  if (value.length > 253) return false;
  const labels = value.split('.');
  return (
    labels.length >= 2 && labels.every((label) => DOMAIN_LABEL.test(label)) && !/^\d+$/.test(labels[labels.length - 1]!)
  );
}

/** Loopback hosts, the only ones to which plain http is allowed (a local emulator). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/**
 * Parses the `endpoint` setting into an origin. The endpoint is an origin only (scheme, host, port): the admin API
 * paths are fixed, and a nextLink is only followed when its origin equals this one.
 */
export function parseEndpoint(endpoint: string): URL {
  // Shown in errors: never the user:password or query part, which may hold secrets. A value that does not parse is not
  // shown at all: where its credentials start and end cannot be told.
  let shown = `(${String(endpoint).length} characters, not shown: it may contain credentials)`;
  const fail = (problem: string, remedy: string): never => {
    throw new ConfigurationError(`The \`endpoint\` setting ${shown} ${problem}.`, remedy, ['endpoint']);
  };
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return fail('is not a URL', `Set \`endpoint\` to an https URL such as ${DEFAULT_ENDPOINT}, or leave it unset.`);
  }
  // Scheme and host only: a path (or what a mistyped scheme turns into one) may carry a secret too.
  shown =
    /^[a-z][a-z0-9+.-]*:$/i.test(url.protocol) && /^[\w.:[\]-]*$/.test(url.host)
      ? JSON.stringify(`${url.protocol}//${url.host}`)
      : shown;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    fail(`uses ${url.protocol.replace(/:$/, '')}`, `Use an https URL such as ${DEFAULT_ENDPOINT}.`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    fail(
      'uses plain http, which would send the bearer token unencrypted',
      'Use https://. Plain http is only accepted for loopback addresses (localhost, 127.0.0.1, ::1), e.g. a local emulator.',
    );
  }
  if (url.username !== '' || url.password !== '') {
    fail(
      'contains credentials',
      'Remove the user:password part; authentication is configured with the credential settings.',
    );
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    fail('has a path, query or fragment', `Give only scheme, host and optional port, for example ${DEFAULT_ENDPOINT}.`);
  }
  return new URL(url.origin);
}

/** `/adminapi/beta/<organization>/<leaf>` with the organization as one percent-encoded segment. */
export function adminApiPath(organization: string, leaf: 'InvokeCommand' | '$batch'): string {
  return `/adminapi/beta/${encodeURIComponent(organization)}/${leaf}`;
}
