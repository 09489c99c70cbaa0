/**
 * Where the REST bridge gets its bearer tokens: a fixed token handed in by the user, or an Entra ID app (client
 * secret or certificate) through MSAL, which caches tokens and renews them before they expire.
 *
 * Secrets (token, client secret, certificate password, private key) never appear in errors, logs or describe().
 */

import type { Configuration } from '@azure/msal-node';
import { AuthenticationError, CancelledError, ConfigurationError } from '../errors';
import { normalizeAccessToken } from '../settings';
import { loadCertificate, type LoadedCertificate } from './client-certificate';
import { validateOrganization, isGuid } from './endpoint';
import {
  createMsalClient,
  msalErrorToExchangeError,
  type ConfidentialClient,
  type ConfidentialClientFactory,
} from './msal-client';

export interface TokenRequestOptions {
  /** Bypass every cache: the service just refused the previous token. */
  forceRefresh: boolean;
  signal?: AbortSignal;
}

export interface TokenProvider {
  getToken(options: TokenRequestOptions): Promise<string>;
  /** For logs and error messages; never contains a secret. */
  describe(): string;
  /**
   * Optional: the error to report when the service refused this provider's token twice in a row (a fixed token
   * cannot be renewed). Says what the token's claims tell (expired or not), never the token.
   */
  refusedTwice?(nowMs: number, cmdlet?: string): AuthenticationError;
}

export const EXCHANGE_SCOPE = 'https://outlook.office365.com/.default';
export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

/** A ready-made access token (Connect-ExchangeOnline -AccessToken). It cannot be renewed. */
export class StaticTokenProvider implements TokenProvider {
  private readonly token: string;

  constructor(accessToken: string) {
    this.token = normalizeAccessToken(accessToken, 'use client credentials');
  }

  async getToken(options: TokenRequestOptions): Promise<string> {
    if (options.signal?.aborted) throw new CancelledError();
    // A refused fixed token is sent once more (after the retry policy's short pause): a single 401 can be a blip of
    // the front door. The bridge reports a second refusal with refusedTwice().
    return this.token;
  }

  refusedTwice(nowMs: number, cmdlet?: string): AuthenticationError {
    return new AuthenticationError(
      `Exchange Online refused the access token from \`access_token\` twice, 1 s apart. ${describeTokenExpiry(this.token, nowMs)}`,
      'Supply a fresh token in `access_token` (for the https://outlook.office365.com audience, with the Exchange.ManageAsApp permission or an Exchange ' +
        'admin role), or configure `client_id` with `client_secret` or `certificate_path` so the provider can obtain and renew tokens itself.',
      401,
      cmdlet,
    );
  }

  describe(): string {
    return 'a static access token';
  }
}

interface AppTokenProviderOptions {
  organization: string;
  clientId: string;
  /** Default https://login.microsoftonline.com; sovereign clouds use their own host. */
  authorityHost?: string;
  /** Default https://outlook.office365.com/.default. */
  scope?: string;
  /** Tests inject this to stop short of the network call to Entra ID. */
  createClient?: ConfidentialClientFactory;
}

/**
 * Shared MSAL plumbing: builds the client on first use, joins concurrent requests for the same kind of token (so
 * twenty resources starting together cause one call to Entra ID), and maps failures.
 */
abstract class AppTokenProvider implements TokenProvider {
  readonly organization: string;
  readonly clientId: string;
  protected readonly authorityHost: string;
  private readonly scope: string;
  private readonly createClient: ConfidentialClientFactory;
  private client?: ConfidentialClient;
  private inFlight?: { forced: boolean; token: Promise<string> };

  protected constructor(options: AppTokenProviderOptions) {
    this.organization = validateOrganization(options.organization);
    if (!isGuid(String(options.clientId ?? '').trim())) {
      throw new ConfigurationError(
        'The `client_id` setting is not an application (client) id.',
        "Set `client_id` to the Application (client) ID GUID shown on the app registration's Overview page.",
        ['client_id'],
      );
    }
    this.clientId = options.clientId.trim();
    this.authorityHost = (options.authorityHost ?? DEFAULT_AUTHORITY_HOST).replace(/\/+$/, '');
    this.scope = options.scope ?? EXCHANGE_SCOPE;
    this.createClient = options.createClient ?? createMsalClient;
  }

  abstract describe(): string;

  /** The credential part of MSAL's auth configuration. May throw ConfigurationError (e.g. unreadable certificate). */
  protected abstract credential(): Pick<Configuration['auth'], 'clientSecret' | 'clientCertificate'>;
  protected abstract mapError(error: unknown): Error;

  getToken(options: TokenRequestOptions): Promise<string> {
    const { forceRefresh, signal } = options;
    if (signal?.aborted) return Promise.reject(new CancelledError());
    // A forced refresh may only join another forced refresh: a cached token is exactly what it must not get.
    if (!this.inFlight || (forceRefresh && !this.inFlight.forced)) {
      const entry: { forced: boolean; token: Promise<string> } = {
        forced: forceRefresh,
        token: this.acquire(forceRefresh).finally(() => {
          if (this.inFlight === entry) this.inFlight = undefined;
        }),
      };
      this.inFlight = entry;
    }
    return abortable(this.inFlight.token, signal);
  }

