/**
 * The inspection API under /_emulator/: look at and change emulator state behind the provider's back (drift tests),
 * read the call log and statistics, set latency and fault rules, reset. Kept apart from the emulated API so nothing a
 * provider sends can reach it by accident. Routes and bodies are listed in README.md.
 */
import type { EmulatorControl } from './control';
import { wireErrors } from './wire-errors';
import { parseJsonBody } from './http';
import { RecipientRecord, RecipientTypeDetails } from './model';
import { resolveRecipient } from './recipients';
import { buildRecipient } from './seed';
import { exchangeTimestamp } from './tenant-store';
import { UNMODELLED_PROPERTY_CMDLETS, type Tenant, type UnmodelledPropertyCmdlet } from './tenant-store';
import type { JsonValue } from '../bridge/bridge';
import { renderAuthenticationPolicy } from './cmdlets/authentication-policy-cmdlets';
import { renderOrganizationConfig } from './cmdlets/organization-config-cmdlets';
import { renderTransportConfig } from './cmdlets/transport-config-cmdlets';
import { BASIC_AUTH_SWITCHES, type AuthenticationPolicyRecord } from './model';
import { Problems, checkBoolean, checkKnownKeys, checkString, describeValue, isPlainObject } from './problems';

export interface InspectionAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const ok = (body: unknown, status = 200): InspectionAnswer => ({ status, body });

export async function handleInspection(
  control: EmulatorControl,
  method: string,
  segments: string[],
  query: URLSearchParams,
  bodyText: string,
): Promise<InspectionAnswer> {
  const route = `${method} ${segments.map((s, i) => (i > 0 && ['tenants', 'recipients', 'faults'].includes(segments[i - 1]!) ? ':' : s)).join('/')}`;
  const body = (): unknown =>
    parseJsonBody(bodyText, (reason) => wireErrors.badInspectionRequest(`The request body is not valid: ${reason}.`));
  switch (route) {
    case 'GET tenants':
      return ok({ tenants: control.tenantSummaries() });
    case 'GET tenants/:':
      return ok(findTenant(control, segments[1]!).toState());
    case 'PATCH tenants/:/transport-config':
      return patchTransportConfig(control, findTenant(control, segments[1]!), body());
    case 'PATCH tenants/:/organization-config':
      return patchOrganizationConfig(control, findTenant(control, segments[1]!), body());
    case 'PUT tenants/:/unmodelled-properties':
      return putUnmodelledProperties(findTenant(control, segments[1]!), body());
    case 'POST tenants/:/switch':
      return flipSwitch(control, findTenant(control, segments[1]!), body());
    case 'PATCH tenants/:/recipients/:':
      return patchRecipient(control, findTenant(control, segments[1]!), segments[3]!, body());
    case 'POST tenants/:/recipients':
      return addRecipient(control, findTenant(control, segments[1]!), body());
    case 'DELETE tenants/:/recipients/:':
      return deleteRecipient(control, findTenant(control, segments[1]!), segments[3]!);
    case 'POST reset': {
      const input = body() ?? {};
      const scope = isPlainObject(input) ? (input.scope ?? 'all') : undefined;
      if (scope !== 'all' && scope !== 'state')
        throw wireErrors.badInspectionRequest(
          `Expected {"scope":"all"} or {"scope":"state"}, got ${describeValue(input)}.`,
        );
      await control.reset(scope);
      return ok({ reset: scope, tenants: control.tenantSummaries() });
    }
    case 'GET calls': {
      const limit = query.get('limit');
      const tenantKey = query.get('tenant');
      return ok(
        control.calls.list({
          cmdlet: query.get('cmdlet') ?? undefined,
          tenantId: tenantKey ? findTenant(control, tenantKey).tenantId : undefined,
          limit: limit !== null && /^\d+$/.test(limit) ? Number(limit) : undefined,
        }),
      );
    }
    case 'DELETE calls':
      control.calls.clear();
      return ok({ cleared: true });
    case 'GET stats':
      return ok({
        ...control.stats.snapshot(),
        stateWrites: control.store.writeCount,
        persistence: control.store.persistenceStats,
      });
    case 'DELETE stats':
      control.stats.clear();
      return ok({ cleared: true });
    case 'GET latency':
      return ok(control.latency);
    case 'PUT latency':
    case 'PATCH latency':
      return ok(control.updateLatency(body()));
    case 'GET faults':
      return ok({ rules: control.faults.list() });
    case 'POST faults': {
      const input = body();
      const list = Array.isArray(input)
        ? input
        : isPlainObject(input) && Array.isArray(input.rules)
          ? input.rules
          : [input];
      const added = list.map((rule) => control.addFault(rule));
      return ok({ rules: added }, 201);
    }
    case 'DELETE faults':
      control.faults.clear();
      return ok({ cleared: true });
    case 'DELETE faults/:':
      if (!control.faults.remove(segments[1]!))
        throw wireErrors.inspectionNotFound(`No fault rule "${segments[1]}". GET /_emulator/faults lists them.`);
      return ok({ removed: segments[1] });
    default:
      throw wireErrors.routeNotFound(method, `/_emulator/${segments.join('/')}`);
  }
}

