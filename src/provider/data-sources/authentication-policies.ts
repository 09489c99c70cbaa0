/**
 * data "exchangeonline_authentication_policies" — every authentication policy with its switches, whether it is the
 * organization default, and the users it is assigned to: the inventory to review before the Basic auth changes,
 * and data a pipeline can assert on (for example "only the printers' policy allows Basic SMTP").
 */
import type { Schema } from '../../protocol/schema';
import { listAuthenticationPolicies, refersToPolicy } from '../../exchange/authentication-policy-operations';
import { readDefaultAuthenticationPolicy } from '../../exchange/organization-config-operations';
import { listUsersWithAuthenticationPolicy } from '../../exchange/user-operations';
import { exchangeSession, type ExchangeClient } from '../shared/exchange-client';
import type { DataSourceDefinition } from '../framework/resource';
import { SWITCH_ATTRIBUTES } from '../resources/authentication-policy';

const POLICY_TYPE = [
  'object',
  {
    name: 'string',
    guid: 'string',
    distinguished_name: 'string',
    is_default: 'bool',
    assigned_users: ['list', 'string'],
    ...Object.fromEntries(SWITCH_ATTRIBUTES.map(({ attribute }) => [attribute, 'bool'])),
  },
] as const;

export const authenticationPoliciesSchema: Schema = {
  version: 0,
  block: {
    description:
      'Every authentication policy in the tenant with its twelve `allow_basic_auth_*` switches, whether it is the organization default, and the users ' +
      'it is assigned to (one filtered `Get-User` per policy).',
    attributes: {
      id: { type: 'string', computed: true, description: "The tenant (the provider's `organization`)." },
      policies: {
        type: ['list', POLICY_TYPE],
        computed: true,
        description:
          'The policies, sorted by name: `name`, `guid`, `distinguished_name`, `is_default`, `assigned_users` (user principal names, sorted) and each ' +
          `switch (${SWITCH_ATTRIBUTES.map((s) => `\`${s.attribute}\``).join(', ')}).`,
      },
      names: { type: ['list', 'string'], computed: true, description: 'The policy names, sorted.' },
      default_policy: {
        type: 'string',
        computed: true,
        description: 'The name of the organization default policy; null when there is none.',
      },
    },
  },
};

export const authenticationPoliciesDataSource: DataSourceDefinition<ExchangeClient> = {
  typeName: 'exchangeonline_authentication_policies',
  schema: authenticationPoliciesSchema,

  async read(context) {
    const exchange = exchangeSession(context);
    const [policies, defaultReference] = await Promise.all([
      listAuthenticationPolicies(exchange),
      readDefaultAuthenticationPolicy(exchange),
    ]);
    policies.sort((a, b) => a.name.localeCompare(b.name));
    const rows = await Promise.all(
      policies.map(async (policy) => {
        const users = await listUsersWithAuthenticationPolicy(exchange, {
          distinguishedName: policy.distinguishedName,
          matches: (reference) => refersToPolicy(reference, policy),
        });
        const row: Record<string, string | boolean | string[]> = {
          name: policy.name,
          guid: policy.guid,
          distinguished_name: policy.distinguishedName,
          is_default: refersToPolicy(defaultReference, policy),
          assigned_users: users.map((u) => u.userPrincipalName).sort(),
        };
        for (const { attribute, property } of SWITCH_ATTRIBUTES) row[attribute] = policy.switches[property];
        return row;
      }),
    );
    const defaultPolicy = policies.find((p) => refersToPolicy(defaultReference, p));
    return {
      id: context.client.organization,
      policies: rows,
      names: policies.map((p) => p.name),
      // A default naming a policy that no longer exists is reported as Exchange has it.
      default_policy: defaultPolicy?.name ?? defaultReference,
    };
  },
};
