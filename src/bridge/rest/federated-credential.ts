/**
 * Workload identity federation: app-only tokens for an Entra app with a federated credential, signed in with a
 * client assertion that a CI system's OIDC issuer wrote to a file (AKS workload identity and the Azure SDKs use
 * AZURE_FEDERATED_TOKEN_FILE; a GitHub Actions / GitLab job writes its ID token to a file first). No secret is
 * stored anywhere: Entra trusts the issuer and subject configured on the app's federated credential.
 *
 * The token request is the OAuth 2.0 client-credentials grant with a JWT client assertion (RFC 7523, Microsoft
 * identity platform "certificate credentials" / "workload identity federation"), made directly over node:https:
 *
 *   POST {authorityHost}/{tenant}/oauth2/v2.0/token
 *   client_id, scope, grant_type=client_credentials,
 *   client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer, client_assertion=<the file's JWT>
 *
 * The file is read again for every token request, because CI tokens are short-lived and rotated in place (the AKS
 * webhook rewrites the projected file hourly). In GitHub Actions the assertion can instead be requested from the job's
 * own OIDC endpoint (ACTIONS_ID_TOKEN_REQUEST_URL with the bearer ACTIONS_ID_TOKEN_REQUEST_TOKEN, audience
 * api://AzureADTokenExchange, answered as `{"value": "<jwt>"}`, as GitHub's actions toolkit getIDToken does), again
 * for every token request, so a long apply never presents an expired CI token. Access tokens are reused until five
 * minutes before they expire. Neither the assertion nor the access token ever appears in an error or a log line.
 */

