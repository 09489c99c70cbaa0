/**
 * TenantFleet — an MSP's tenants, one TerraformStack each.
 *
 * Every tenant gets its own stack with its own exchangeonline provider block (organization, endpoint, credentials)
 * and its own state, so tenants never share state, a lock or a blast radius: a failed apply in one tenant cannot
 * touch another. Each stack holds an SmtpAuthBaseline built from the fleet defaults, the tenant's overrides and its
 * allow-list file.
 *
 * Rollout waves: stacks are named `<fleet id>-w<wave>-<tenant name>`, and every stack of a wave depends on every
 * stack of the wave before, so `cdktf deploy '<id>-*'` applies wave 0 (the canaries) first, then the next wave in
 * parallel, and stops before the later waves if a canary fails. `cdktf deploy '<id>-w0-*'` deploys one wave.
 *
 * State: each tenant's state has its own key in the fleet's `backend` (azurerm, s3, remote = HCP Terraform, pg), or
 * its own file under `stateDirectory`. With neither, a fleet synthesized in CI is an error, since state local to a
 * CI job is lost with it; outside CI the fleet keeps local state files and says so in a warning.
 *
 * Credentials are references, never values: `{ env: "TF_VAR_x" }` becomes a sensitive, ephemeral Terraform
 * variable `x` (Terraform reads it from the TF_VAR_x environment variable at plan and apply time; ephemeral keeps it
 * out of saved plan files), `{ file: "path" }` becomes `sensitive(trimspace(file("path")))`. Neither puts a secret
 * into cdktf.out/ or state. A fleet that holds a secret inline is rejected.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import {
  Annotations,
  App,
  AzurermBackend,
  Fn,
  LocalBackend,
  NamedRemoteWorkspace,
  PgBackend,
  RemoteBackend,
  S3Backend,
  TerraformStack,
  TerraformVariable,
} from 'cdktf';
import { Construct } from 'constructs';
import { ExchangeonlineProvider } from '../generated/provider/index';
import { ConstructValidationError } from './errors';
import { MailboxList, MailboxListError } from './mailbox-list';
import { checkKnownKeys, describeValue, isPlainObject, joinPath, Problems } from './private/problems';
import { ENV_REFERENCE, secretKind } from './private/secrets';
import { SmtpAuthBaseline, type SmtpAuthBaselineProps } from './smtp-auth-baseline';

/** Where a secret comes from at plan time: a `TF_VAR_*` environment variable, or a file (path relative to the fleet file). */
export type SecretReference = { readonly env: string } | { readonly file: string };

export interface TenantCredentials {
  /** A ready OAuth access token for https://outlook.office365.com. */
  readonly accessToken?: SecretReference;
  /** Application (client) id of the Entra app with Exchange.ManageAsApp. Not a secret: a string or a reference. */
  readonly clientId?: string | SecretReference;
  /** Path to the app's certificate (PFX, or PEM with its key); relative to the fleet file. The path is not a secret, the file is. */
  readonly certificatePath?: string;
  /** Password of the certificate file. */
  readonly certificatePassword?: SecretReference;
  /** Client secret of the app. */
  readonly clientSecret?: SecretReference;
  /**
   * Workload identity federation: the file your CI writes its OIDC ID token to (relative to the fleet file), sent as
   * the app's client assertion, so no secret is stored at all. With clientId.
   */
  readonly federatedTokenFile?: string;
}

/** The SmtpAuthBaseline settings a fleet can set per tenant (the allow list has its own key, `allowList`). */
export type FleetBaseline = Omit<SmtpAuthBaselineProps, 'allowedMailboxes' | 'provider'>;

export interface FleetTenant {
  /** The tenant: its initial domain (`contoso.onmicrosoft.com`) or tenant id. */
  readonly tenant: string;
  /**
   * Short name for the stack and the state file: lower-case letters, digits and dashes.
   * @default the tenant domain's first label (`contoso` for contoso.onmicrosoft.com)
   */
  readonly name?: string;
  /**
   * Rollout wave: wave 0 deploys first (canaries), then 1, ...
   * @default 0
   */
  readonly wave?: number;
  /** @default the fleet's `defaults.credentials`; a tenant with neither is an error */
  readonly credentials?: TenantCredentials;
  /** @default the fleet's `defaults.endpoint`, else the provider's (EXO_ENDPOINT, else Exchange Online) */
  readonly endpoint?: string;
  /** @default the fleet's `defaults.maxConcurrentRequests`, else the provider's (4) */
  readonly maxConcurrentRequests?: number;
  /**
   * The mailboxes allowed to use SMTP AUTH: a file in the seeds' format (path relative to the fleet file), a
   * MailboxList, or addresses.
   * @default no mailbox
   */
  readonly allowList?: string | MailboxList | readonly string[];
  /** Overrides of the fleet's `defaults.baseline` for this tenant (key by key). @default none */
  readonly baseline?: FleetBaseline;
}

