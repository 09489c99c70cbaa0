/**
 * Seed fixtures: the human-written description of tenants the emulator starts from (format in README.md).
 *
 * Naming rule of the format: settings the product manages are spelled exactly like the cmdlet parameter
 * (`SmtpClientAuthenticationDisabled`, `AllowLegacyTLSClients`, `AuthenticationPolicy`, `AllowBasicAuthSmtp`, ...) so
 * they can be pasted from PowerShell; everything else (upn, type, displayName, ...) is camelCase.
 */
import { readFileSync } from 'node:fs';
import { FixtureGraph, validateGraphFixture } from './graph';
import { isGuid } from './ids';
import { BASIC_AUTH_SWITCHES, BasicAuthSwitch } from './model';
import {
  Problems,
  checkBoolean,
  checkKnownKeys,
  checkString,
  describeValue,
  isPlainObject,
  joinPath,
} from './problems';

export interface FixtureMailbox {
  upn: string;
  /** Default: the UPN. Real tenants often differ (UPN name@corp.example, mail name@example.com). */
  primarySmtpAddress?: string;
  type?: 'UserMailbox' | 'SharedMailbox';
  displayName?: string;
  alias?: string;
  name?: string;
  SmtpClientAuthenticationDisabled?: boolean | null;
  AuthenticationPolicy?: string | null;
}

export interface FixtureUser {
  upn: string;
  displayName?: string;
  alias?: string;
  name?: string;
  AuthenticationPolicy?: string | null;
}

export type FixturePolicy = { name: string } & Partial<Record<BasicAuthSwitch, boolean>>;

export interface FixtureTenant {
  /** The initial `x.onmicrosoft.com` domain. */
  domain: string;
  tenantId?: string;
  /** Further accepted (vanity) domains. */
  domains?: string[];
  transportConfig?: { SmtpClientAuthenticationDisabled?: boolean; AllowLegacyTLSClients?: boolean | null };
  organizationConfig?: { DefaultAuthenticationPolicy?: string | null };
  /** A UPN string is shorthand for `{ "upn": ... }`. */
  mailboxes?: Array<string | FixtureMailbox>;
  users?: Array<string | FixtureUser>;
  /** A name string is shorthand for a policy that allows no Basic auth at all. */
  authenticationPolicies?: Array<string | FixturePolicy>;
  /** Synthesise this many user mailboxes `user00001@<generatedMailboxDomain>` ... for load tests. */
  generatedMailboxes?: number;
  generatedMailboxDomain?: string;
  /** SmtpClientAuthenticationDisabled of every generated mailbox (default null = inherit), e.g. a large allow list. */
  generatedMailboxSmtpClientAuthenticationDisabled?: boolean | null;
  /** What the tenant's Microsoft Graph answers (sign-ins, security defaults, usage report): src/emulator/GRAPH.md. */
  graph?: FixtureGraph;
}

export interface FixtureDocument {
  tenants: FixtureTenant[];
}

export class FixtureError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string,
  ) {
    super(
      `Seed fixture ${source} is invalid:\n${problems}\n` +
        'Fix the fixture (the format is described in src/emulator/README.md, section "Seed fixtures") and start the emulator again.',
    );
    this.name = 'FixtureError';
  }
}

export const MAX_GENERATED_MAILBOXES = 1_000_000;
const DOMAIN_PATTERN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const TENANT_KEYS = [
  'domain',
  'tenantId',
  'domains',
  'transportConfig',
  'organizationConfig',
  'mailboxes',
  'users',
  'authenticationPolicies',
  'generatedMailboxes',
  'generatedMailboxDomain',
  'generatedMailboxSmtpClientAuthenticationDisabled',
  'graph',
] as const;

export function readFixtureFile(path: string): FixtureDocument {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new FixtureError(path, `  - the file cannot be read (${(error as Error).message}); check the --seed path`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new FixtureError(path, `  - not valid JSON: ${(error as Error).message}`);
  }
  return validateFixture(parsed, path);
}

/** Checks a parsed fixture; returns it typed or throws a FixtureError listing every problem with its JSON path. */
export function validateFixture(value: unknown, source: string): FixtureDocument {
  const problems = new Problems();
  if (!isPlainObject(value)) {
    problems.add('', `must be an object like {"tenants": [...]}, got ${describeValue(value)}`);
    throw new FixtureError(source, problems.format());
  }
  checkKnownKeys(value, ['tenants'], '', problems);
  if (!Array.isArray(value.tenants) || value.tenants.length === 0) {
    problems.add('tenants', `must be a non-empty array of tenants, got ${describeValue(value.tenants)}`);
  } else {
    const seenDomains = new Map<string, string>();
    const seenIds = new Map<string, string>();
    value.tenants.forEach((tenant, i) => validateTenant(tenant, `tenants[${i}]`, problems, seenDomains, seenIds));
  }
  if (!problems.ok) throw new FixtureError(source, problems.format());
  return value as unknown as FixtureDocument;
}