function findTenant(control: EmulatorControl, key: string): Tenant {
  const tenant = control.store.findTenant(key);
  if (!tenant) {
    throw wireErrors.inspectionNotFound(
      `No tenant "${key}" on this emulator. Known tenants: ${control.store.tenants.map((t) => t.initialDomain).join(', ') || '(none)'}.`,
    );
  }
  return tenant;
}

function requireObject(input: unknown, example: string): Record<string, unknown> {
  if (!isPlainObject(input))
    throw wireErrors.badInspectionRequest(`Expected a JSON object like ${example}, got ${describeValue(input)}.`);
  return input;
}

function rejectProblems(problems: Problems, what: string): void {
  if (!problems.ok) throw wireErrors.badInspectionRequest(`The ${what} is not valid:\n${problems.format()}`);
}

async function saved(control: EmulatorControl): Promise<void> {
  try {
    await control.store.durable();
  } catch (error) {
    throw wireErrors.stateNotSaved((error as Error).message);
  }
}

async function patchTransportConfig(
  control: EmulatorControl,
  tenant: Tenant,
  input: unknown,
): Promise<InspectionAnswer> {
  const patch = requireObject(input, '{"SmtpClientAuthenticationDisabled":false,"AllowLegacyTLSClients":null}');
  const problems = new Problems();
  checkKnownKeys(patch, ['SmtpClientAuthenticationDisabled', 'AllowLegacyTLSClients'], '', problems);
  if ('SmtpClientAuthenticationDisabled' in patch)
    checkBoolean(patch.SmtpClientAuthenticationDisabled, 'SmtpClientAuthenticationDisabled', problems);
  if ('AllowLegacyTLSClients' in patch)
    checkBoolean(patch.AllowLegacyTLSClients, 'AllowLegacyTLSClients', problems, { nullable: true });
  rejectProblems(problems, 'transport-config patch');
  tenant.setTransportConfig(
    patch as { SmtpClientAuthenticationDisabled?: boolean; AllowLegacyTLSClients?: boolean | null },
    new Date(),
  );
  await saved(control);
  return ok({ revision: tenant.revision, transportConfig: tenant.transportConfig });
}

/** A policy name as stored (canonical case), or a 400 naming the policies that exist. */
function policyName(tenant: Tenant, name: string | null): string | null {
  if (name === null) return null;
  const policy = tenant.authenticationPolicies.find((p) => p.Name.toLowerCase() === name.toLowerCase());
  if (!policy) {
    throw wireErrors.badInspectionRequest(
      `Tenant ${tenant.initialDomain} has no authentication policy "${name}" (it has: ${tenant.authenticationPolicies.map((p) => p.Name).join(', ') || 'none'}).`,
    );
  }
  return policy.Name;
}

async function patchOrganizationConfig(
  control: EmulatorControl,
  tenant: Tenant,
  input: unknown,
): Promise<InspectionAnswer> {
  const patch = requireObject(input, '{"DefaultAuthenticationPolicy":null}');
  const problems = new Problems();
  checkKnownKeys(patch, ['DefaultAuthenticationPolicy'], '', problems);
  if ('DefaultAuthenticationPolicy' in patch)
    checkString(patch.DefaultAuthenticationPolicy, 'DefaultAuthenticationPolicy', problems, { nullable: true });
  rejectProblems(problems, 'organization-config patch');
  if ('DefaultAuthenticationPolicy' in patch) {
    tenant.setOrganizationConfig({
      DefaultAuthenticationPolicy: policyName(tenant, patch.DefaultAuthenticationPolicy as string | null),
    });
  }
  await saved(control);
  return ok({ revision: tenant.revision, organizationConfig: tenant.organizationConfig });
}

