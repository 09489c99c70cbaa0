/**
 * exchangeonline_authentication_policy — an authentication policy: which protocols may still use Basic
 * authentication (New-/Set-/Remove-AuthenticationPolicy).
 *
 * - Every `allow_basic_auth_*` switch defaults to `false` (blocked), as New-AuthenticationPolicy does.
 * - Switches change in place. Set-AuthenticationPolicy's known "Object reference not set" defect is retried with
 *   backoff, then reported; the policy is never deleted and recreated behind the user's back, because that drops
 *   every assignment and the org default pointing at it.
 * - Destroy (and replacement, since Exchange cannot rename a policy) refuses while users have the policy or it is
 *   the org default, at plan time and again at apply time, unless `detach_on_destroy = true`, which clears those
 *   first. What Remove-AuthenticationPolicy does to a policy in use is undocumented, so exoform never finds out.
 */
import { warnsUnderDestroy } from '../shared/destroy-command';
import { notePlannedPolicy } from '../shared/policy-reference';
import { confirmWrite } from '../../exchange/confirm';
import { errorDiagnostic } from '../../protocol/diagnostics';
import type { AttributeSchema, Schema } from '../../protocol/schema';
import {
  AuthenticationPolicyUpdateError,
  BASIC_AUTH_SWITCHES,
  findAuthenticationPolicy,
  newAuthenticationPolicy,
  policyNameProblem,
  refersToPolicy,
  removeAuthenticationPolicy,
  setAuthenticationPolicy,
  type AuthenticationPolicy,
  type BasicAuthSwitch,
  type BasicAuthSwitches,
} from '../../exchange/authentication-policy-operations';
import {
  readDefaultAuthenticationPolicy,
  setDefaultAuthenticationPolicy,
} from '../../exchange/organization-config-operations';
import type { ExchangeSession } from '../../exchange/session';
import { listUsersWithAuthenticationPolicy, setUser, type DirectoryUser } from '../../exchange/user-operations';
import { exchangeSession, type ExchangeClient } from '../shared/exchange-client';
import { DiagnosticError, type OperationContext, type ResourceDefinition } from '../framework/resource';
import { isKnown, readBool, readString, type CtyValue, type ObjectValue } from '../framework/values';

/** Terraform attribute ↔ Exchange switch, with what the protocol is, for the docs. */
export const SWITCH_ATTRIBUTES: ReadonlyArray<{ attribute: string; property: BasicAuthSwitch; protocol: string }> = [
  {
    attribute: 'allow_basic_auth_active_sync',
    property: 'AllowBasicAuthActiveSync',
    protocol: 'Exchange ActiveSync (mobile mail apps)',
  },
  { attribute: 'allow_basic_auth_autodiscover', property: 'AllowBasicAuthAutodiscover', protocol: 'Autodiscover' },
  { attribute: 'allow_basic_auth_imap', property: 'AllowBasicAuthImap', protocol: 'IMAP4' },
  {
    attribute: 'allow_basic_auth_mapi',
    property: 'AllowBasicAuthMapi',
    protocol: 'MAPI over HTTP (Outlook for Windows)',
  },
  {
    attribute: 'allow_basic_auth_offline_address_book',
    property: 'AllowBasicAuthOfflineAddressBook',
    protocol: 'offline address book downloads',
  },
  {
    attribute: 'allow_basic_auth_outlook_service',
    property: 'AllowBasicAuthOutlookService',
    protocol: 'the Outlook service',
  },
  { attribute: 'allow_basic_auth_pop', property: 'AllowBasicAuthPop', protocol: 'POP3' },
  { attribute: 'allow_basic_auth_powershell', property: 'AllowBasicAuthPowershell', protocol: 'remote PowerShell' },
  {
    attribute: 'allow_basic_auth_reporting_web_services',
    property: 'AllowBasicAuthReportingWebServices',
    protocol: 'Reporting Web Services',
  },
  { attribute: 'allow_basic_auth_rpc', property: 'AllowBasicAuthRpc', protocol: 'Outlook Anywhere (RPC over HTTP)' },
  {
    attribute: 'allow_basic_auth_smtp',
    property: 'AllowBasicAuthSmtp',
    protocol: 'authenticated SMTP (SMTP AUTH client submission)',
  },
  {
    attribute: 'allow_basic_auth_web_services',
    property: 'AllowBasicAuthWebServices',
    protocol: 'Exchange Web Services (EWS)',
  },
];
if (SWITCH_ATTRIBUTES.length !== BASIC_AUTH_SWITCHES.length)
  throw new Error('SWITCH_ATTRIBUTES must cover every Basic auth switch');