function validateTenant(
  tenant: unknown,
  path: string,
  problems: Problems,
  seenDomains: Map<string, string>,
  seenIds: Map<string, string>,
): void {
  if (!isPlainObject(tenant)) {
    problems.add(path, `must be an object with at least "domain", got ${describeValue(tenant)}`);
    return;
  }
  checkKnownKeys(tenant, TENANT_KEYS, path, problems);
  const domains: string[] = [];
  const reserveDomain = (domain: unknown, domainPath: string): void => {
    if (typeof domain !== 'string' || !DOMAIN_PATTERN.test(domain)) {
      problems.add(domainPath, `must be a domain name like "contoso.com", got ${describeValue(domain)}`);
      return;
    }
    const key = domain.toLowerCase();
    const owner = seenDomains.get(key);
    if (owner)
      problems.add(domainPath, `domain "${domain}" is already used by ${owner}; every domain belongs to one tenant`);
    seenDomains.set(key, domainPath);
    domains.push(key);
  };
  reserveDomain(tenant.domain, joinPath(path, 'domain'));
  if (typeof tenant.domain === 'string' && !tenant.domain.toLowerCase().endsWith('.onmicrosoft.com')) {
    problems.add(
      joinPath(path, 'domain'),
      `must be the initial "<name>.onmicrosoft.com" domain; list vanity domains under "domains"`,
    );
  }
  if (tenant.domains !== undefined) {
    if (!Array.isArray(tenant.domains)) problems.add(joinPath(path, 'domains'), `must be an array of domain names`);
    else tenant.domains.forEach((d, i) => reserveDomain(d, `${path}.domains[${i}]`));
  }
  if (tenant.tenantId !== undefined) {
    const idPath = joinPath(path, 'tenantId');
    if (typeof tenant.tenantId !== 'string' || !isGuid(tenant.tenantId)) {
      problems.add(
        idPath,
        `must be a GUID like "6f1c3f0e-2b1a-4c8e-9d3b-5a7e0c2f4b18", got ${describeValue(tenant.tenantId)}`,
      );
    } else {
      const owner = seenIds.get(tenant.tenantId.toLowerCase());
      if (owner) problems.add(idPath, `tenant id is already used by ${owner}`);
      seenIds.set(tenant.tenantId.toLowerCase(), idPath);
    }
  }

  const policyNames = validatePolicies(
    tenant.authenticationPolicies,
    joinPath(path, 'authenticationPolicies'),
    problems,
  );
  const checkPolicyRef = (ref: unknown, refPath: string): void => {
    checkString(ref, refPath, problems, { nullable: true });
    if (typeof ref === 'string' && !policyNames.has(ref.toLowerCase())) {
      problems.add(refPath, `names policy "${ref}", which is not in this tenant's authenticationPolicies`);
    }
  };

  const transport = tenant.transportConfig;
  if (transport !== undefined) {
    const tPath = joinPath(path, 'transportConfig');
    if (!isPlainObject(transport)) problems.add(tPath, 'must be an object');
    else {
      checkKnownKeys(transport, ['SmtpClientAuthenticationDisabled', 'AllowLegacyTLSClients'], tPath, problems);
      if ('SmtpClientAuthenticationDisabled' in transport) {
        checkBoolean(
          transport.SmtpClientAuthenticationDisabled,
          joinPath(tPath, 'SmtpClientAuthenticationDisabled'),
          problems,
        );
      }
      if ('AllowLegacyTLSClients' in transport) {
        checkBoolean(transport.AllowLegacyTLSClients, joinPath(tPath, 'AllowLegacyTLSClients'), problems, {
          nullable: true,
        });
      }
    }
  }
  const org = tenant.organizationConfig;
  if (org !== undefined) {
    const oPath = joinPath(path, 'organizationConfig');
    if (!isPlainObject(org)) problems.add(oPath, 'must be an object');
    else {
      checkKnownKeys(org, ['DefaultAuthenticationPolicy'], oPath, problems);
      if ('DefaultAuthenticationPolicy' in org)
        checkPolicyRef(org.DefaultAuthenticationPolicy, joinPath(oPath, 'DefaultAuthenticationPolicy'));
    }
  }

  const upns = new Set<string>();
  const checkPeople = (list: unknown, key: 'mailboxes' | 'users'): void => {
    const listPath = joinPath(path, key);
    if (list === undefined) return;
    if (!Array.isArray(list)) {
      problems.add(listPath, `must be an array of UPN strings or objects with "upn"`);
      return;
    }
    list.forEach((entry, i) => {
      const entryPath = `${listPath}[${i}]`;
      const item: Record<string, unknown> | undefined =
        typeof entry === 'string' ? { upn: entry } : isPlainObject(entry) ? entry : undefined;
      if (!item) {
        problems.add(entryPath, `must be a UPN string or an object with "upn", got ${describeValue(entry)}`);
        return;
      }
      const allowed = ['upn', 'displayName', 'alias', 'name', 'AuthenticationPolicy'];
      if (key === 'mailboxes') allowed.push('type', 'SmtpClientAuthenticationDisabled', 'primarySmtpAddress');
      checkKnownKeys(item, allowed, entryPath, problems);
      const upnPath = typeof entry === 'string' ? entryPath : joinPath(entryPath, 'upn');
      const upn = item.upn;
      const at = typeof upn === 'string' ? upn.lastIndexOf('@') : -1;
      if (typeof upn !== 'string' || at <= 0) {
        problems.add(upnPath, `must be a user principal name like "sean@contoso.com", got ${describeValue(upn)}`);
      } else if (!domains.includes(upn.slice(at + 1).toLowerCase())) {
        problems.add(
          upnPath,
          `domain "${upn.slice(at + 1)}" is not one of this tenant's domains (${domains.join(', ')}); add it to "domains"`,
        );
      } else if (upns.has(upn.toLowerCase())) {
        problems.add(upnPath, `"${upn}" is listed twice in this tenant`);
      } else upns.add(upn.toLowerCase());
      if ('primarySmtpAddress' in item) {
        const address = item.primarySmtpAddress;
        const addressAt = typeof address === 'string' ? address.lastIndexOf('@') : -1;
        if (
          typeof address !== 'string' ||
          addressAt <= 0 ||
          !domains.includes(address.slice(addressAt + 1).toLowerCase())
        ) {
          problems.add(
            joinPath(entryPath, 'primarySmtpAddress'),
            `must be an address in one of this tenant's domains (${domains.join(', ')}), got ${describeValue(address)}`,
          );
        }
      }
      for (const field of ['displayName', 'alias', 'name'] as const) {
        if (field in item) checkString(item[field], joinPath(entryPath, field), problems, { maxLength: 256 });
      }
      if ('type' in item && item.type !== 'UserMailbox' && item.type !== 'SharedMailbox') {
        problems.add(
          joinPath(entryPath, 'type'),
          `must be "UserMailbox" or "SharedMailbox", got ${describeValue(item.type)}`,
        );
      }
      if ('SmtpClientAuthenticationDisabled' in item) {
        checkBoolean(
          item.SmtpClientAuthenticationDisabled,
          joinPath(entryPath, 'SmtpClientAuthenticationDisabled'),
          problems,
          { nullable: true },
        );
      }
      if ('AuthenticationPolicy' in item)
        checkPolicyRef(item.AuthenticationPolicy, joinPath(entryPath, 'AuthenticationPolicy'));
    });
  };
  checkPeople(tenant.mailboxes, 'mailboxes');
  checkPeople(tenant.users, 'users');

  if (tenant.generatedMailboxes !== undefined) {
    const n = tenant.generatedMailboxes;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_GENERATED_MAILBOXES) {
      problems.add(
        joinPath(path, 'generatedMailboxes'),
        `must be a whole number from 0 to ${MAX_GENERATED_MAILBOXES}, got ${describeValue(n)}`,
      );
    }
  }
  const generatedSetting = tenant.generatedMailboxSmtpClientAuthenticationDisabled;
  if (generatedSetting !== undefined && generatedSetting !== null && typeof generatedSetting !== 'boolean') {
    problems.add(
      joinPath(path, 'generatedMailboxSmtpClientAuthenticationDisabled'),
      `must be true, false or null, got ${describeValue(generatedSetting)}`,
    );
  }
  validateGraphFixture(tenant.graph, joinPath(path, 'graph'), problems);
  if (tenant.generatedMailboxDomain !== undefined) {
    const gPath = joinPath(path, 'generatedMailboxDomain');
    if (
      typeof tenant.generatedMailboxDomain !== 'string' ||
      !domains.includes(tenant.generatedMailboxDomain.toLowerCase())
    ) {
      problems.add(
        gPath,
        `must be one of this tenant's domains (${domains.join(', ')}), got ${describeValue(tenant.generatedMailboxDomain)}`,
      );
    }
  }
}