export interface FleetDefaults {
  readonly credentials?: TenantCredentials;
  readonly endpoint?: string;
  readonly maxConcurrentRequests?: number;
  readonly baseline?: FleetBaseline;
}

/** The remote backends a fleet configures by name; each tenant gets its own key in it. */
export type FleetBackendType = 'azurerm' | 's3' | 'remote' | 'pg';

/**
 * Where every tenant's state lives: one backend, one key per tenant (the tenant's name after `keyPrefix`):
 *   azurerm, s3  key `<keyPrefix><name>.tfstate`            (default prefix `exoform/`; s3 with use_lockfile)
 *   remote       the HCP Terraform workspace `<keyPrefix><name>` (default prefix `exoform-`; Local execution mode)
 *   pg           the schema `<keyPrefix><name>`, dashes as `_` (default prefix `exoform_`)
 */
export interface FleetBackend {
  readonly type: FleetBackendType;
  /**
   * The backend's shared settings, named as in Terraform (`resource_group_name`, `bucket`, `organization`...). No
   * secrets: the backend reads them from its environment (ARM_*, AWS_*, TF_TOKEN_*, PG_CONN_STR).
   * @default none
   */
  readonly config?: Readonly<Record<string, string | number | boolean>>;
  /** @default per type, see above */
  readonly keyPrefix?: string;
}

export interface TenantFleetOptions {
  /**
   * Directory of the per-tenant state files (`<name>.tfstate`): local state, for a machine that keeps it. Relative
   * paths are relative to `baseDirectory` (for fromFile: the fleet file's directory).
   * @default the fleet file's `stateDirectory`; with neither it nor `backend`, `state` outside CI and an error in CI
   */
  readonly stateDirectory?: string;
  /**
   * Each tenant stack's backend: a FleetBackend, or a function that configures it, e.g.
   * `(stack) => new S3Backend(stack, { key: `exoform/${stack.tenantName}.tfstate`, ... })`.
   * Key the state by `stack.tenantName`, never by the stack name: the stack name contains the wave.
   * @default the fleet file's `backend`; else local state files (see stateDirectory)
   */
  readonly backend?: FleetBackend | ((stack: TenantStack) => void);
  /**
   * Make each wave's stacks depend on the previous wave's, so `cdktf deploy` applies waves in order.
   * @default true
   */
  readonly orderWaves?: boolean;
}

export interface TenantFleetProps extends TenantFleetOptions {
  readonly tenants: readonly FleetTenant[];
  /** Settings every tenant gets unless it sets its own. @default none */
  readonly defaults?: FleetDefaults;
  /** Base for relative paths (allow lists, secret files, certificates, state). @default the current directory */
  readonly baseDirectory?: string;
  /** Names the input in error messages. @default 'TenantFleet props' */
  readonly source?: string;
}

/** A tenant as the fleet resolved it. */
export interface ResolvedFleetTenant {
  readonly tenant: string;
  readonly name: string;
  readonly wave: number;
  readonly credentials: TenantCredentials;
  readonly endpoint?: string;
  readonly maxConcurrentRequests?: number;
  readonly allowedMailboxes: MailboxList;
  readonly baseline: FleetBaseline;
}

export interface TenantStackProps extends ResolvedFleetTenant {
  /** Base for relative secret-file and certificate paths. */
  readonly baseDirectory: string;
  readonly stateDirectory: string;
  readonly backend?: FleetBackend | ((stack: TenantStack) => void);
}

const TOP_KEYS = ['version', 'defaults', 'stateDirectory', 'backend', 'tenants'] as const;
const BACKEND_KEYS = ['type', 'config', 'keyPrefix'] as const;
const BACKEND_TYPES: readonly FleetBackendType[] = ['azurerm', 's3', 'remote', 'pg'];
const DEFAULT_KEY_PREFIX: Record<FleetBackendType, string> = {
  azurerm: 'exoform/',
  s3: 'exoform/',
  remote: 'exoform-',
  pg: 'exoform_',
};
/** The setting the fleet sets per tenant, so the config must not. */
const BACKEND_KEY_SETTINGS: Record<FleetBackendType, string> = {
  azurerm: 'key',
  s3: 'key',
  remote: 'workspaces',
  pg: 'schema_name',
};
/** Settings that are secrets: each backend reads them from its environment (BACKEND_SECRET_ENV). */
const BACKEND_SECRET_SETTINGS =
  /^(access_key|secret_key|sas_token|client_secret|client_certificate_password|token|password|conn_str)$/;
