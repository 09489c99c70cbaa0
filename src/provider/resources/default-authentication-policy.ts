/**
 * exchangeonline_default_authentication_policy — the organization's default authentication policy
 * (Set-OrganizationConfig -DefaultAuthenticationPolicy), which applies to every user without a policy of their own.
 *
 * One per tenant, like the transport config: creating it sets the default, whatever it was. Destroy clears the
 * default ($null). A default changed or cleared outside Terraform shows in the plan.
 */
import { errorDiagnostic } from '../../protocol/diagnostics';
import type { Schema } from '../../protocol/schema';
import {
  findAuthenticationPolicy,
  refersToPolicy,
  type AuthenticationPolicy,
} from '../../exchange/authentication-policy-operations';
import { confirmWrite } from '../../exchange/confirm';
import {
  readDefaultAuthenticationPolicy,
  setDefaultAuthenticationPolicy,
} from '../../exchange/organization-config-operations';
import type { ExchangeSession } from '../../exchange/session';
import { assertImportTenant, exchangeSession, type ExchangeClient } from '../shared/exchange-client';
import { DiagnosticError, type OperationContext, type ResourceDefinition } from '../framework/resource';
import { Unknown, readString, valuesEqual, type ObjectValue } from '../framework/values';
import { notePlannedDefaultDetachment } from './authentication-policy';
import {
  assertPolicyExistsAtPlan,
  deletedPolicy,
  deletedPolicyFix,
  emptyPolicyDiagnostics,
  policyInState,
  policyNotFound,
} from '../shared/policy-reference';
import { noteVanished, vanishedWarning } from '../shared/vanished';

export const defaultAuthenticationPolicySchema: Schema = {
  version: 0,
  block: {
    description:
      "The organization's default authentication policy: it applies to every user without a policy of their own (`Set-OrganizationConfig " +
      '-DefaultAuthenticationPolicy`). One per tenant: creating it replaces whatever default is set. Destroying it clears the default. ' +
      'Changes apply within 24 hours. Import with the tenant domain or id. ' +
      'A default policy deleted outside Terraform (and not managed in this configuration) takes this resource out of the state with one ' +
      'warning naming it, and applying fails: name another policy, or remove the block. Meanwhile plans show it to be created again ' +
      '(once an apply has stored the state without it, they fail as for a misspelled name), and `terraform destroy` still destroys the rest.',
    attributes: {
      id: { type: 'string', computed: true, description: "The tenant (the provider's `organization`)." },
      authentication_policy: {
        type: 'string',
        required: true,
        description:
          'The default policy: its name (or GUID). Reference the policy resource (`exchangeonline_authentication_policy.<name>.name`) so Terraform creates it first and destroys it last.',
      },
      authentication_policy_guid: { type: 'string', computed: true, description: 'The GUID of the default policy.' },
    },
  },
};

/** The default as state shows it: the configured spelling while it is the same policy, else the policy's name. */
async function readDefault(
  exchange: ExchangeSession,
  configured: string | undefined,
  configuredGuid: string | undefined,
): Promise<{ name: string | null; guid: string | null }> {
  return policyInState(exchange, await readDefaultAuthenticationPolicy(exchange), configured, configuredGuid);
}

/**
 * Sets (or with null clears) the default, then reads until the service shows it, so the next refresh, in a new
 * process, neither shows drift that isn't there nor hides a change still to make (confirm.ts).
 */
async function setDefault(exchange: ExchangeSession, policy: AuthenticationPolicy | null): Promise<void> {
  await setDefaultAuthenticationPolicy(exchange, policy?.guid ?? null);
  await confirmWrite(exchange, 'Set-OrganizationConfig -DefaultAuthenticationPolicy', async () => {
    const current = await readDefaultAuthenticationPolicy(exchange);
    return policy ? refersToPolicy(current, policy) : current === null;
  });
}

async function apply(context: OperationContext<ExchangeClient> & { planned: ObjectValue }): Promise<ObjectValue> {
  const exchange = exchangeSession(context);
  const identity = readString(context.planned, 'authentication_policy')!;
  const policy = await findAuthenticationPolicy(exchange, identity);
  if (!policy) throw policyNotFound(identity, 'first');
  const current = await readDefaultAuthenticationPolicy(exchange);
  if (!refersToPolicy(current, policy)) await setDefault(exchange, policy);
  return { id: context.client.organization, authentication_policy: identity, authentication_policy_guid: policy.guid };
}

export const defaultAuthenticationPolicyResource: ResourceDefinition<ExchangeClient> = {
  typeName: 'exchangeonline_default_authentication_policy',
  schema: defaultAuthenticationPolicySchema,
  stableComputed: ['id'],

  validate(config) {
    return emptyPolicyDiagnostics(config);
  },

  async modifyPlan({ prior, planned, client, signal, warn }) {
    if (client) planned.id = client.organization;
    const unchanged = prior !== null && valuesEqual(prior.authentication_policy, planned.authentication_policy);
    planned.authentication_policy_guid = unchanged ? (prior!.authentication_policy_guid ?? null) : new Unknown();
    if (!unchanged)
      await assertPolicyExistsAtPlan(
        client,
        client && exchangeSession({ client, signal, warn }),
        planned.authentication_policy,
        'first',
        warn,
      );
  },

  planDestroy({ prior, client }) {
    // Lets a policy destroyed in the same plan know the default is cleared first.
    notePlannedDefaultDetachment(client, readString(prior, 'authentication_policy_guid'));
  },

  async create(context) {
    return apply(context);
  },

  async read(context) {
    const exchange = exchangeSession(context);
    const configured = readString(context.state, 'authentication_policy');
    const current = await readDefault(exchange, configured, readString(context.state, 'authentication_policy_guid'));
    const deleted = await deletedPolicy(exchange, context.state, current);
    if (deleted) {
      // The default went with the policy: gone from the state, like a deleted mailbox's override.
      noteVanished(context.client, 'policy', configured, deleted);
      const warning = vanishedWarning(
        'policy',
        configured ?? deleted,
        'the organization default it was (this exchangeonline_default_authentication_policy)',
        deletedPolicyFix(context.client, configured),
      );
      context.warn(warning.summary, warning.detail);
      return null;
    }
    return {
      id: context.client.organization,
      authentication_policy: current.name,
      authentication_policy_guid: current.guid,
    };
  },

  async update(context) {
    return apply(context);
  },

  async delete(context) {
    const exchange = exchangeSession(context);
    if ((await readDefaultAuthenticationPolicy(exchange)) !== null) await setDefault(exchange, null);
  },

  async importState(context) {
    assertImportTenant(context);
    const current = await readDefault(exchangeSession(context), undefined, undefined);
    if (!current.name) {
      throw new DiagnosticError(
        errorDiagnostic(
          `${context.client.organization} has no default authentication policy`,
          'There is nothing to import. Declare the resource to set a default.',
        ),
      );
    }
    return {
      id: context.client.organization,
      authentication_policy: current.name,
      authentication_policy_guid: current.guid,
    };
  },
};