/** Exactly one recipient, or a 404 / 409 the inspection API way. */
function oneRecipient(tenant: Tenant, identity: string): RecipientRecord {
  const resolution = resolveRecipient(tenant, identity);
  if (resolution.kind === 'none' || resolution.kind === 'all') {
    throw wireErrors.inspectionNotFound(
      `No recipient "${identity}" in tenant ${tenant.initialDomain}. Use a UPN, email address, alias or GUID.`,
    );
  }
  if (resolution.kind === 'ambiguous') {
    throw wireErrors.inspectionAmbiguous(
      `"${identity}" matches ${resolution.matches.length} recipients (${resolution.matches.map((r) => r.UserPrincipalName).join(', ')}); use a UPN or GUID.`,
    );
  }
  return resolution.recipient;
}

const RECIPIENT_TYPES: readonly RecipientTypeDetails[] = ['UserMailbox', 'SharedMailbox', 'User'];

/** A mailbox or user created at runtime (as if made in the admin center), with fresh GUIDs. */
async function addRecipient(control: EmulatorControl, tenant: Tenant, input: unknown): Promise<InspectionAnswer> {
  const spec = requireObject(input, '{"upn":"new.user@contoso.com","type":"UserMailbox"}');
  const problems = new Problems();
  checkKnownKeys(
    spec,
    ['upn', 'type', 'displayName', 'alias', 'name', 'SmtpClientAuthenticationDisabled', 'AuthenticationPolicy'],
    '',
    problems,
  );
  checkString(spec.upn, 'upn', problems);
  const upn = typeof spec.upn === 'string' ? spec.upn : '';
  const at = upn.lastIndexOf('@');
  if (upn !== '' && (at < 1 || at === upn.length - 1 || /\s/.test(upn)))
    problems.add('upn', `must look like user@domain, got ${describeValue(upn)}`);
  else if (upn !== '' && !tenant.domains.some((d) => d.toLowerCase() === upn.slice(at + 1).toLowerCase())) {
    problems.add(
      'upn',
      `must use one of the tenant's domains (${tenant.domains.join(', ')}), got ${describeValue(upn)}`,
    );
  }
  const type = (spec.type ?? 'UserMailbox') as RecipientTypeDetails;
  if (!RECIPIENT_TYPES.includes(type))
    problems.add('type', `must be "UserMailbox", "SharedMailbox" or "User", got ${describeValue(spec.type)}`);
  for (const key of ['displayName', 'alias', 'name'])
    if (key in spec) checkString(spec[key], key, problems, { maxLength: 256 });
  if ('SmtpClientAuthenticationDisabled' in spec) {
    checkBoolean(spec.SmtpClientAuthenticationDisabled, 'SmtpClientAuthenticationDisabled', problems, {
      nullable: true,
    });
    if (type === 'User' && spec.SmtpClientAuthenticationDisabled !== null)
      problems.add('SmtpClientAuthenticationDisabled', 'a user without a mailbox has no SMTP AUTH setting');
  }
  if ('AuthenticationPolicy' in spec)
    checkString(spec.AuthenticationPolicy, 'AuthenticationPolicy', problems, { nullable: true });
  rejectProblems(problems, 'recipient');

  const localPart = upn.slice(0, at);
  const alias = (spec.alias as string | undefined) ?? localPart;
  const name = (spec.name as string | undefined) ?? alias;
  const taken = [upn, alias, name, `${alias}@${tenant.initialDomain}`].filter(
    (key) => tenant.recipientIndex().lookup(key).length > 0,
  );
  if (taken.length > 0) {
    throw wireErrors.inspectionConflict(
      `Tenant ${tenant.initialDomain} already has a recipient with the UPN, alias, name or address ${taken.map((t) => `"${t}"`).join(', ')}; ` +
        'give the new one another UPN, or an explicit "alias" and "name".',
    );
  }
  const now = new Date();
  const recipient = tenant.addRecipient(
    buildRecipient({
      tenantId: tenant.tenantId,
      initialDomain: tenant.initialDomain,
      upn,
      alias,
      name,
      displayName: (spec.displayName as string | undefined) ?? localPart,
      type,
      override:
        type === 'User' ? null : ((spec.SmtpClientAuthenticationDisabled as boolean | null | undefined) ?? null),
      policy: 'AuthenticationPolicy' in spec ? policyName(tenant, spec.AuthenticationPolicy as string | null) : null,
      salt: `revision-${tenant.revision}`,
      created: exchangeTimestamp(now),
    }),
  );
  await saved(control);
  return ok({ revision: tenant.revision, recipient }, 201);
}

/** The recipient vanishes (deleted in the admin center, behind the provider's back). */
async function deleteRecipient(control: EmulatorControl, tenant: Tenant, identity: string): Promise<InspectionAnswer> {
  const recipient = oneRecipient(tenant, identity);
  tenant.removeRecipient(recipient);
  await saved(control);
  return ok({ revision: tenant.revision, removed: recipient });
}

