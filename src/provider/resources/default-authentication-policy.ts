/**
 * exchangeonline_default_authentication_policy — the organization's default authentication policy
 * (Set-OrganizationConfig -DefaultAuthenticationPolicy), which applies to every user without a policy of their own.
 *
 * One per tenant, like the transport config: creating it sets the default, whatever it was. Destroy clears the
 * default ($null). A default changed or cleared outside Terraform shows in the plan.
 */
import { errorDiagnostic } from '../../protocol/diagnostics';
import type { Schema } from '../../protocol/schema';
import { findAuthenticationPolicy, refersToPolicy } from '../../exchange/authentication-policy';
import { readDefaultAuthenticationPolicy, setDefaultAuthenticationPolicy } from '../../exchange/organization-config';
import type { ExchangeSession } from '../../exchange/session';
import { exchangeSession, type ExchangeClient } from '../provider';
import { DiagnosticError, type OperationContext, type ResourceDefinition } from '../framework/resource';
import { Unknown, readString, valuesEqual, type ObjectValue } from '../framework/values';
import { notePlannedDefaultDetachment } from './authentication-policy';

export const defaultAuthenticationPolicySchema: Schema = {
  version: 0,
  block: {
    description:
      "The organization's default authentication policy: it applies to every user without a policy of their own (`Set-OrganizationConfig " +
      '-DefaultAuthenticationPolicy`). One per tenant: creating it replaces whatever default is set. Destroying it clears the default. ' +
      'Changes apply within 24 hours. Import with the tenant domain or id.',
    attributes: {
      id: { type: 'string', computed: true, description: "The tenant (the provider's `organization`)." },
      authentication_policy: {
        type: 'string',
        required: true,
        description: 'The default policy: its name (or GUID). Reference the policy resource (`exchangeonline_authentication_policy.<name>.name`) so Terraform creates it first and destroys it last.',
      },
      authentication_policy_guid: { type: 'string', computed: true, description: 'The GUID of the default policy.' },
    },
  },
};


/** The default as state shows it: the configured spelling while it is the same policy, else the policy's name. */
async function readDefault(exchange: ExchangeSession, configured: string | undefined, configuredGuid: string | undefined): Promise<{ name: string | null; guid: string | null }> {
  const reference = await readDefaultAuthenticationPolicy(exchange);
  if (!reference) return { name: null, guid: null };
  if (configured && configuredGuid && refersToPolicy(reference, { name: configured, guid: configuredGuid, distinguishedName: '' })) {
    return { name: configured, guid: configuredGuid };
  }
  const policy = await findAuthenticationPolicy(exchange, reference);
  if (!policy) return { name: reference, guid: null }; // the default names a policy that no longer exists
  if (configured && (policy.guid === configuredGuid || refersToPolicy(configured, policy))) return { name: configured, guid: policy.guid };
  return { name: policy.name, guid: policy.guid };
}

async function apply(context: OperationContext<ExchangeClient> & { planned: ObjectValue }): Promise<ObjectValue> {
  const exchange = exchangeSession(context);
  const identity = readString(context.planned, 'authentication_policy')!;
  const policy = await findAuthenticationPolicy(exchange, identity);
  if (!policy) {
    throw new DiagnosticError(
      errorDiagnostic(
        `Authentication policy "${identity}" not found`,
        'Check the name. If the policy is managed by Terraform, reference it (`exchangeonline_authentication_policy.<name>.name`) so it is created first.',
        ['authentication_policy'],
      ),
    );
  }
  const current = await readDefaultAuthenticationPolicy(exchange);
  if (!refersToPolicy(current, policy)) await setDefaultAuthenticationPolicy(exchange, policy.guid);
  return { id: context.client.organization, authentication_policy: identity, authentication_policy_guid: policy.guid };
}

export const defaultAuthenticationPolicyResource: ResourceDefinition<ExchangeClient> = {
  typeName: 'exchangeonline_default_authentication_policy',
  schema: defaultAuthenticationPolicySchema,
  stableComputed: ['id'],

  validate(config) {
    if (typeof config.authentication_policy === 'string' && config.authentication_policy.trim() === '') {
      return [errorDiagnostic('Invalid authentication policy', 'authentication_policy is empty. Give the policy name, or reference an exchangeonline_authentication_policy.', ['authentication_policy'])];
    }
    return [];
  },

  modifyPlan({ prior, planned, client }) {
    if (client) planned.id = client.organization;
    planned.authentication_policy_guid =
      prior && valuesEqual(prior.authentication_policy, planned.authentication_policy) ? (prior.authentication_policy_guid ?? null) : new Unknown();
  },

  planDestroy({ prior, client }) {
    // Lets a policy destroyed in the same plan know the default is cleared first.
    notePlannedDefaultDetachment(client, readString(prior, 'authentication_policy_guid'));
  },

  async create(context) {
    return apply(context);
  },

  async read(context) {
    const current = await readDefault(exchangeSession(context), readString(context.state, 'authentication_policy'), readString(context.state, 'authentication_policy_guid'));
    return { id: context.client.organization, authentication_policy: current.name, authentication_policy_guid: current.guid };
  },

  async update(context) {
    return apply(context);
  },

  async delete(context) {
    const exchange = exchangeSession(context);
    if ((await readDefaultAuthenticationPolicy(exchange)) !== null) await setDefaultAuthenticationPolicy(exchange, null);
  },

  async importState(context) {
    const id = context.id.trim();
    if (id.toLowerCase() !== context.client.organization.toLowerCase()) {
      throw new DiagnosticError(
        errorDiagnostic(
          'Import ID names a different tenant',
          `The import ID is "${id}", but this provider is configured for "${context.client.organization}". Import with the provider's organization ` +
            '(for another tenant, use a provider alias configured for it).',
        ),
      );
    }
    const current = await readDefault(exchangeSession(context), undefined, undefined);
    if (!current.name) {
      throw new DiagnosticError(
        errorDiagnostic(`${context.client.organization} has no default authentication policy`, 'There is nothing to import. Declare the resource to set a default.'),
      );
    }
    return { id: context.client.organization, authentication_policy: current.name, authentication_policy_guid: current.guid };
  },
};