/** Validates the policy list and returns the lower-cased names it defines. */
function validatePolicies(list: unknown, path: string, problems: Problems): Set<string> {
  const names = new Set<string>();
  if (list === undefined) return names;
  if (!Array.isArray(list)) {
    problems.add(path, 'must be an array of policy names or objects with "name"');
    return names;
  }
  list.forEach((entry, i) => {
    const entryPath = `${path}[${i}]`;
    const item: Record<string, unknown> | undefined =
      typeof entry === 'string' ? { name: entry } : isPlainObject(entry) ? entry : undefined;
    if (!item) {
      problems.add(entryPath, `must be a policy name or an object with "name", got ${describeValue(entry)}`);
      return;
    }
    checkKnownKeys(item, ['name', ...BASIC_AUTH_SWITCHES], entryPath, problems);
    const namePath = typeof entry === 'string' ? entryPath : joinPath(entryPath, 'name');
    // Exchange limits policy names to 64 characters (docs; FIDELITY.md).
    checkString(item.name, namePath, problems, { maxLength: 64 });
    if (typeof item.name === 'string') {
      if (names.has(item.name.toLowerCase())) problems.add(namePath, `policy "${item.name}" is defined twice`);
      names.add(item.name.toLowerCase());
    }
    for (const sw of BASIC_AUTH_SWITCHES) if (sw in item) checkBoolean(item[sw], joinPath(entryPath, sw), problems);
  });
  return names;
}