/** The twelve switch attributes, for the resource (settable) or the data source (read-only). */
export function switchAttributes(mode: 'resource' | 'data-source'): Record<string, AttributeSchema> {
  const attributes: Record<string, AttributeSchema> = {};
  for (const { attribute, property, protocol } of SWITCH_ATTRIBUTES) {
    attributes[attribute] =
      mode === 'resource'
        ? {
            type: 'bool',
            optional: true,
            computed: true,
            description: `\`true\` allows Basic authentication for ${protocol} (\`-${property}\`). Default \`false\`: blocked, as \`New-AuthenticationPolicy\` creates it.`,
          }
        : {
            type: 'bool',
            computed: true,
            description: `Whether Basic authentication is allowed for ${protocol} (\`${property}\`).`,
          };
  }
  return attributes;
}

export const authenticationPolicySchema: Schema = {
  version: 0,
  block: {
    description:
      "An authentication policy: the protocols that may still use Basic authentication for the users it applies to (a user's own policy, else the " +
      'organization default). A new policy blocks Basic authentication for every protocol; each `allow_basic_auth_*` switch opens one. Destroy refuses ' +
      'while the policy is assigned to users or is the organization default, unless `detach_on_destroy` is `true`. Import with the policy name.',
    attributes: {
      id: { type: 'string', computed: true, description: 'The policy GUID.' },
      name: {
        type: 'string',
        required: true,
        description: `The policy name, at most 64 characters. Exchange cannot rename a policy: changing it replaces the policy (which, like destroy, refuses while the policy is in use unless \`detach_on_destroy\` is \`true\`).`,
      },
      ...switchAttributes('resource'),
      detach_on_destroy: {
        type: 'bool',
        optional: true,
        computed: true,
        description:
          'When `true`, destroying (or replacing) the policy first removes it from every user that has it (`Set-User -AuthenticationPolicy $null`) and, if it is ' +
          'the organization default, clears the default; those users then get the default policy, or none. Default `false`: destroy refuses while the policy is in use. ' +
          'Destroy uses the value in state, so set it and apply before destroying.',
      },
      guid: { type: 'string', computed: true, description: 'The policy GUID.' },
      distinguished_name: {
        type: 'string',
        computed: true,
        description:
          'The policy distinguished name: what `Get-User -Filter "AuthenticationPolicy -eq \'<DN>\'"` matches.',
      },
    },
  },
};

/** Defaults for every switch and detach_on_destroy. */
const DEFAULTS: Record<string, CtyValue> = { detach_on_destroy: false };
for (const { attribute } of SWITCH_ATTRIBUTES) DEFAULTS[attribute] = false;

function switchesFrom(values: ObjectValue): BasicAuthSwitches {
  const switches = {} as BasicAuthSwitches;
  for (const { attribute, property } of SWITCH_ATTRIBUTES) switches[property] = readBool(values, attribute) ?? false;
  return switches;
}

function stateFrom(policy: AuthenticationPolicy, rest: { name?: string; detach: boolean }): ObjectValue {
  const state: ObjectValue = {
    id: policy.guid,
    // Exchange matches names case-insensitively: keep the configured spelling so a case difference is not a replacement.
    name: rest.name !== undefined && rest.name.toLowerCase() === policy.name.toLowerCase() ? rest.name : policy.name,
    detach_on_destroy: rest.detach,
    guid: policy.guid,
    distinguished_name: policy.distinguishedName,
  };
  for (const { attribute, property } of SWITCH_ATTRIBUTES) state[attribute] = policy.switches[property];
  return state;
}

// ---------------------------------------------------------------------------------------------------------------
// Destroy guard
// ---------------------------------------------------------------------------------------------------------------

/**
 * Assignments and defaults that other resources in the same plan will remove before this policy is destroyed:
 * an exchangeonline_authentication_policy_assignment or exchangeonline_default_authentication_policy being
 * destroyed. When they reference the policy, Terraform plans (and applies) their destroy before the policy's, in the
 * same provider process (checked with Terraform 1.11, for `plan -destroy` and for resources removed from the
 * configuration), so a whole-configuration `terraform destroy` is not refused for assignments it removes itself.
 * Without a reference there is no such order, and the plan may refuse; the refusal says to add the reference.
 * Apply checks again without this allowance: the tenant decides.
 */
interface PlannedDetachments {
  users: Map<string, Set<string>>;
  orgDefault: Set<string>;
}
const plannedDetachments = new WeakMap<object, PlannedDetachments>();