const BACKEND_SECRET_ENV: Record<FleetBackendType, string> = {
  azurerm: 'ARM_ACCESS_KEY, ARM_SAS_TOKEN or ARM_CLIENT_SECRET (better: use_oidc or use_azuread_auth)',
  s3: 'AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (better: an OIDC role)',
  remote: 'TF_TOKEN_<host> (e.g. TF_TOKEN_app_terraform_io)',
  pg: 'PG_CONN_STR',
};
/** CI systems announce themselves with these variables. */
const CI_VARIABLES = ['CI', 'GITHUB_ACTIONS', 'TF_BUILD', 'GITLAB_CI', 'BUILDKITE', 'JENKINS_URL'] as const;

/** True when this process runs in a CI job (where local state is lost with the job). */
function runningInCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return CI_VARIABLES.some((name) => {
    const value = env[name];
    return value !== undefined && value !== '' && value.toLowerCase() !== 'false' && value !== '0';
  });
}

/** Checks a FleetBackend (typed or from the file) and adds its problems. */
function checkBackend(value: unknown, where: string, problems: Problems): void {
  if (value === undefined || typeof value === 'function') return;
  if (!isPlainObject(value)) {
    problems.add(where, `must be { type: azurerm | s3 | remote | pg, config: {...} }, got ${describeValue(value)}`);
    return;
  }
  checkKnownKeys(value, BACKEND_KEYS, where, problems);
  const type = value.type as FleetBackendType;
  if (!BACKEND_TYPES.includes(type)) {
    problems.add(
      joinPath(where, 'type'),
      `must be one of ${BACKEND_TYPES.join(', ')} (remote is HCP Terraform), got ${describeValue(value.type)}`,
    );
  }
  const prefix = value.keyPrefix;
  if (prefix !== undefined && (typeof prefix !== 'string' || !/^[A-Za-z0-9_./-]*$/.test(prefix))) {
    problems.add(
      joinPath(where, 'keyPrefix'),
      `must be letters, digits, '_', '.', '/' or '-', got ${describeValue(prefix)}`,
    );
  }
  if (value.config !== undefined && !isPlainObject(value.config)) {
    problems.add(joinPath(where, 'config'), `must be an object of settings, got ${describeValue(value.config)}`);
  } else if (isPlainObject(value.config)) {
    for (const [key, setting] of Object.entries(value.config)) {
      const at = joinPath(joinPath(where, 'config'), key);
      if (BACKEND_TYPES.includes(type) && key === BACKEND_KEY_SETTINGS[type]) {
        problems.add(at, `is set per tenant by the fleet (<keyPrefix><tenant name>); remove it, or set keyPrefix`);
      } else if (BACKEND_SECRET_SETTINGS.test(key)) {
        const source = BACKEND_TYPES.includes(type) ? BACKEND_SECRET_ENV[type] : 'its environment variable';
        problems.add(
          at,
          `is a secret and would be written into cdktf.out/: leave it out and give it to the backend as ${source}`,
        );
      } else if (!['string', 'number', 'boolean'].includes(typeof setting)) {
        problems.add(at, `must be a string, number or true/false, got ${describeValue(setting)}`);
      }
    }
  }
}

/** Gives a tenant stack its own key in the fleet's backend. */
function configureBackend(stack: TenantStack, backend: FleetBackend): void {
  const prefix = backend.keyPrefix ?? DEFAULT_KEY_PREFIX[backend.type];
  // The settings keep Terraform's names: cdktf writes backend props in snake_case, which leaves these as they are.
  const config = { ...backend.config };
  switch (backend.type) {
    case 'azurerm':
      new AzurermBackend(stack, { ...config, key: `${prefix}${stack.tenantName}.tfstate` } as never);
      break;
    case 's3': {
      // s3 locks only when asked: its own lock file (Terraform 1.10+, OpenTofu 1.10+) unless DynamoDB is named.
      const locking = 'dynamodb_table' in config || 'use_lockfile' in config ? {} : { use_lockfile: true };
      new S3Backend(stack, { ...locking, ...config, key: `${prefix}${stack.tenantName}.tfstate` } as never);
      break;
    }
    case 'remote':
      new RemoteBackend(stack, {
        ...config,
        workspaces: new NamedRemoteWorkspace(`${prefix}${stack.tenantName}`),
      } as never);
      break;
    case 'pg': {
      // pg creates the schema with the name as it is: letters, digits and '_' only.
      const schemaName = `${prefix}${stack.tenantName}`.replace(/[^A-Za-z0-9_]/g, '_');
      new PgBackend(stack, { ...config, schemaName } as never);
      break;
    }
  }
}