  private async acquire(forceRefresh: boolean): Promise<string> {
    let result: { accessToken: string } | null;
    try {
      this.client ??= this.createClient({
        auth: {
          clientId: this.clientId,
          authority: `${this.authorityHost}/${this.organization}`,
          ...this.credential(),
        },
      });
      // skipCache sends the request to Entra ID even when MSAL holds a token it still considers valid.
      result = await this.client.acquireTokenByClientCredential({ scopes: [this.scope], skipCache: forceRefresh });
    } catch (error) {
      throw error instanceof ConfigurationError ? error : this.mapError(error);
    }
    if (!result?.accessToken) {
      throw new AuthenticationError(
        `Microsoft Entra ID returned no access token for app ${this.clientId}.`,
        'Try again; if it persists, check the app registration in the Entra admin center.',
      );
    }
    return result.accessToken;
  }
}

export interface ClientSecretTokenProviderOptions extends AppTokenProviderOptions {
  clientSecret: string;
}

/** App-only tokens from a client secret (works for the REST endpoint; Connect-ExchangeOnline itself wants a certificate). */
export class ClientSecretTokenProvider extends AppTokenProvider {
  private readonly clientSecret: string;

  constructor(options: ClientSecretTokenProviderOptions) {
    super(options);
    if (!options.clientSecret) {
      throw new ConfigurationError(
        'The `client_secret` setting is empty.',
        "Set `client_secret` to the secret's Value from the app registration.",
        ['client_secret'],
      );
    }
    this.clientSecret = options.clientSecret;
  }

  describe(): string {
    return `client secret of app ${this.clientId} in ${this.organization}`;
  }

  protected credential() {
    return { clientSecret: this.clientSecret };
  }

  protected mapError(error: unknown): Error {
    return msalErrorToExchangeError(error, {
      organization: this.organization,
      clientId: this.clientId,
      authorityHost: new URL(this.authorityHost).host,
      credentialAttribute: 'client_secret',
      secrets: [this.clientSecret],
    });
  }
}

export interface CertificateTokenProviderOptions extends AppTokenProviderOptions {
  certificatePath: string;
  certificatePassword?: string;
  /** For the expiry check; tests pass a fixed time. */
  now?: () => number;
}

/** App-only tokens from a certificate (PFX with optional password, or PEM with certificate and key). */
export class CertificateTokenProvider extends AppTokenProvider {
  private readonly certificatePath: string;
  private readonly certificatePassword?: string;
  private readonly now: () => number;
  private certificate?: LoadedCertificate;

  constructor(options: CertificateTokenProviderOptions) {
    super(options);
    if (!options.certificatePath) {
      throw new ConfigurationError(
        'The `certificate_path` setting is empty.',
        'Set `certificate_path` to a PFX or PEM file.',
        ['certificate_path'],
      );
    }
    this.certificatePath = options.certificatePath;
    this.certificatePassword = options.certificatePassword;
    this.now = options.now ?? Date.now;
  }

  describe(): string {
    const thumbprint = this.certificate ? ` (SHA-256 thumbprint ${this.certificate.thumbprintSha256})` : '';
    return `certificate ${this.certificatePath}${thumbprint} of app ${this.clientId} in ${this.organization}`;
  }

  /** Reads the file on first use, so a provider run that never calls Exchange never touches it. */
  loadCertificate(): LoadedCertificate {
    return (this.certificate ??= loadCertificate(this.certificatePath, this.certificatePassword, this.now()));
  }

  protected credential() {
    const { thumbprintSha256, privateKeyPem, x5c } = this.loadCertificate();
    return { clientCertificate: { thumbprintSha256, privateKey: privateKeyPem, x5c } };
  }

  protected mapError(error: unknown): Error {
    return msalErrorToExchangeError(error, {
      organization: this.organization,
      clientId: this.clientId,
      authorityHost: new URL(this.authorityHost).host,
      credentialAttribute: 'certificate_path',
      certificateHint: this.certificate ? `its SHA-256 thumbprint is ${this.certificate.thumbprintSha256}` : undefined,
      secrets: [this.certificatePassword, this.certificate?.privateKeyPem],
    });
  }
}

/** Resolves like `promise`, but rejects with CancelledError as soon as `signal` aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new CancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * What a JWT's `exp` claim says about the token, for an error message: never the token or any other claim. Access
 * tokens live 60 to 90 minutes.
 */
export function describeTokenExpiry(token: string, nowMs: number): string {
  const exp = expiryClaim(token);
  if (exp === undefined)
    return 'The token carries no readable `exp` claim (it is not a JSON Web Token), so whether it expired is unknown.';
  const at = new Date(exp * 1000).toISOString();
  const minutes = Math.round(Math.abs(nowMs - exp * 1000) / 60_000);
  return exp * 1000 <= nowMs
    ? `It has expired: its \`exp\` claim is ${at} (${minutes} min ago).`
    : `It has not expired (its \`exp\` claim is ${at}, in ${minutes} min), so it was refused for another reason: the wrong audience or tenant, or missing Exchange permissions.`;
}

function expiryClaim(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp : undefined;
  } catch {
    return undefined;
  }
}