async function patchRecipient(
  control: EmulatorControl,
  tenant: Tenant,
  identity: string,
  input: unknown,
): Promise<InspectionAnswer> {
  const patch = requireObject(input, '{"SmtpClientAuthenticationDisabled":false}');
  const problems = new Problems();
  checkKnownKeys(
    patch,
    [
      'SmtpClientAuthenticationDisabled',
      'AuthenticationPolicy',
      'STSRefreshTokensValidFrom',
      'PrimarySmtpAddress',
      'EmailAddresses',
      'UserPrincipalName',
    ],
    '',
    problems,
  );
  if ('SmtpClientAuthenticationDisabled' in patch)
    checkBoolean(patch.SmtpClientAuthenticationDisabled, 'SmtpClientAuthenticationDisabled', problems, {
      nullable: true,
    });
  if ('AuthenticationPolicy' in patch)
    checkString(patch.AuthenticationPolicy, 'AuthenticationPolicy', problems, { nullable: true });
  if ('STSRefreshTokensValidFrom' in patch) {
    const value = patch.STSRefreshTokensValidFrom;
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value)))
      problems.add('STSRefreshTokensValidFrom', `must be an ISO 8601 date, got ${describeValue(value)}`);
  }
  const addresses = addressesPatch(patch, problems);
  rejectProblems(problems, 'recipient patch');

  const recipient = oneRecipient(tenant, identity);
  if (addresses && recipient.PrimarySmtpAddress === null)
    throw wireErrors.badInspectionRequest(`${recipient.UserPrincipalName} has no mailbox, so it has no addresses.`);
  if (
    'SmtpClientAuthenticationDisabled' in patch &&
    recipient.RecipientTypeDetails === 'User' &&
    patch.SmtpClientAuthenticationDisabled !== null
  ) {
    throw wireErrors.badInspectionRequest(
      `${recipient.UserPrincipalName} has no mailbox, so it has no SMTP AUTH setting.`,
    );
  }
  const updated = tenant.updateRecipient(recipient, {
    SmtpClientAuthenticationDisabled: patch.SmtpClientAuthenticationDisabled as boolean | null | undefined,
    AuthenticationPolicy:
      'AuthenticationPolicy' in patch ? policyName(tenant, patch.AuthenticationPolicy as string | null) : undefined,
    STSRefreshTokensValidFrom: patch.STSRefreshTokensValidFrom as string | undefined,
    ...addresses,
  });
  await saved(control);
  return ok({ revision: tenant.revision, recipient: updated });
}

/** A policy record to render a Get-AuthenticationPolicy row from, for its property names. */
const SAMPLE_POLICY = {
  Name: 'x',
  Guid: '',
  DistinguishedName: '',
  WhenChangedUTC: '',
  ...Object.fromEntries(BASIC_AUTH_SWITCHES.map((s) => [s, false])),
} as AuthenticationPolicyRecord;

/** The properties a modelled row already has: an unmodelled property may not replace one of them. */
function modelledNames(tenant: Tenant, cmdlet: UnmodelledPropertyCmdlet): Set<string> {
  const saved = tenant.unmodelledProperties;
  tenant.unmodelledProperties = {};
  try {
    const row =
      cmdlet === 'Get-TransportConfig'
        ? renderTransportConfig(tenant)
        : cmdlet === 'Get-OrganizationConfig'
          ? renderOrganizationConfig(tenant)
          : renderAuthenticationPolicy(SAMPLE_POLICY, tenant);
    return new Set(Object.keys(row).map((name) => name.toLowerCase()));
  } finally {
    tenant.unmodelledProperties = saved;
  }
}

/**
 * Replaces the properties the emulator adds, unmodelled, to the rows of Get-TransportConfig, Get-OrganizationConfig
 * or every Get-AuthenticationPolicy row: a property the real service might start returning (FIDELITY.md, "The December
 * 2026 switch"). In memory only. Body: {"Get-TransportConfig": {"SmtpBasicAuthX": true}}; {} removes them all.
 */