const TENANT_KEYS = [
  'tenant',
  'name',
  'wave',
  'credentials',
  'endpoint',
  'maxConcurrentRequests',
  'allowList',
  'baseline',
] as const;
const DEFAULTS_KEYS = ['credentials', 'endpoint', 'maxConcurrentRequests', 'baseline'] as const;
const CREDENTIAL_KEYS = [
  'accessToken',
  'clientId',
  'certificatePath',
  'certificatePassword',
  'clientSecret',
  'federatedTokenFile',
] as const;
const SECRET_KEYS = ['accessToken', 'certificatePassword', 'clientSecret'] as const;
const BASELINE_KEYS = [
  'disableSmtpAuthOrgWide',
  'exclusive',
  'allowLegacyTlsClients',
  'restoreOnDestroy',
  'authenticationPolicy',
] as const;
const POLICY_KEYS = ['name', 'allowBasicAuth', 'assignTo', 'revokeRefreshTokens', 'organizationDefault'] as const;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const NAME = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

/** The stack/state name a tenant gets when the fleet does not name it. */
export function defaultTenantName(tenant: string): string {
  if (GUID.test(tenant)) return `tenant-${tenant.slice(0, 8).toLowerCase()}`;
  const domain = tenant.toLowerCase();
  const short = domain.endsWith('.onmicrosoft.com') ? domain.slice(0, -'.onmicrosoft.com'.length) : domain;
  return (
    short
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40)
      .replace(/-+$/, '') || 'tenant'
  );
}

function describeSecretReferenceProblem(value: unknown, where: string, problems: Problems, secret: boolean): void {
  if (typeof value === 'string') {
    if (secret) {
      problems.add(
        where,
        'an inline secret is not accepted: it would be written into cdktf.out/ and CI logs. Reference it instead: { env: TF_VAR_<name> } (exported by the pipeline) or { file: <path> }',
      );
    } else if (value.trim() === '') problems.add(where, 'must not be empty');
    return;
  }
  if (!isPlainObject(value)) {
    problems.add(where, `must be { env: TF_VAR_<name> } or { file: <path> }, got ${describeValue(value)}`);
    return;
  }
  const keys = Object.keys(value).filter((key) => !key.startsWith('$'));
  if (keys.length !== 1 || (keys[0] !== 'env' && keys[0] !== 'file')) {
    problems.add(where, `must have exactly one key, env or file, got ${describeValue(value)}`);
    return;
  }
  const reference = value[keys[0]];
  if (typeof reference !== 'string' || reference.trim() === '') {
    problems.add(joinPath(where, keys[0]), `must be a non-empty string, got ${describeValue(reference)}`);
  } else if (keys[0] === 'env' && !ENV_REFERENCE.test(reference)) {
    problems.add(
      joinPath(where, 'env'),
      `"${reference}" is not a TF_VAR_ variable: Terraform reads input variables only from TF_VAR_<name> environment variables. Use e.g. "TF_VAR_${
        reference
          .replace(/^TF_VAR_/i, '')
          .replace(/[^A-Za-z0-9_-]/g, '_')
          .toLowerCase() || 'exo_token'
      }" and export that`,
    );
  }
}

function checkCredentials(value: unknown, where: string, problems: Problems): TenantCredentials | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) {
    problems.add(
      where,
      `must be an object with accessToken, or clientId with certificatePath or clientSecret; got ${describeValue(value)}`,
    );
    return undefined;
  }
  checkKnownKeys(value, CREDENTIAL_KEYS, where, problems);
  for (const key of SECRET_KEYS)
    if (value[key] !== undefined) describeSecretReferenceProblem(value[key], joinPath(where, key), problems, true);
  if (value.clientId !== undefined)
    describeSecretReferenceProblem(value.clientId, joinPath(where, 'clientId'), problems, false);
  if (
    value.certificatePath !== undefined &&
    (typeof value.certificatePath !== 'string' || value.certificatePath.trim() === '')
  ) {
    problems.add(
      joinPath(where, 'certificatePath'),
      `must be the path of the certificate file, got ${describeValue(value.certificatePath)}`,
    );
  }
  if (
    value.federatedTokenFile !== undefined &&
    (typeof value.federatedTokenFile !== 'string' || value.federatedTokenFile.trim() === '')
  ) {
    problems.add(
      joinPath(where, 'federatedTokenFile'),
      `must be the path of the file your CI writes its OIDC token to, got ${describeValue(value.federatedTokenFile)}`,
    );
  }
  const has = (key: string): boolean => value[key] !== undefined && value[key] !== null;
  const appCredentials = ['certificatePath', 'clientSecret', 'federatedTokenFile'].filter(has);
  if (has('accessToken') && (has('clientId') || appCredentials.length)) {
    problems.add(
      where,
      'give either accessToken, or clientId with certificatePath, clientSecret or federatedTokenFile, not both',
    );
  } else if (!has('accessToken')) {
    if (!has('clientId'))
      problems.add(
        where,
        'has no accessToken and no clientId: give accessToken, or clientId with certificatePath, clientSecret or federatedTokenFile',
      );
    else if (appCredentials.length > 1)
      problems.add(
        where,
        `give one of ${appCredentials.join(', ')}, not ${appCredentials.length === 2 ? 'both' : 'several'}`,
      );
    else if (!appCredentials.length)
      problems.add(
        where,
        'clientId needs certificatePath (with certificatePassword if the file has one), clientSecret or federatedTokenFile',
      );
  }
  if (has('certificatePassword') && !has('certificatePath'))
    problems.add(joinPath(where, 'certificatePassword'), 'is only used with certificatePath');
  return value as TenantCredentials;
}

