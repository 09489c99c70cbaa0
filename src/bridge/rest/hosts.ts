/**
 * Where the bearer token may go: the one rule every redirect and @odata.nextLink is checked against.
 *
 * The token goes only to "the same cloud's hosts" as the configured endpoint:
 * - the endpoint's own host, and its tenant-specific subdomains (Scuba's EXORestHelper.psm1 sends InvokeCommand to
 *   `https://{prefix}.outlook.office365.com/...` after a redirect; goexo follows a 3xx on the POST, re-adding
 *   Authorization), over the endpoint's scheme;
 * - for a loopback endpoint (only a local emulator can be one: parseEndpoint refuses plain http elsewhere), any
 *   loopback address on the endpoint's port: the token never leaves the machine, and a second loopback address
 *   (127.0.0.2, same port) is how the emulator stands in for a tenant-specific host, since loopback has no subdomains.
 * Port 446 is the service's internal port (goexo's adminapi rewrites it to 443 before following a nextLink): it is
 * rewritten to the public port the page was requested on (443 on every real cloud). Any other port must be that
 * public port.
 *
 * The cloud decides the endpoint; this module only takes the configured endpoint's origin, so a cloud (`environment`)
 * setting plugs in by passing its endpoint.
 */

import { isLoopbackHost } from './endpoint';

/** The service's internal port that shows up in nextLinks (goexo adminapi rewrites it to 443). */
export const INTERNAL_PORT = '446';

/** The port a URL effectively uses ('' means the scheme's default). */
function effectivePort(url: URL): string {
  if (url.port !== '') return url.port;
  return url.protocol === 'https:' ? '443' : '80';
}

/** True when `host` is `cloudHost` itself or one of its subdomains (`tenant.outlook.office365.com`). */
function isSameOrSubdomain(host: string, cloudHost: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  const c = cloudHost.toLowerCase().replace(/\.$/, '');
  return h === c || h.endsWith(`.${c}`);
}

/**
 * True when `url` is on the same cloud as `endpoint` (the configured endpoint's origin), so the token may be sent
 * there. `url` must already carry the public port (see `toPublicPort`).
 */
export function isSameCloudHost(url: URL, endpoint: URL): boolean {
  if (url.protocol !== endpoint.protocol || url.username !== '' || url.password !== '') return false;
  if (effectivePort(url) !== effectivePort(endpoint)) return false;
  if (isLoopbackHost(endpoint.hostname)) return isLoopbackHost(url.hostname);
  return isSameOrSubdomain(url.hostname, endpoint.hostname);
}

/**
 * A link as it will be followed: relative links resolved against the URL that answered, and the internal port 446
 * replaced by the public port of the URL that answered.
 */
export function toPublicPort(link: string, answeredBy: URL): URL {
  const url = new URL(link, answeredBy);
  // (Setting a scheme's default port leaves `port` empty, as the WHATWG URL parser normalises it.)
  if (url.port === INTERNAL_PORT) url.port = effectivePort(answeredBy);
  return url;
}
