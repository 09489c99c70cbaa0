/**
 * The `exchangeonline` provider block's schema, and the EXO_* environment variable behind each of its settings, so
 * pipelines keep secrets out of configuration.
 */
import type { Schema } from '../protocol/schema';

/** Attribute name → environment variable that supplies it when the block leaves it out. */
export const PROVIDER_ENVIRONMENT: Readonly<Record<string, string>> = {
  organization: 'EXO_ORGANIZATION',
  access_token: 'EXO_ACCESS_TOKEN',
  client_id: 'EXO_CLIENT_ID',
  client_secret: 'EXO_CLIENT_SECRET',
  certificate_path: 'EXO_CERTIFICATE_PATH',
  certificate_password: 'EXO_CERTIFICATE_PASSWORD',
  federated_token_file: 'EXO_FEDERATED_TOKEN_FILE',
  endpoint: 'EXO_ENDPOINT',
  environment: 'EXO_ENVIRONMENT',
  max_concurrent_requests: 'EXO_MAX_CONCURRENT_REQUESTS',
  bridge: 'EXO_BRIDGE',
  powershell_path: 'EXO_POWERSHELL_PATH',
  user_principal_name: 'EXO_USER_PRINCIPAL_NAME',
  managed_identity: 'EXO_MANAGED_IDENTITY',
  graph_access_token: 'EXO_GRAPH_ACCESS_TOKEN',
};

export const DEFAULT_MAX_CONCURRENT_REQUESTS = 4;

const env = (name: string): string => `Defaults to the \`${PROVIDER_ENVIRONMENT[name]}\` environment variable.`;

export const providerSchema: Schema = {
  version: 0,
  block: {
    description:
      'Manages Exchange Online SMTP AUTH settings. Authenticate with an access token, or an Entra app (`client_id`) with a certificate or a client secret.',
    attributes: {
      organization: {
        type: 'string',
        optional: true,
        description: `The tenant: its initial domain (\`contoso.onmicrosoft.com\`) or tenant id. Required. ${env('organization')}`,
      },
      access_token: {
        type: 'string',
        optional: true,
        sensitive: true,
        description: `A ready OAuth access token for \`https://outlook.office365.com\`. ${env('access_token')}`,
      },
      client_id: {
        type: 'string',
        optional: true,
        description: `Application (client) id of an Entra app with Exchange.ManageAsApp. ${env('client_id')}`,
      },
      client_secret: {
        type: 'string',
        optional: true,
        sensitive: true,
        description: `Client secret of the app in \`client_id\`. ${env('client_secret')}`,
      },
      certificate_path: {
        type: 'string',
        optional: true,
        description: `Path to the app's certificate: a PFX/P12 file, or PEM with the private key. ${env('certificate_path')}`,
      },
      certificate_password: {
        type: 'string',
        optional: true,
        sensitive: true,
        description: `Password of the certificate file, if any. ${env('certificate_password')}`,
      },
      federated_token_file: {
        type: 'string',
        optional: true,
        description: `Workload identity federation: a file holding an OIDC ID token (a JWT) that your CI or Kubernetes issues, sent to Entra ID as the client assertion of the app in \`client_id\`, so no secret is stored anywhere. Read again for every token request (CI tokens rotate). ${env('federated_token_file')} When no other credential is configured, \`AZURE_FEDERATED_TOKEN_FILE\` (with \`AZURE_CLIENT_ID\`), as set by AKS workload identity, is used; failing that, in a GitHub Actions job with \`id-token: write\` and \`client_id\` set, the token is requested from the job's OIDC endpoint (\`ACTIONS_ID_TOKEN_REQUEST_URL\`) for every token request.`,
      },
      endpoint: {
        type: 'string',
        optional: true,
        description: `Base URL of the Exchange Online admin API. Defaults to \`https://outlook.office365.com\`; set it to an exoform emulator URL for tests. ${env('endpoint')}`,
      },
      environment: {
        type: 'string',
        optional: true,
        description:
          'The Microsoft 365 cloud, named as `Connect-ExchangeOnline -ExchangeEnvironmentName` names it: `O365Default` (worldwide, the default), ' +
          '`O365USGovGCCHigh`, `O365USGovDoD` or `O365China` (21Vianet); `commercial`, `gcc`, `gcchigh`, `dod` and `china` are accepted too ' +
          '(`gcc` uses the worldwide hosts but has no legacy-TLS endpoint). It decides the admin API host, the token scope and the Entra ID ' +
          `authority. ${env('environment')}`,
      },
      max_concurrent_requests: {
        type: 'number',
        optional: true,
        description: `Most requests in flight at once for this tenant (a \`$batch\` of up to 10 cmdlets counts as one). Default ${DEFAULT_MAX_CONCURRENT_REQUESTS}; lower it if the tenant is throttled. ${env('max_concurrent_requests')}`,
      },
      bridge: {
        type: 'string',
        optional: true,
        description: `How the provider talks to Exchange Online: \`rest\` (default; the admin API over HTTPS) or \`powershell\` (Microsoft's ExchangeOnlineManagement module in pwsh sessions, for organisations that mandate it; see docs/guides/powershell-bridge.md). Both behave the same for every resource. ${env('bridge')}`,
      },
      powershell_path: {
        type: 'string',
        optional: true,
        description: `With \`bridge = "powershell"\`: the PowerShell 7 executable, with ExchangeOnlineManagement 3.1 or later installed. Default \`pwsh\` on PATH. ${env('powershell_path')}`,
      },
      user_principal_name: {
        type: 'string',
        optional: true,
        description: `With \`bridge = "powershell"\` only: sign in interactively as this administrator (\`Connect-ExchangeOnline -UserPrincipalName\`) instead of as an app. ${env('user_principal_name')}`,
      },
      managed_identity: {
        type: 'bool',
        optional: true,
        description: `With \`bridge = "powershell"\` only: sign in with the Azure managed identity of the machine running Terraform (\`Connect-ExchangeOnline -ManagedIdentity\`); set \`client_id\` for a user-assigned identity. ${env('managed_identity')}`,
      },
      graph_access_token: {
        type: 'string',
        optional: true,
        sensitive: true,
        description:
          'A ready OAuth access token for Microsoft Graph (`https://graph.microsoft.com`, with Policy.Read.All, AuditLog.Read.All and Reports.Read.All), ' +
          'used only by `exchangeonline_smtp_auth_readiness` to read Entra security defaults and Basic SMTP sign-ins. Needed only with `access_token`, ' +
          'which is an Exchange token and cannot call Graph; with `client_id` the provider gets a Graph token from the same app. ' +
          env('graph_access_token'),
      },
    },
  },
};