function checkEndpoint(value: unknown, where: string, problems: Problems): void {
  if (value === undefined) return;
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    problems.add(where, `must be an https URL such as https://outlook.office365.com, got ${describeValue(value)}`);
}

function checkMaxConcurrentRequests(value: unknown, where: string, problems: Problems): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 64)
    problems.add(where, `must be a whole number from 1 to 64, got ${describeValue(value)}`);
}

function checkBaseline(value: unknown, where: string, problems: Problems): FleetBaseline | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) {
    problems.add(where, `must be an object with some of ${BASELINE_KEYS.join(', ')}; got ${describeValue(value)}`);
    return undefined;
  }
  checkKnownKeys(value, BASELINE_KEYS, where, problems);
  for (const key of ['disableSmtpAuthOrgWide', 'exclusive', 'allowLegacyTlsClients', 'restoreOnDestroy']) {
    if (value[key] !== undefined && typeof value[key] !== 'boolean')
      problems.add(joinPath(where, key), `must be true or false, got ${describeValue(value[key])}`);
  }
  const policy = value.authenticationPolicy;
  if (policy !== undefined) {
    const at = joinPath(where, 'authenticationPolicy');
    if (!isPlainObject(policy))
      problems.add(at, `must be an object with at least a name, got ${describeValue(policy)}`);
    else {
      checkKnownKeys(policy, POLICY_KEYS, at, problems);
      if (typeof policy.name !== 'string' || policy.name.trim() === '')
        problems.add(joinPath(at, 'name'), `must be the policy name, got ${describeValue(policy.name)}`);
      for (const key of ['allowBasicAuth', 'assignTo']) {
        const list = policy[key];
        if (
          list !== undefined &&
          !MailboxList.isMailboxList(list) &&
          (!Array.isArray(list) || list.some((item) => typeof item !== 'string'))
        ) {
          problems.add(joinPath(at, key), `must be a list of strings, got ${describeValue(list)}`);
        }
      }
      for (const key of ['revokeRefreshTokens', 'organizationDefault']) {
        if (policy[key] !== undefined && typeof policy[key] !== 'boolean')
          problems.add(joinPath(at, key), `must be true or false, got ${describeValue(policy[key])}`);
      }
    }
  }
  return value as FleetBaseline;
}

/** Every string in the input that looks like a secret, wherever it is (a token pasted into `name` is still a leak). */
function scanForSecrets(value: unknown, where: string, problems: Problems, seen = new Set<unknown>()): void {
  if (typeof value === 'string') {
    const kind = secretKind(value);
    if (kind)
      problems.add(
        where,
        `looks like ${kind}; secrets are never written in the fleet file. Reference it under credentials as { env: TF_VAR_<name> } or { file: <path> }`,
      );
    return;
  }
  if (value === null || typeof value !== 'object' || seen.has(value) || MailboxList.isMailboxList(value)) return;
  seen.add(value);
  if (Array.isArray(value))
    value.forEach((item, index) => scanForSecrets(item, joinPath(where, index), problems, seen));
  else for (const [key, item] of Object.entries(value)) scanForSecrets(item, joinPath(where, key), problems, seen);
}

function resolvePath(baseDirectory: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDirectory, path);
}