import { readFileSync } from 'node:fs';
import { AuthenticationError, CancelledError, ConfigurationError, unknownTenantRemedy } from '../errors';
import { validateOrganization, isGuid } from './endpoint';
import { HttpClient, transportFor } from './http-client';
import { scrubSecrets } from './rest-logging';
import { DEFAULT_AUTHORITY_HOST, EXCHANGE_SCOPE, type TokenProvider, type TokenRequestOptions } from './token-provider';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** The audience Entra ID expects in a federated assertion (the federated credential's default). */
export const FEDERATION_AUDIENCE = 'api://AzureADTokenExchange';
/** Renew this long before the token's own expiry, so a long apply never sends an expired token. */
const RENEW_BEFORE_MS = 5 * 60_000;
const TOKEN_REQUEST_TIMEOUT_MS = 60_000;

export interface FederatedTokenProviderOptions {
  organization: string;
  clientId: string;
  /** The file holding the OIDC ID token (a JWT); re-read on every token request. */
  tokenFile?: string;
  /** Or: GitHub Actions' ID token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN), asked on every token request. */
  tokenRequest?: { url: string; bearer: string };
  /** Default https://login.microsoftonline.com. */
  authorityHost?: string;
  /** Default https://outlook.office365.com/.default. */
  scope?: string;
  now?: () => number;
}

export class FederatedTokenProvider implements TokenProvider {
  readonly organization: string;
  readonly clientId: string;
  private readonly tokenFile?: string;
  private readonly tokenRequest?: { url: string; bearer: string };
  private readonly authorityHost: string;
  private readonly scope: string;
  private readonly now: () => number;
  private readonly http = new HttpClient();
  private cached?: { token: string; renewAt: number };
  private inFlight?: Promise<string>;

  constructor(options: FederatedTokenProviderOptions) {
    this.organization = validateOrganization(options.organization);
    if (!isGuid(String(options.clientId ?? '').trim())) {
      throw new ConfigurationError(
        'The `client_id` setting is not an application (client) id.',
        'Set `client_id` to the Application (client) ID GUID of the app that has the federated credential.',
        ['client_id'],
      );
    }
    if (!options.tokenFile && !options.tokenRequest) {
      throw new ConfigurationError(
        'The `federated_token_file` setting is empty.',
        'Set `federated_token_file` to the file your CI writes its OIDC ID token to.',
        ['federated_token_file'],
      );
    }
    this.clientId = options.clientId.trim();
    this.tokenFile = options.tokenFile;
    this.tokenRequest = options.tokenRequest;
    this.authorityHost = (options.authorityHost ?? DEFAULT_AUTHORITY_HOST).replace(/\/+$/, '');
    this.scope = options.scope ?? EXCHANGE_SCOPE;
    this.now = options.now ?? Date.now;
  }

  describe(): string {
    const source = this.tokenFile ? `federated token file ${this.tokenFile}` : 'GitHub Actions OIDC token';
    return `${source} of app ${this.clientId} in ${this.organization}`;
  }

  getToken(options: TokenRequestOptions): Promise<string> {
    if (options.signal?.aborted) return Promise.reject(new CancelledError());
    if (!options.forceRefresh && this.cached && this.now() < this.cached.renewAt)
      return Promise.resolve(this.cached.token);
    // Concurrent callers share one request to Entra ID.
    this.inFlight ??= this.acquire(options.signal).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** The assertion, fresh from the file or from GitHub's endpoint. */
  async assertion(signal?: AbortSignal): Promise<string> {
    return this.tokenFile ? this.readAssertion(this.tokenFile) : this.requestAssertion(this.tokenRequest!, signal);
  }

  private readAssertion(tokenFile: string): string {
    let text: string;
    try {
      text = readFileSync(tokenFile, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new ConfigurationError(
        `Cannot read the federated token file ${tokenFile} (${code}).`,
        'Check `federated_token_file` (or EXO_FEDERATED_TOKEN_FILE / AZURE_FEDERATED_TOKEN_FILE): the CI step that writes the OIDC ID token must run before Terraform, in the same job.',
        ['federated_token_file'],
      );
    }
    const assertion = text.trim();
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(assertion)) {
      throw new ConfigurationError(
        `The federated token file ${tokenFile} does not hold a JWT (expected three base64url parts separated by dots).`,
        'Write only the OIDC ID token into the file (for GitHub Actions: the `value` field of the token response, not the whole JSON).',
        ['federated_token_file'],
      );
    }
    return assertion;
  }

  /** GET {ACTIONS_ID_TOKEN_REQUEST_URL}&audience=api://AzureADTokenExchange with the job's request token. */
  private requestAssertion(request: { url: string; bearer: string }, signal: AbortSignal | undefined): Promise<string> {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return Promise.reject(
        new ConfigurationError(
          'ACTIONS_ID_TOKEN_REQUEST_URL is not a URL.',
          'Run Terraform in a GitHub Actions job with `permissions: id-token: write`.',
          ['federated_token_file'],
        ),
      );
    }
    url.searchParams.set('audience', FEDERATION_AUDIENCE);
    const transport = transportFor(url);
    const { env } = process;
    const agent =
      env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy
        ? (require('./proxy') as typeof import('./proxy')).createProxyAgent(url.protocol as 'http:' | 'https:', env)
        : undefined;
    const failure = (detail: string): AuthenticationError =>
      new AuthenticationError(
        `Could not get the GitHub Actions OIDC token from ${url.host}: ${detail}.`,
        'Give the job `permissions: id-token: write`, or set `federated_token_file` to a file holding the token.',
      );
    return new Promise<string>((resolve, reject) => {
      const req = transport.get(
        url,
        {
          agent,
          signal,
          headers: { Authorization: `Bearer ${request.bearer}`, Accept: 'application/json' },
          timeout: TOKEN_REQUEST_TIMEOUT_MS,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => {
            agent?.destroy();
            let value: unknown;
            try {
              value = (JSON.parse(body) as { value?: unknown }).value;
            } catch {
              value = undefined;
            }
            if (res.statusCode === 200 && typeof value === 'string' && value.split('.').length === 3) resolve(value);
            else
              reject(failure(`HTTP ${res.statusCode}${typeof value === 'string' ? '' : ', no token in the answer'}`));
          });
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', (error: NodeJS.ErrnoException) => {
        agent?.destroy();
        reject(signal?.aborted ? new CancelledError() : failure(error.code ?? error.message));
      });
    });
  }

  private async acquire(signal: AbortSignal | undefined): Promise<string> {
    const assertion = await this.assertion(signal);
    const url = new URL(`${this.authorityHost}/${encodeURIComponent(this.organization)}/oauth2/v2.0/token`);
    const body = new URLSearchParams({
      client_id: this.clientId,
      scope: this.scope,
      grant_type: 'client_credentials',
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
    }).toString();
    const sentAt = this.now();
    let response;
    try {
      response = await this.http.post({
        url,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body,
        timeoutMs: TOKEN_REQUEST_TIMEOUT_MS,
        signal,
      });
    } finally {
      this.http.close();
    }
    let parsed: { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown } = {};
    try {
      parsed = JSON.parse(response.body);
    } catch {
      // not JSON: reported below by status
    }
    if (response.status !== 200 || typeof parsed.access_token !== 'string' || parsed.access_token === '') {
      throw this.rejection(response.status, parsed, assertion);
    }
    const lifetimeSeconds = Number(parsed.expires_in);
    const lifetimeMs = Number.isFinite(lifetimeSeconds) && lifetimeSeconds > 0 ? lifetimeSeconds * 1000 : 60 * 60_000;
    this.cached = {
      token: parsed.access_token,
      renewAt: sentAt + Math.max(lifetimeMs - RENEW_BEFORE_MS, lifetimeMs / 2),
    };
    return parsed.access_token;
  }

  private rejection(
    status: number,
    parsed: { error?: unknown; error_description?: unknown },
    assertion: string,
  ): AuthenticationError {
    const code = typeof parsed.error === 'string' ? parsed.error : `HTTP ${status}`;
    // Entra descriptions end with trace and correlation ids on later lines; keep the first line, never the assertion.
    const description = scrubSecrets(
      String(parsed.error_description ?? '')
        .split(/\r?\n/)[0]!
        .trim(),
      [assertion],
    );
    const aadsts = /AADSTS(\d+)/.exec(description)?.[1];
    let remedy =
      'Check that the app registration has a federated credential whose issuer, subject and audience (api://AzureADTokenExchange) match the token your CI issues.';
    if (aadsts === '700024' || aadsts === '700027')
      remedy =
        'The CI token in the file has expired or is not valid yet: write a fresh one right before Terraform runs.';
    else if (aadsts === '700016') remedy = 'Check `client_id`: no app with that id exists in this tenant.';
    else if (aadsts === '90002' || aadsts === '900023') remedy = unknownTenantRemedy();
    return new AuthenticationError(
      `Microsoft Entra ID (${new URL(this.authorityHost).host}) refused the federated credential of app ${this.clientId}: ${code}${description ? ` (${description})` : ''}.`,
      remedy,
      status,
    );
  }
}
