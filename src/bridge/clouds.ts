/**
 * The Microsoft 365 clouds Exchange Online runs in, and what each one decides: the admin API's host (and the host
 * suffix of its tenant-specific hosts), the token scope, the Entra ID authority, the PowerShell module's
 * -ExchangeEnvironmentName, the initial-domain suffix and the legacy-TLS SMTP endpoint. One table, used by both
 * bridges, the provider and `exoform doctor`.
 *
 * Sources (public):
 * - Connect-ExchangeOnline docs: -ExchangeEnvironmentName O365Default (also GCC), O365USGovGCCHigh, O365USGovDoD,
 *   O365China (O365GermanyCloud is closed and not offered here).
 * - CISA ScubaGear EXORestHelper.psm1: admin API hosts, tenant-specific host suffixes and token scopes for
 *   commercial, GCC, GCC High and DoD.
 * - Microsoft Entra "National clouds" page: authorities login.microsoftonline.com, login.microsoftonline.us,
 *   login.partner.microsoftonline.cn.
 * - Microsoft "Office 365 API endpoints operated by 21Vianet" page and public 21Vianet clients: partner.outlook.cn,
 *   scope https://partner.outlook.cn/.default.
 * - "Opt in to the Exchange Online endpoint for legacy TLS clients using SMTP AUTH": smtp-legacy.office365.com
 *   worldwide, smtp-legacy.partner.outlook.cn for 21Vianet; "not available in GCC, GCC-High, or DoD".
 * - Connect-ExchangeOnline -Organization: "the primary .onmicrosoft.com domain" for certificate and managed identity
 *   sign-in; the national clouds' initial domains end in .onmicrosoft.us / .partner.onmschina.cn (unverified for
 *   -Organization itself: the docs only name .onmicrosoft.com).
 */

import { ConfigurationError } from './errors';
import { showSettingValue } from './redact';

/** The PowerShell module's names (Connect-ExchangeOnline -ExchangeEnvironmentName). */
export type ExchangeEnvironmentName = 'O365Default' | 'O365USGovGCCHigh' | 'O365USGovDoD' | 'O365China';

export interface Cloud {
  /** exoform's short id: commercial, gcc, gcchigh, dod, china. */
  readonly id: 'commercial' | 'gcc' | 'gcchigh' | 'dod' | 'china';
  readonly label: string;
  readonly exchangeEnvironmentName: ExchangeEnvironmentName;
  /** Origin of the admin API front door. */
  readonly endpoint: string;
  /**
   * Hosts of this cloud's admin API: the front door itself and any subdomain of these suffixes (tenant-specific
   * hosts such as `{prefix}.outlook.office365.com`). A redirect or nextLink elsewhere leaves the cloud.
   */
  readonly hostSuffixes: readonly string[];
  /** OAuth scope for the client-credentials flow. */
  readonly scope: string;
  /** Entra ID authority host (the tenant is appended). */
  readonly authorityHost: string;
  /** The SMTP endpoint for TLS 1.0/1.1 clients; null where the cloud has none. */
  readonly legacyTlsHost: string | null;
  /** Suffixes of the tenant's initial (".onmicrosoft") domain in this cloud. */
  readonly initialDomainSuffixes: readonly string[];
}

const COMMERCIAL_HOSTS = ['outlook.office365.com'] as const;

export const CLOUDS: Readonly<Record<Cloud['id'], Cloud>> = {
  commercial: {
    id: 'commercial',
    label: 'Microsoft 365 (worldwide)',
    exchangeEnvironmentName: 'O365Default',
    endpoint: 'https://outlook.office365.com',
    hostSuffixes: COMMERCIAL_HOSTS,
    scope: 'https://outlook.office365.com/.default',
    authorityHost: 'https://login.microsoftonline.com',
    legacyTlsHost: 'smtp-legacy.office365.com',
    initialDomainSuffixes: ['onmicrosoft.com'],
  },
  // GCC shares the commercial hosts (Scuba; the module has no separate environment name for it), but has no
  // legacy-TLS endpoint: naming it lets exoform refuse allow_legacy_tls_clients at plan time.
  gcc: {
    id: 'gcc',
    label: 'Microsoft 365 GCC',
    exchangeEnvironmentName: 'O365Default',
    endpoint: 'https://outlook.office365.com',
    hostSuffixes: COMMERCIAL_HOSTS,
    scope: 'https://outlook.office365.com/.default',
    authorityHost: 'https://login.microsoftonline.com',
    legacyTlsHost: null,
    initialDomainSuffixes: ['onmicrosoft.com'],
  },
  gcchigh: {
    id: 'gcchigh',
    label: 'Microsoft 365 GCC High',
    exchangeEnvironmentName: 'O365USGovGCCHigh',
    endpoint: 'https://outlook.office365.us',
    hostSuffixes: ['outlook.office365.us'],
    scope: 'https://outlook.office365.us/.default',
    authorityHost: 'https://login.microsoftonline.us',
    legacyTlsHost: null,
    initialDomainSuffixes: ['onmicrosoft.us', 'onmicrosoft.com'],
  },
  dod: {
    id: 'dod',
    label: 'Microsoft 365 DoD',
    exchangeEnvironmentName: 'O365USGovDoD',
    endpoint: 'https://outlook-dod.office365.us',
    hostSuffixes: ['outlook-dod.office365.us', 'webmail.apps.mil'],
    scope: 'https://outlook-dod.office365.us/.default',
    authorityHost: 'https://login.microsoftonline.us',
    legacyTlsHost: null,
    initialDomainSuffixes: ['onmicrosoft.us', 'onmicrosoft.com'],
  },
  china: {
    id: 'china',
    label: 'Microsoft 365 operated by 21Vianet',
    exchangeEnvironmentName: 'O365China',
    endpoint: 'https://partner.outlook.cn',
    hostSuffixes: ['partner.outlook.cn'],
    scope: 'https://partner.outlook.cn/.default',
    authorityHost: 'https://login.partner.microsoftonline.cn',
    legacyTlsHost: 'smtp-legacy.partner.outlook.cn',
    initialDomainSuffixes: ['partner.onmschina.cn'],
  },
};