/** Validates the fleet input (typed props or a parsed file) and resolves each tenant; throws with every problem listed. */
function resolveTenants(path: string, props: TenantFleetProps, baseDirectory: string): ResolvedFleetTenant[] {
  const problems = new Problems();
  const input = props as unknown as Record<string, unknown>;
  const backend = typeof input.backend === 'function' ? undefined : input.backend;
  scanForSecrets({ defaults: input.defaults, tenants: input.tenants, backend }, '', problems);
  checkBackend(input.backend, 'backend', problems);
  if (input.backend !== undefined && props.stateDirectory !== undefined) {
    problems.add('stateDirectory', 'is for local state files and the fleet has a backend: remove one of them');
  }

  const defaults = isPlainObject(input.defaults) ? input.defaults : {};
  if (input.defaults !== undefined) {
    if (!isPlainObject(input.defaults))
      problems.add('defaults', `must be an object, got ${describeValue(input.defaults)}`);
    else checkKnownKeys(input.defaults, DEFAULTS_KEYS, 'defaults', problems);
  }
  const defaultCredentials = checkCredentials(defaults.credentials, 'defaults.credentials', problems);
  checkEndpoint(defaults.endpoint, 'defaults.endpoint', problems);
  checkMaxConcurrentRequests(defaults.maxConcurrentRequests, 'defaults.maxConcurrentRequests', problems);
  const defaultBaseline = checkBaseline(defaults.baseline, 'defaults.baseline', problems) ?? {};

  const tenants = input.tenants;
  const resolved: ResolvedFleetTenant[] = [];
  if (!Array.isArray(tenants) || tenants.length === 0) {
    problems.add('tenants', `must be a non-empty list of tenants, got ${describeValue(tenants)}`);
  } else {
    const byTenant = new Map<string, string>();
    const byName = new Map<string, string>();
    tenants.forEach((entry: unknown, index: number) => {
      let where = `tenants[${index}]`;
      if (!isPlainObject(entry)) {
        problems.add(where, `must be an object with at least "tenant" and "credentials", got ${describeValue(entry)}`);
        return;
      }
      checkKnownKeys(entry, TENANT_KEYS, where, problems);
      const tenant = entry.tenant;
      if (typeof tenant !== 'string' || !(DOMAIN.test(tenant) || GUID.test(tenant))) {
        problems.add(
          joinPath(where, 'tenant'),
          `must be the tenant's initial domain (contoso.onmicrosoft.com) or tenant id, got ${describeValue(tenant)}`,
        );
        return;
      }
      where = `${where} (${tenant})`;
      const key = tenant.toLowerCase();
      const earlier = byTenant.get(key);
      if (earlier)
        problems.add(
          where,
          `is already in the fleet as ${earlier}; each tenant appears once (two stacks would fight over the same settings). Remove one`,
        );
      else byTenant.set(key, `tenants[${index}]`);

      const name = entry.name === undefined ? defaultTenantName(tenant) : entry.name;
      if (typeof name !== 'string' || !NAME.test(name)) {
        problems.add(
          joinPath(where, 'name'),
          `must be 1-40 lower-case letters, digits and dashes (it names the stack and the state file), got ${describeValue(name)}`,
        );
      } else {
        const owner = byName.get(name);
        if (owner) {
          problems.add(
            joinPath(where, 'name'),
            `"${name}" is already the name of ${owner}; stack and state names must be unique. Give one of them another \`name\``,
          );
        } else byName.set(name, `tenants[${index}] (${tenant})`);
      }

      const wave = entry.wave ?? 0;
      if (typeof wave !== 'number' || !Number.isInteger(wave) || wave < 0 || wave > 99)
        problems.add(joinPath(where, 'wave'), `must be a whole number from 0 to 99, got ${describeValue(wave)}`);

      const own = checkCredentials(entry.credentials, joinPath(where, 'credentials'), problems);
      const credentials = own ?? defaultCredentials;
      if (!credentials) {
        problems.add(
          where,
          'has no credentials and the fleet has no defaults.credentials: add credentials (accessToken: { env: TF_VAR_<name> }, or clientId with certificatePath or clientSecret) to the tenant or to defaults',
        );
      }
      checkEndpoint(entry.endpoint, joinPath(where, 'endpoint'), problems);
      checkMaxConcurrentRequests(entry.maxConcurrentRequests, joinPath(where, 'maxConcurrentRequests'), problems);
      const baseline = checkBaseline(entry.baseline, joinPath(where, 'baseline'), problems) ?? {};

      let allowedMailboxes = MailboxList.fromArray([], `${where}.allowList`);
      const allowList = entry.allowList;
      try {
        if (typeof allowList === 'string') {
          const file = resolvePath(baseDirectory, allowList);
          if (!existsSync(file))
            throw new Error(
              `the allow-list file ${file} does not exist; check the path (relative to ${baseDirectory})`,
            );
          allowedMailboxes = MailboxList.fromFile(file);
        } else if (MailboxList.isMailboxList(allowList)) allowedMailboxes = allowList;
        else if (Array.isArray(allowList))
          allowedMailboxes = MailboxList.fromArray(allowList as string[], `${where}.allowList`);
        else if (allowList !== undefined)
          throw new Error(
            `must be the path of an allow-list file or a list of addresses, got ${describeValue(allowList)}`,
          );
      } catch (error) {
        if (error instanceof MailboxListError) {
          for (const p of error.problems) {
            problems.add(
              joinPath(where, 'allowList'),
              `${error.unit === 'line' ? `${error.source}:${p.line}` : `entry ${p.line}`}: ${JSON.stringify(p.entry)} ${p.problem}`,
            );
          }
        } else problems.add(joinPath(where, 'allowList'), (error as Error).message);
      }

      if (credentials && typeof name === 'string' && typeof wave === 'number') {
        resolved.push({
          tenant,
          name,
          wave,
          credentials,
          endpoint: (entry.endpoint ?? defaults.endpoint) as string | undefined,
          maxConcurrentRequests: (entry.maxConcurrentRequests ?? defaults.maxConcurrentRequests) as number | undefined,
          allowedMailboxes,
          baseline: { ...defaultBaseline, ...baseline },
        });
      }
    });
  }
  if (!problems.ok) {
    throw new ConstructValidationError(
      path,
      `${props.source ?? 'TenantFleet props'} is invalid:\n${problems.format()}`,
      'Correct the entries listed above (the fleet format is described in constructs/README.md, "Fleet file").',
    );
  }
  return resolved;
}

