/**
 * Which tenants `exoform report` reads, and with what credentials: one tenant from the provider's EXO_* variables,
 * or every tenant of a fleet file (the same YAML/JSON file TenantFleet reads: constructs/README.md, "Fleet file").
 *
 * Graph needs a token for https://graph.microsoft.com. App credentials (client secret or certificate) get one from
 * the same app. A ready-made Exchange access token cannot call Graph: EXO_GRAPH_ACCESS_TOKEN supplies one for a
 * single tenant, and against the emulator (a loopback endpoint) the emulator's token serves both.
 */
import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { ConfigurationError } from '../bridge/errors';
import { createRestBridge, type RestBridgeSettings } from '../bridge/rest/create-rest-bridge';
import { createGraphClient, graphBaseUrl } from '../graph/graph-auth';
import type { TenantTarget } from './collect';

export interface TargetSettings extends RestBridgeSettings {
  name?: string;
  graphEndpoint?: string;
  graphAccessToken?: string;
  maxConcurrentRequests?: number;
}

export { graphBaseUrl };

const set = (value: string | undefined): string | undefined =>
  value !== undefined && value.trim() !== '' ? value : undefined;

/** What the report says to supply when it has only an Exchange access token. */
const GRAPH_REMEDY = 'set EXO_GRAPH_ACCESS_TOKEN, or use client credentials';

export function targetFor(settings: TargetSettings): TenantTarget {
  const tenant = settings.organization ?? '';
  return {
    tenant,
    name: settings.name ?? defaultName(tenant),
    maxConcurrentRequests: settings.maxConcurrentRequests,
    bridge: () =>
      createRestBridge({
        organization: settings.organization,
        accessToken: settings.accessToken,
        clientId: settings.clientId,
        clientSecret: settings.clientSecret,
        certificatePath: settings.certificatePath,
        certificatePassword: settings.certificatePassword,
        endpoint: settings.endpoint,
      }),
    graph: () => createGraphClient(settings, GRAPH_REMEDY),
  };
}

/** `contoso` for contoso.onmicrosoft.com (TenantFleet's rule for stack names). */
export function defaultName(tenant: string): string {
  return (
    tenant
      .split('.')[0]!
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-') || 'tenant'
  );
}

/** One tenant from the provider's environment variables (the flags given win). */
export function targetFromEnvironment(
  env: NodeJS.ProcessEnv,
  overrides: { tenant?: string; endpoint?: string; graphEndpoint?: string },
): TenantTarget {
  const organization = overrides.tenant ?? set(env.EXO_ORGANIZATION);
  if (!organization) {
    throw new ConfigurationError(
      'No tenant to report on.',
      'Pass --tenant <domain>, set EXO_ORGANIZATION, or pass --fleet <file>.',
      ['organization'],
    );
  }
  const max = set(env.EXO_MAX_CONCURRENT_REQUESTS);
  return targetFor({
    organization,
    accessToken: set(env.EXO_ACCESS_TOKEN),
    clientId: set(env.EXO_CLIENT_ID),
    clientSecret: set(env.EXO_CLIENT_SECRET),
    certificatePath: set(env.EXO_CERTIFICATE_PATH),
    certificatePassword: env.EXO_CERTIFICATE_PASSWORD,
    endpoint: overrides.endpoint ?? set(env.EXO_ENDPOINT),
    graphEndpoint: overrides.graphEndpoint ?? set(env.EXO_GRAPH_ENDPOINT),
    graphAccessToken: set(env.EXO_GRAPH_ACCESS_TOKEN),
    maxConcurrentRequests: max ? Number(max) : undefined,
  });
}

type SecretReference = { env: string } | { file: string };

/**
 * Every tenant of a fleet file. Only what the report needs is read (tenant, name, credentials, endpoint,
 * maxConcurrentRequests, with `defaults`); the baseline and allow-list keys are TenantFleet's and ignored here.
 * A secret that can't be resolved fails that tenant alone, reported as such, not the run.
 */