export const DEFAULT_CLOUD = CLOUDS.commercial;

/** Accepted spellings of the `environment` setting (case-insensitive): the module's names and plain aliases. */
const ALIASES: Readonly<Record<string, Cloud['id']>> = {
  o365default: 'commercial',
  commercial: 'commercial',
  worldwide: 'commercial',
  global: 'commercial',
  gcc: 'gcc',
  o365usgovgcchigh: 'gcchigh',
  gcchigh: 'gcchigh',
  'gcc-high': 'gcchigh',
  gcc_high: 'gcchigh',
  o365usgovdod: 'dod',
  dod: 'dod',
  o365china: 'china',
  china: 'china',
  '21vianet': 'china',
};

export const ENVIRONMENT_NAMES = [
  'O365Default',
  'O365USGovGCCHigh',
  'O365USGovDoD',
  'O365China',
  'commercial',
  'gcc',
  'gcchigh',
  'dod',
  'china',
] as const;

/** The cloud named by the `environment` setting; undefined when unset. */
export function parseEnvironment(value: string | undefined): Cloud | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const id = ALIASES[value.trim().toLowerCase()];
  if (id) return CLOUDS[id];
  throw new ConfigurationError(
    `The \`environment\` setting ${showSettingValue(value)} is not a Microsoft 365 cloud exoform knows.`,
    'Set `environment` to O365Default (worldwide; or "gcc" for GCC), O365USGovGCCHigh, O365USGovDoD or O365China (21Vianet), ' +
      "the names Connect-ExchangeOnline's -ExchangeEnvironmentName takes; or leave it unset for the worldwide cloud.",
    ['environment'],
  );
}

/** True when `host` is one of the cloud's admin API hosts or a subdomain of one (a tenant-specific host). */
export function isCloudHost(cloud: Cloud, host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return cloud.hostSuffixes.some((suffix) => name === suffix || name.endsWith(`.${suffix}`));
}

/** The cloud whose hosts include `host` (commercial for the shared GCC hosts); undefined for any other host. */
export function cloudOfHost(host: string): Cloud | undefined {
  return [CLOUDS.commercial, CLOUDS.gcchigh, CLOUDS.dod, CLOUDS.china].find((cloud) => isCloudHost(cloud, host));
}

/**
 * Decides the cloud from the `environment` and `endpoint` settings. An endpoint on a known cloud's hosts implies
 * that cloud; a contradiction (environment says GCC High, endpoint is a worldwide host) is refused. Any other
 * endpoint (an emulator, a test double) takes the environment's scope, authority and hints.
 */
export function resolveCloud(environment: string | undefined, endpoint: string | undefined): Cloud {
  const named = parseEnvironment(environment);
  let endpointCloud: Cloud | undefined;
  if (endpoint !== undefined && endpoint.trim() !== '') {
    try {
      endpointCloud = cloudOfHost(new URL(endpoint).hostname);
    } catch {
      endpointCloud = undefined; // the endpoint's own validation reports a malformed URL
    }
  }
  if (named && endpointCloud && named.exchangeEnvironmentName !== endpointCloud.exchangeEnvironmentName) {
    throw new ConfigurationError(
      `The \`endpoint\` setting is a host of ${endpointCloud.label}, but \`environment\` says ${named.label}.`,
      `Remove \`endpoint\` (the environment decides it: ${named.endpoint}), or set \`environment\` to ${endpointCloud.exchangeEnvironmentName}.`,
      ['endpoint', 'environment'],
    );
  }
  return named ?? endpointCloud ?? DEFAULT_CLOUD;
}

/** True when `organization` is the cloud's initial domain form (contoso.onmicrosoft.com and the like). */
export function isInitialDomain(cloud: Cloud, organization: string): boolean {
  const name = organization.trim().toLowerCase();
  return cloud.initialDomainSuffixes.some((suffix) => name.endsWith(`.${suffix}`) && name.length > suffix.length + 1);
}