export class TenantStack extends TerraformStack {
  /** The tenant (initial domain or id), as the provider's `organization`. */
  readonly tenant: string;
  /** The tenant's short name: the last part of the stack name and the name of its state. */
  readonly tenantName: string;
  readonly wave: number;
  readonly provider: ExchangeonlineProvider;
  readonly baseline: SmtpAuthBaseline;

  constructor(scope: Construct, id: string, props: TenantStackProps) {
    super(scope, id);
    this.tenant = props.tenant;
    this.tenantName = props.name;
    this.wave = props.wave;
    const variables = new Map<string, TerraformVariable>();
    const secret = (field: string, reference: SecretReference | string | undefined): string | undefined => {
      if (reference === undefined || typeof reference === 'string') return reference;
      if ('file' in reference)
        return Fn.sensitive(Fn.trimspace(Fn.file(resolvePath(props.baseDirectory, reference.file))));
      const match = typeof reference.env === 'string' ? ENV_REFERENCE.exec(reference.env) : null;
      if (!match) {
        throw new ConstructValidationError(
          this.node.path,
          `the ${field} reference ${JSON.stringify(reference.env)} is not a TF_VAR_ variable.`,
          'Reference secrets as { env: "TF_VAR_<name>" } or { file: "<path>" }.',
        );
      }
      const name = match[1];
      let variable = variables.get(name);
      if (!variable) {
        variable = new TerraformVariable(this, `credential-${name}`, {
          type: 'string',
          sensitive: true,
          nullable: false,
          description: `${field} for ${props.tenant}: export ${reference.env} before cdktf deploy / terraform plan.`,
        });
        variable.overrideLogicalId(name);
        // Ephemeral (Terraform 1.10+): kept out of saved plan files and state, unlike a variable that is only
        // sensitive. Neither cdktf 0.21 nor cdktn 0.24 has an `ephemeral` option yet, so it is set as an override.
        variable.addOverride('ephemeral', true);
        variables.set(name, variable);
      }
      return variable.stringValue;
    };
    const credentials = props.credentials;
    this.provider = new ExchangeonlineProvider(this, 'exchangeonline', {
      organization: props.tenant,
      endpoint: props.endpoint,
      maxConcurrentRequests: props.maxConcurrentRequests,
      accessToken: secret('access token', credentials.accessToken),
      clientId: secret('client id', credentials.clientId),
      certificatePath:
        credentials.certificatePath === undefined
          ? undefined
          : resolvePath(props.baseDirectory, credentials.certificatePath),
      certificatePassword: secret('certificate password', credentials.certificatePassword),
      clientSecret: secret('client secret', credentials.clientSecret),
      federatedTokenFile:
        credentials.federatedTokenFile === undefined
          ? undefined
          : resolvePath(props.baseDirectory, credentials.federatedTokenFile),
    });
    if (typeof props.backend === 'function') props.backend(this);
    else if (props.backend) configureBackend(this, props.backend);
    else new LocalBackend(this, { path: join(props.stateDirectory, `${props.name}.tfstate`) });
    this.baseline = new SmtpAuthBaseline(this, 'baseline', {
      ...props.baseline,
      allowedMailboxes: props.allowedMailboxes,
      provider: this.provider,
    });
  }
}