function detachmentsOf(client: ExchangeClient): PlannedDetachments {
  let found = plannedDetachments.get(client);
  if (!found) plannedDetachments.set(client, (found = { users: new Map(), orgDefault: new Set() }));
  return found;
}

/** Called by the assignment resource when its destroy is planned. */
export function notePlannedUserDetachment(
  client: ExchangeClient | null,
  policyGuid: string | undefined,
  userGuid: string | undefined,
): void {
  if (!client || !policyGuid || !userGuid) return;
  const users = detachmentsOf(client).users;
  const key = policyGuid.toLowerCase();
  if (!users.has(key)) users.set(key, new Set());
  users.get(key)!.add(userGuid.toLowerCase());
}

/** Called by the default-policy resource when its destroy is planned. */
export function notePlannedDefaultDetachment(client: ExchangeClient | null, policyGuid: string | undefined): void {
  if (!client || !policyGuid) return;
  detachmentsOf(client).orgDefault.add(policyGuid.toLowerCase());
}

interface PolicyUse {
  users: DirectoryUser[];
  isDefault: boolean;
}

/** Who uses the policy right now: the users it is assigned to and whether it is the org default. */
async function policyUse(exchange: ExchangeSession, policy: AuthenticationPolicy): Promise<PolicyUse> {
  const [users, defaultPolicy] = await Promise.all([
    listUsersWithAuthenticationPolicy(exchange, {
      distinguishedName: policy.distinguishedName,
      matches: (reference) => refersToPolicy(reference, policy),
    }),
    readDefaultAuthenticationPolicy(exchange),
  ]);
  return { users, isDefault: refersToPolicy(defaultPolicy, policy) };
}

function withoutPlannedDetachments(client: ExchangeClient, policy: AuthenticationPolicy, use: PolicyUse): PolicyUse {
  const planned = plannedDetachments.get(client);
  if (!planned) return use;
  const leaving = planned.users.get(policy.guid) ?? new Set<string>();
  return {
    users: use.users.filter((user) => !leaving.has(user.guid)),
    isDefault: use.isDefault && !planned.orgDefault.has(policy.guid),
  };
}

function describeUse(use: PolicyUse): string {
  const parts: string[] = [];
  if (use.users.length > 0) {
    const names = use.users.map((u) => u.userPrincipalName).sort();
    parts.push(
      `assigned to ${names.length} user${names.length === 1 ? '' : 's'} (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''})`,
    );
  }
  if (use.isDefault) parts.push("the organization's default authentication policy");
  return parts.join(' and is ');
}

function inUse(use: PolicyUse): boolean {
  return use.users.length > 0 || use.isDefault;
}

function refusal(policyName: string, use: PolicyUse, action: 'destroy' | 'replace'): DiagnosticError {
  const why =
    action === 'destroy'
      ? 'Exchange Online does not document what happens to the users and the default of a deleted policy, so exoform does not delete a policy in use.'
      : 'Changing the name replaces the policy, because Exchange Online cannot rename one. Exchange Online does not document what happens to the ' +
        'users and the default of a deleted policy, so exoform does not delete a policy in use.';
  return new DiagnosticError(
    errorDiagnostic(
      `Authentication policy "${policyName}" is in use and cannot be ${action === 'destroy' ? 'destroyed' : 'replaced'}`,
      `The policy is ${describeUse(use)}. ${why}\n\n` +
        'Either take it off those users and the default first — if exchangeonline_authentication_policy_assignment or exchangeonline_default_authentication_policy ' +
        'resources manage them, make them reference this resource (`authentication_policy = exchangeonline_authentication_policy.<name>.name`) so ' +
        'Terraform removes them first — or set `detach_on_destroy = true` on this resource and apply, so that destroying it clears them ' +
        '(the users then get the organization default, or no policy).',
      action === 'replace' ? ['name'] : undefined,
    ),
  );
}

function detachWarning(policyName: string, use: PolicyUse): [string, string] {
  return [
    `Destroying authentication policy "${policyName}" detaches it first`,
    `detach_on_destroy is true, and the policy is ${describeUse(use)}. Those users will get the organization default policy, or none.`,
  ];
}