function putUnmodelledProperties(tenant: Tenant, input: unknown): InspectionAnswer {
  const spec = requireObject(input, '{"Get-TransportConfig":{"SmtpClientBasicAuthenticationDisabled":true}}');
  const problems = new Problems();
  checkKnownKeys(spec, UNMODELLED_PROPERTY_CMDLETS, '', problems);
  const next: Partial<Record<UnmodelledPropertyCmdlet, Record<string, JsonValue>>> = {};
  for (const cmdlet of UNMODELLED_PROPERTY_CMDLETS) {
    const properties = spec[cmdlet];
    if (properties === undefined) continue;
    if (!isPlainObject(properties)) {
      problems.add(cmdlet, `must be an object of property names and values, got ${describeValue(properties)}`);
      continue;
    }
    const taken = modelledNames(tenant, cmdlet);
    for (const [name, value] of Object.entries(properties)) {
      const path = `${cmdlet}.${name}`;
      if (!/^[A-Za-z][A-Za-z0-9]{0,127}$/.test(name)) {
        problems.add(path, 'must be a property name (letters and digits)');
      } else if (taken.has(name.toLowerCase())) {
        problems.add(path, 'is a property the emulator models; change it through its own route or cmdlet');
      } else if (value !== null && typeof value === 'object') {
        problems.add(path, 'must be a string, number, Boolean or null');
      }
    }
    next[cmdlet] = properties as Record<string, JsonValue>;
  }
  rejectProblems(problems, 'unmodelled-properties body');
  tenant.unmodelledProperties = next;
  return ok({ tenant: tenant.initialDomain, unmodelledProperties: next });
}

/**
 * The end-of-December-2026 switch as the emulator guesses it (FIDELITY.md: Microsoft has not said which setting
 * changes). `organization`: SmtpClientAuthenticationDisabled becomes true org-wide; `authentication-policies`:
 * AllowBasicAuthSmtp becomes false on every policy; `both`. A mailbox's own explicit setting is left as it is.
 */
async function flipSwitch(control: EmulatorControl, tenant: Tenant, input: unknown): Promise<InspectionAnswer> {
  const spec = requireObject(input ?? {}, '{"flip":"organization"}');
  const problems = new Problems();
  checkKnownKeys(spec, ['flip'], '', problems);
  const flip = spec.flip ?? 'both';
  if (flip !== 'organization' && flip !== 'authentication-policies' && flip !== 'both') {
    problems.add('flip', `must be "organization", "authentication-policies" or "both", got ${describeValue(flip)}`);
  }
  rejectProblems(problems, 'switch request');
  const now = new Date();
  const changed: string[] = [];
  const organization = flip !== 'authentication-policies';
  if (organization && tenant.setTransportConfig({ SmtpClientAuthenticationDisabled: true }, now)) {
    changed.push('Get-TransportConfig SmtpClientAuthenticationDisabled: false -> true');
  }
  if (flip !== 'organization') {
    for (const policy of [...tenant.authenticationPolicies]) {
      if (policy.AllowBasicAuthSmtp) {
        tenant.updatePolicy(policy, { AllowBasicAuthSmtp: false }, now);
        changed.push(`authentication policy ${policy.Name} AllowBasicAuthSmtp: true -> false`);
      }
    }
  }
  await saved(control);
  return ok({ tenant: tenant.initialDomain, flip, revision: tenant.revision, changed });
}

/**
 * A mailbox renamed behind the provider's back: its addresses, given together and exactly (whether the service keeps
 * the old primary as a secondary address is the caller's to say, not this emulator's), and its user principal name.
 */
function addressesPatch(
  patch: Record<string, unknown>,
  problems: Problems,
): { PrimarySmtpAddress: string; EmailAddresses: string[]; UserPrincipalName?: string } | undefined {
  if (!('PrimarySmtpAddress' in patch) && !('EmailAddresses' in patch) && !('UserPrincipalName' in patch))
    return undefined;
  const upn = patch.UserPrincipalName;
  if (upn !== undefined && (typeof upn !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(upn))) {
    problems.add('UserPrincipalName', `must be user@domain, got ${describeValue(upn)}`);
  }
  const primary = patch.PrimarySmtpAddress;
  const addresses = patch.EmailAddresses;
  if (typeof primary !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(primary))
    problems.add('PrimarySmtpAddress', `must be an SMTP address, got ${describeValue(primary)}`);
  if (
    !Array.isArray(addresses) ||
    !addresses.every((a) => typeof a === 'string' && /^smtp:[^@\s]+@[^@\s]+$/i.test(a))
  ) {
    problems.add('EmailAddresses', `must be a list of "SMTP:"/"smtp:" addresses, got ${describeValue(addresses)}`);
  } else if (
    addresses.filter((a) => a === `SMTP:${String(primary)}`).length !== 1 ||
    addresses.filter((a) => a.startsWith('SMTP:')).length !== 1
  ) {
    problems.add(
      'EmailAddresses',
      'must hold the primary address once, as "SMTP:<PrimarySmtpAddress>", and every other address as "smtp:"',
    );
  }
  return {
    PrimarySmtpAddress: primary as string,
    EmailAddresses: addresses as string[],
    UserPrincipalName: upn as string | undefined,
  };
}