export class TenantFleet extends Construct {
  /**
   * Reads a fleet file (YAML, or JSON for `.json`) and builds the fleet. Relative paths in it (allow lists, secret
   * files, certificates, state) are relative to the file's directory.
   */
  static fromFile(scope: Construct, id: string, path: string, options: TenantFleetOptions = {}): TenantFleet {
    const where = scope.node.path ? `${scope.node.path}/${id}` : id;
    const file = resolve(path);
    let parsed: unknown;
    try {
      const text = readFileSync(file, 'utf8');
      if (extname(file).toLowerCase() === '.json') parsed = JSON.parse(text);
      else {
        // Loaded only here: plain TypeScript fleets never need a YAML parser.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const yaml = require('yaml') as typeof import('yaml');
        parsed = yaml.parse(text, { prettyErrors: true, uniqueKeys: true });
      }
    } catch (error) {
      throw new ConstructValidationError(
        where,
        `cannot read the fleet file ${file}: ${(error as Error).message}`,
        'Check the path and the YAML/JSON syntax at the position given.',
      );
    }
    if (!isPlainObject(parsed)) {
      throw new ConstructValidationError(
        where,
        `the fleet file ${file} must hold an object with "tenants", got ${describeValue(parsed)}`,
        'See constructs/README.md, "Fleet file".',
      );
    }
    const problems = new Problems();
    checkKnownKeys(parsed, TOP_KEYS, '', problems);
    if (parsed.version !== undefined && parsed.version !== 1)
      problems.add('version', `must be 1, got ${describeValue(parsed.version)}`);
    if (
      parsed.stateDirectory !== undefined &&
      (typeof parsed.stateDirectory !== 'string' || parsed.stateDirectory.trim() === '')
    ) {
      problems.add('stateDirectory', `must be a directory path, got ${describeValue(parsed.stateDirectory)}`);
    }
    if (!problems.ok)
      throw new ConstructValidationError(
        where,
        `${file} is invalid:\n${problems.format()}`,
        'Correct the entries listed above (see constructs/README.md, "Fleet file").',
      );
    return new TenantFleet(scope, id, {
      ...options,
      tenants: parsed.tenants as FleetTenant[],
      defaults: parsed.defaults as FleetDefaults | undefined,
      backend: options.backend ?? (parsed.backend as FleetBackend | undefined),
      stateDirectory: options.stateDirectory ?? (parsed.stateDirectory as string | undefined),
      baseDirectory: dirname(file),
      source: file,
    });
  }

  /** Every tenant stack, in wave order, then in the order of the input. */
  readonly stacks: readonly TenantStack[];
  /** The stacks of each wave, lowest wave first (empty waves left out). */
  readonly waves: readonly (readonly TenantStack[])[];

  constructor(scope: Construct, id: string, props: TenantFleetProps) {
    super(scope, id);
    if (!App.isApp(scope)) {
      throw new ConstructValidationError(
        this.node.path,
        "a TenantFleet must be created directly in the App: its tenant stacks are the App's children, so the cdktf CLI can name, select and order them.",
        'Create it with new TenantFleet(app, ...) or TenantFleet.fromFile(app, ...).',
      );
    }
    const baseDirectory = resolve(props.baseDirectory ?? process.cwd());
    const tenants = resolveTenants(this.node.path, props, baseDirectory);
    if (props.backend === undefined && props.stateDirectory === undefined) {
      // Never silently local in a pipeline: the state would be lost with the job, and the next run would adopt
      // every tenant again and find no drift.
      if (runningInCi()) {
        throw new ConstructValidationError(
          this.node.path,
          `${props.source ?? 'the fleet'} names no backend, and this runs in CI, where local state files are lost ` +
            'with the job.',
          'Add a backend (fleet file: backend: { type: azurerm | s3 | remote | pg, config: {...} }; ' +
            'constructs/README.md, "State"), or set stateDirectory to keep local state files on purpose.',
        );
      }
      Annotations.of(this).addWarning(
        `no backend: each tenant's state is a local file under ${resolvePath(baseDirectory, 'state')}. ` +
          'Add a backend (constructs/README.md, "State") before a pipeline runs this fleet.',
      );
    }
    const stateDirectory = resolvePath(baseDirectory, props.stateDirectory ?? 'state');
    const waveNumbers = [...new Set(tenants.map((t) => t.wave))].sort((a, b) => a - b);
    const waves: TenantStack[][] = [];
    for (const wave of waveNumbers) {
      const stacks = tenants
        .filter((t) => t.wave === wave)
        .map(
          (tenant) =>
            new TenantStack(scope, `${id}-w${wave}-${tenant.name}`, {
              ...tenant,
              baseDirectory,
              stateDirectory,
              backend: props.backend,
            }),
        );
      if (props.orderWaves ?? true) {
        const previous = waves[waves.length - 1] ?? [];
        for (const stack of stacks) for (const dependency of previous) stack.addDependency(dependency);
      }
      waves.push(stacks);
    }
    this.waves = Object.freeze(waves.map((stacks) => Object.freeze(stacks)));
    this.stacks = Object.freeze(waves.flat());
  }

  /** The stack of a tenant (by domain or id, case-insensitive, or by its short name). */
  stackFor(tenantOrName: string): TenantStack | undefined {
    const key = tenantOrName.toLowerCase();
    return this.stacks.find((stack) => stack.tenant.toLowerCase() === key || stack.tenantName === key);
  }
}