export function targetsFromFleetFile(
  path: string,
  env: NodeJS.ProcessEnv,
  overrides: { endpoint?: string; graphEndpoint?: string },
): TenantTarget[] {
  const file = resolve(path);
  let parsed: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    parsed =
      extname(file).toLowerCase() === '.json'
        ? JSON.parse(text)
        : (require('yaml') as typeof import('yaml')).parse(text, { uniqueKeys: true });
  } catch (error) {
    throw new ConfigurationError(
      `Cannot read the fleet file ${file}: ${(error as Error).message}`,
      'Check the path and the YAML/JSON syntax.',
      ['fleet'],
    );
  }
  const fleet = parsed as { tenants?: unknown; defaults?: Record<string, unknown> };
  if (!fleet || typeof fleet !== 'object' || !Array.isArray(fleet.tenants) || fleet.tenants.length === 0) {
    throw new ConfigurationError(
      `The fleet file ${file} has no "tenants" list.`,
      'See constructs/README.md, "Fleet file".',
      ['fleet'],
    );
  }
  const base = dirname(file);
  const defaults = (fleet.defaults ?? {}) as Record<string, unknown>;
  return fleet.tenants.map((entry, index) => {
    const t = entry as Record<string, unknown>;
    if (!t || typeof t.tenant !== 'string' || t.tenant.trim() === '') {
      throw new ConfigurationError(
        `tenants[${index}] in ${file} has no "tenant".`,
        'Give each tenant its initial domain or tenant id.',
        ['fleet'],
      );
    }
    const credentials = {
      ...((defaults.credentials ?? {}) as Record<string, unknown>),
      ...((t.credentials ?? {}) as Record<string, unknown>),
    };
    const name = typeof t.name === 'string' ? t.name : defaultName(t.tenant);
    const endpoint =
      overrides.endpoint ??
      (t.endpoint as string | undefined) ??
      (defaults.endpoint as string | undefined) ??
      set(env.EXO_ENDPOINT);
    const max = (t.maxConcurrentRequests ?? defaults.maxConcurrentRequests) as number | undefined;
    const secret = (field: string): string | undefined => {
      const reference = credentials[field] as SecretReference | string | undefined;
      if (reference === undefined) return undefined;
      if (typeof reference === 'string') {
        // Only the client id may be written inline; a secret in the file would end up in repositories and CI logs.
        if (field === 'clientId') return reference;
        throw new ConfigurationError(
          `The fleet's ${field} for ${t.tenant} is written inline; secrets are never accepted in the fleet file.`,
          `Reference it instead: { env: TF_VAR_<name> } or { file: <path> }.`,
          [field],
        );
      }
      if ('env' in reference) {
        const value = set(env[reference.env]);
        if (value === undefined)
          throw new ConfigurationError(
            `The fleet's ${field} for ${t.tenant} comes from ${reference.env}, which is not set.`,
            `Export ${reference.env} before running the report.`,
            [field],
          );
        return value;
      }
      const secretPath = isAbsolute(reference.file) ? reference.file : resolve(base, reference.file);
      try {
        return readFileSync(secretPath, 'utf8').trim();
      } catch (error) {
        throw new ConfigurationError(
          `The fleet's ${field} for ${t.tenant} is read from ${secretPath}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
          'Check the file path in the fleet file.',
          [field],
        );
      }
    };
    const certificatePath = credentials.certificatePath as string | undefined;
    // Secrets are resolved when the tenant is read, so one missing variable fails that tenant, not the fleet.
    let target: TenantTarget | undefined;
    const resolveTarget = (): TenantTarget =>
      (target ??= targetFor({
        organization: t.tenant as string,
        name,
        accessToken: secret('accessToken'),
        clientId: secret('clientId'),
        clientSecret: secret('clientSecret'),
        certificatePath: certificatePath
          ? isAbsolute(certificatePath)
            ? certificatePath
            : resolve(base, certificatePath)
          : undefined,
        certificatePassword: secret('certificatePassword'),
        endpoint,
        graphEndpoint: overrides.graphEndpoint ?? set(env.EXO_GRAPH_ENDPOINT),
        maxConcurrentRequests: max,
      }));
    return {
      tenant: t.tenant,
      name,
      maxConcurrentRequests: max,
      bridge: () => resolveTarget().bridge(),
      graph: () => resolveTarget().graph(),
    };
  });
}
