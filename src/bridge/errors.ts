/**
 * Typed errors every bridge implementation maps its failures to, so resources can react to a kind of failure
 * (remove a vanished mailbox from state, wait out throttling) without knowing the transport.
 * Every error carries a remedy: what the user should do about it.
 */

export type ExchangeErrorKind =
  | 'not-found'
  | 'throttled'
  | 'authentication'
  | 'transient'
  | 'invalid-input'
  | 'service-bug'
  | 'cancelled'
  | 'unreachable'
  | 'configuration';

export abstract class ExchangeError extends Error {
  abstract readonly kind: ExchangeErrorKind;
  constructor(
    message: string,
    /** What the user can do about it, phrased as an instruction. */
    readonly remedy: string,
    /** The cmdlet that failed, when known. */
    readonly cmdlet?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The object named by -Identity does not exist (ManagementObjectNotFoundException, HTTP 404). */
export class NotFoundError extends ExchangeError {
  readonly kind = 'not-found' as const;
}

/** The service asked us to slow down (HTTP 429). `retryAfterMs` comes from the Retry-After header. */
export class ThrottledError extends ExchangeError {
  readonly kind = 'throttled' as const;
  constructor(
    message: string,
    remedy: string,
    readonly retryAfterMs: number | undefined,
    cmdlet?: string,
    options?: { cause?: unknown },
  ) {
    super(message, remedy, cmdlet, options);
  }
}

/** The token or credentials were refused (HTTP 401/403) or could not be obtained. */
export class AuthenticationError extends ExchangeError {
  readonly kind = 'authentication' as const;
  constructor(
    message: string,
    remedy: string,
    readonly status?: number,
    cmdlet?: string,
    options?: { cause?: unknown },
  ) {
    super(message, remedy, cmdlet, options);
  }
}

/** A failure worth retrying: 503/504, connection resets, DCOverloadedException and friends. */
export class TransientError extends ExchangeError {
  readonly kind = 'transient' as const;
}

/** The service rejected the parameters (HTTP 400): retrying will not help, the configuration must change. */
export class InvalidInputError extends ExchangeError {
  readonly kind = 'invalid-input' as const;
}

/** A known service defect, e.g. "Object reference not set to an instance of an object" from Set-AuthenticationPolicy. */
export class ServiceBugError extends ExchangeError {
  readonly kind = 'service-bug' as const;
}

/** The call was cancelled because Terraform asked the provider to stop. */
export class CancelledError extends ExchangeError {
  readonly kind = 'cancelled' as const;
  constructor(cmdlet?: string) {
    super(
      'The operation was cancelled because Terraform asked the provider to stop.',
      'Run the command again when ready.',
      cmdlet,
    );
  }
}

/** The endpoint could not be reached at all (DNS failure, connection refused, TLS failure). */
export class UnreachableError extends ExchangeError {
  readonly kind = 'unreachable' as const;
}

/**
 * The provider configuration is wrong or inconsistent (conflicting credentials, malformed organization or endpoint,
 * unreadable certificate file, wrong certificate password). Never retried. Carries the provider attributes to fix
 * so the Terraform layer can attach the diagnostic to them. It can surface at configure time or, for things only
 * checked on first use (the certificate file), from any call.
 */
export class ConfigurationError extends ExchangeError {
  readonly kind = 'configuration' as const;
  constructor(
    message: string,
    remedy: string,
    /** Provider attribute names as the user writes them (`access_token`, `certificate_path`...), most relevant first. */
    readonly attributes: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(message, remedy, undefined, options);
  }
}

/** Error codes that name an unknown tenant: the emulator's TenantNotFound; Microsoft Graph's UnknownTenantId (a neighbouring Microsoft API). */
const UNKNOWN_TENANT_CODE = /^(TenantNotFound|UnknownTenantId|TenantDoesNotExist|InvalidTenant(Id|Name)?)$/i;

/**
 * Sentences that say the tenant itself is unknown, in the wordings Microsoft services use: Entra ID's AADSTS90002
 * ("Tenant 'x' not found") and AADSTS900023 (invalid tenant identifier), Graph's "We do not recognize this tenant ID".
 * Written so an object that merely has "tenant" in its name (object 'tenant-admin' couldn't be found) does not match,
 * nor does the throttling sentence ("... concurrent requests per tenant").
 */
const UNKNOWN_TENANT_TEXT = [
  /\bAADSTS(90002|900023)\b/,
  /\bdo not recognize this tenant\b/i,
  /\b(unknown|invalid|nonexistent|non-existent) tenant\b/i,
  /\btenant\s+(?:(?:'[^']*'|"[^"]*"|[\w.{}-]+)\s+)?(?:(?:(?:was|is)\s+)?not\s+found|(?:could\s+not|couldn't|cannot)\s+be\s+found|does\s+not\s+exist|doesn't\s+exist)\b/i,
];

/** True when `text` says the tenant itself is unknown (UNKNOWN_TENANT_TEXT). */
export function isUnknownTenantText(text: string): boolean {
  return UNKNOWN_TENANT_TEXT.some((pattern) => pattern.test(text));
}

/** True when an error code names an unknown tenant. */
export function isUnknownTenantCode(code: string): boolean {
  return UNKNOWN_TENANT_CODE.test(code);
}

/**
 * The service (or Entra ID) does not know the tenant named by `organization`: a typo, a vanity domain it does not
 * take, or another cloud's tenant. A configuration problem, never retried, and no role assignment fixes it.
 */
export function unknownTenantError(organization: string, evidence: string, cmdlet?: string): ConfigurationError {
  const error = new ConfigurationError(
    `The tenant "${organization}" (the \`organization\` setting) is unknown to ${evidence}${cmdlet ? ` (${cmdlet})` : ''}.`,
    unknownTenantRemedy(),
    ['organization'],
  );
  return error;
}

/** What to do about an unknown tenant: the setting, its variable, and the forms it takes. */
export function unknownTenantRemedy(): string {
  return (
    "Set `organization` (or the EXO_ORGANIZATION environment variable) to the tenant's initial domain, " +
    '`<name>.onmicrosoft.com` (`<name>.onmicrosoft.us` in GCC High and DoD; listed in the Microsoft 365 admin center under Settings > Domains), ' +
    "or to its tenant ID (a GUID, on the Overview page of the Entra admin center). Check its spelling, and that `environment` names the tenant's cloud. " +
    'This is not a permission problem.'
  );
}

export function isExchangeError(error: unknown): error is ExchangeError {
  return error instanceof ExchangeError;
}

/** The error code proxy.ts gives a CONNECT the proxy answered with anything but 200, so the error names the proxy as the fix. */
export const PROXY_REFUSED = 'ERR_EXOFORM_PROXY_REFUSED';