/** Plan-time check shared by destroy and replacement; uses the prior state's policy, reading it fresh. */
async function checkPlannedRemoval(
  context: {
    prior: ObjectValue;
    client: ExchangeClient;
    signal: AbortSignal;
    warn: OperationContext<ExchangeClient>['warn'];
  },
  action: 'destroy' | 'replace',
): Promise<void> {
  const exchange = exchangeSession(context);
  const guid = readString(context.prior, 'guid') ?? readString(context.prior, 'id');
  if (!guid) return;
  const policy = await findAuthenticationPolicy(exchange, guid);
  if (!policy) return; // already gone: nothing to protect
  const all = await policyUse(exchange, policy);
  // A replacement destroys the old policy before dependents are pointed at the new one, so nothing is excused.
  const use = action === 'destroy' ? withoutPlannedDetachments(context.client, policy, all) : all;
  if (!inUse(use)) return;
  if (context.prior.detach_on_destroy === true) context.warn(...detachWarning(policy.name, use));
  else throw refusal(policy.name, use, action);
}

/** Apply-time: refuse, or (detach_on_destroy) clear assignments and the default, then delete. */
async function removePolicy(context: OperationContext<ExchangeClient> & { prior: ObjectValue }): Promise<void> {
  const exchange = exchangeSession(context);
  const guid = readString(context.prior, 'guid') ?? readString(context.prior, 'id');
  if (!guid) return;
  const policy = await findAuthenticationPolicy(exchange, guid);
  if (!policy) return; // deleted outside Terraform: the goal is reached
  const use = await policyUse(exchange, policy);
  if (inUse(use)) {
    if (context.prior.detach_on_destroy !== true) throw refusal(policy.name, use, 'destroy');
    const results = await Promise.allSettled(
      use.users.map((user) => setUser(exchange, user.guid, { authenticationPolicy: null })),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason; // the policy stays, and so does the state: the next destroy finishes the job
    if (use.isDefault) await setDefaultAuthenticationPolicy(exchange, null);
  }
  await removeAuthenticationPolicy(exchange, policy.guid);
  await confirmWrite(
    exchange,
    'Remove-AuthenticationPolicy',
    async () => (await findAuthenticationPolicy(exchange, policy.guid)) === undefined,
  );
}

// ---------------------------------------------------------------------------------------------------------------

function updateFailure(error: AuthenticationPolicyUpdateError, name: string): DiagnosticError {
  const defect = error.knownDefect
    ? 'This is a known Exchange Online defect ("Object reference not set to an instance of an object"), not a problem with your configuration.'
    : 'Exchange Online failed inside the service; this is not a problem with your configuration.';
  // The bridge's remedy says "apply again"; keep only the request id Microsoft support asks for.
  const requestId = /client-request-id (\S+?)\.?(\s|$)/.exec(error.last.remedy)?.[1];
  return new DiagnosticError(
    errorDiagnostic(
      `Exchange Online could not update authentication policy "${name}"`,
      `${error.message}\n\n${defect} The policy was left as it was; exoform does not delete and recreate it, because that would remove it from every ` +
        'user and from the organization default. Terraform still plans the change, so run `terraform apply` again later. If it keeps failing, open a ' +
        'Microsoft support case for Set-AuthenticationPolicy' +
        (requestId ? ` (quote client-request-id ${requestId})` : '') +
        ', or make the change in the Exchange admin center or PowerShell and run `terraform apply` again to confirm.',
    ),
  );
}

export const authenticationPolicyResource: ResourceDefinition<ExchangeClient> = {
  typeName: 'exchangeonline_authentication_policy',
  schema: authenticationPolicySchema,
  requiresReplace: ['name'],
  defaults: DEFAULTS,
  stableComputed: ['id', 'guid', 'distinguished_name'],

  validate(config) {
    const name = config.name;
    if (typeof name !== 'string') return [];
    const problem = policyNameProblem(name);
    return problem ? [errorDiagnostic('Invalid authentication policy name', `The name ${problem}.`, ['name'])] : [];
  },

  async modifyPlan({ prior, planned, client, signal, warn }) {
    notePlannedPolicy(client, planned.name);
    if (!client || !isKnown(planned.name) || typeof planned.name !== 'string') return;
    const context = { client, signal, warn };
    // Any difference replaces, even of case only (requiresReplace compares exactly).
    const replacing = prior !== null && readString(prior, 'name') !== planned.name;
    // Both errors below are about what an apply would do; under a destroy, which creates and replaces nothing and
    // removes the policy in state after its own in-use check (planDestroy), they warn (destroy-command.ts).
    if (prior && replacing) {
      try {
        await checkPlannedRemoval({ ...context, prior }, 'replace');
      } catch (error) {
        if (!warnsUnderDestroy(error, warn)) throw error;
      }
    }
    if (!prior || replacing) {
      // A policy that already exists fails the plan with the way to adopt it, instead of the apply. It may have been
      // made outside Terraform after the last apply (another admin, or one deleted and made again under its name).
      const existing = await findAuthenticationPolicy(exchangeSession(context), planned.name);
      if (existing && existing.guid !== readString(prior ?? {}, 'guid')) {
        const taken = new DiagnosticError(
          errorDiagnostic(
            `Authentication policy "${existing.name}" already exists`,
            `Import it instead of creating it, with an \`import\` block (\`id = ${JSON.stringify(existing.name)}\`) or ` +
              `\`terraform import <address> ${JSON.stringify(existing.name)}\`. Or choose another name.`,
            ['name'],
          ),
        );
        if (!warnsUnderDestroy(taken, warn)) throw taken;
      }
    }
  },

  async planDestroy({ prior, client, signal, warn }) {
    if (!client) return;
    await checkPlannedRemoval({ prior, client, signal, warn }, 'destroy');
  },

  async create(context) {
    const name = readString(context.planned, 'name')!;
    const exchange = exchangeSession(context);
    const policy = await newAuthenticationPolicy(exchange, name, switchesFrom(context.planned));
    await confirmWrite(
      exchange,
      'New-AuthenticationPolicy',
      async () => (await findAuthenticationPolicy(exchange, policy.guid)) !== undefined,
    );
    return stateFrom(policy, { name, detach: context.planned.detach_on_destroy === true });
  },

  async read(context) {
    const exchange = exchangeSession(context);
    const name = readString(context.state, 'name');
    const policy = await findAuthenticationPolicy(
      exchange,
      readString(context.state, 'guid') ?? readString(context.state, 'id') ?? name!,
    );
    if (!policy) {
      context.warn(
        `Authentication policy "${name}" no longer exists`,
        'It was deleted outside Terraform, so it is removed from the state; the next apply creates it again if it is still configured.',
      );
      return null;
    }
    return stateFrom(policy, { name, detach: context.state.detach_on_destroy === true });
  },

  async update(context) {
    const exchange = exchangeSession(context);
    const guid = readString(context.prior, 'guid')!;
    const name = readString(context.planned, 'name')!;
    const current = await findAuthenticationPolicy(exchange, guid);
    if (!current) {
      throw new DiagnosticError(
        errorDiagnostic(
          `Authentication policy "${name}" no longer exists`,
          'It was deleted after the plan was made. Run `terraform apply` again: the new plan creates it.',
        ),
      );
    }
    const wanted = switchesFrom(context.planned);
    const changes: Partial<BasicAuthSwitches> = {};
    for (const property of BASIC_AUTH_SWITCHES)
      if (wanted[property] !== current.switches[property]) changes[property] = wanted[property];
    try {
      await setAuthenticationPolicy(exchange, current.guid, changes); // its default retry: 4 calls, 1 s, 2 s, 4 s apart
    } catch (error) {
      if (error instanceof AuthenticationPolicyUpdateError) throw updateFailure(error, current.name);
      throw error;
    }
    // The directory replicates: a read straight after the write can be stale, so trust what was written — and read
    // until the service shows it, so that the next plan's refresh does too.
    if (Object.keys(changes).length > 0) {
      await confirmWrite(exchange, 'Set-AuthenticationPolicy', async () => {
        const seen = await findAuthenticationPolicy(exchange, current.guid);
        return !seen || BASIC_AUTH_SWITCHES.every((property) => seen.switches[property] === wanted[property]);
      });
    }
    return stateFrom({ ...current, switches: wanted }, { name, detach: context.planned.detach_on_destroy === true });
  },

  async delete(context) {
    await removePolicy(context);
  },

  async importState(context) {
    const id = context.id.trim();
    if (id === '') {
      throw new DiagnosticError(
        errorDiagnostic(
          'Invalid import ID',
          'Import with the authentication policy name (or its GUID), for example `terraform import exchangeonline_authentication_policy.pop "Allow POP"`.',
        ),
      );
    }
    const policy = await findAuthenticationPolicy(exchangeSession(context), id);
    if (!policy) {
      throw new DiagnosticError(
        errorDiagnostic(
          `Authentication policy "${id}" not found`,
          'Check the name: `Get-AuthenticationPolicy | Format-Table Name` lists the policies of the tenant.',
        ),
      );
    }
    // Imported by name: keep that spelling (Exchange names are case-insensitive), so the configuration that names it
    // the same way plans no replacement.
    return stateFrom(policy, { name: id, detach: false });
  },
};
