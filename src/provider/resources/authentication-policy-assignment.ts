/**
 * exchangeonline_authentication_policy_assignment — the authentication policy of one user
 * (Set-User -AuthenticationPolicy), which wins over the organization default.
 *
 * Exchange applies a policy change within 24 hours. `revoke_refresh_tokens = true` also sets the user's
 * STSRefreshTokensValidFrom to now whenever the assignment changes (created, moved to another policy, removed), so
 * the change takes effect in about 30 minutes; `refresh_tokens_revoked_at` records when that last happened.
 * Destroy removes the user's policy ($null). A policy changed or removed outside Terraform shows in the plan; a user
 * deleted outside Terraform is dropped from state with a warning.
 */
import { errorDiagnostic, type Diagnostic } from '../../protocol/diagnostics';
import type { Schema } from '../../protocol/schema';
import {
  findAuthenticationPolicy,
  refersToPolicy,
  type AuthenticationPolicy,
} from '../../exchange/authentication-policy-operations';
import { identityProblem } from '../../exchange/cas-mailbox-operations';
import { confirmWrite } from '../../exchange/confirm';
import type { ExchangeSession } from '../../exchange/session';
import { findUsers, setUser, type DirectoryUser } from '../../exchange/user-operations';
import { exchangeSession, type ExchangeClient } from '../shared/exchange-client';
import { DiagnosticError, type OperationContext, type ResourceDefinition } from '../framework/resource';
import { Unknown, isKnown, readString, valuesEqual, type ObjectValue } from '../framework/values';
import { notePlannedUserDetachment } from './authentication-policy';
import {
  assertPolicyExistsAtPlan,
  deletedPolicy,
  deletedPolicyFix,
  emptyPolicyDiagnostics,
  policyInState,
  policyNotFound,
} from '../shared/policy-reference';
import { warnsUnderDestroy } from '../shared/destroy-command';
import { DESTROY_MEANWHILE, missingIsNoError, noteVanished, vanishedWarning } from '../shared/vanished';

export const authenticationPolicyAssignmentSchema: Schema = {
  version: 0,
  block: {
    description:
      "Assigns an authentication policy to one user (`Set-User -AuthenticationPolicy`); the user's own policy wins over the organization default. " +
      'Exchange applies a change within 24 hours; `revoke_refresh_tokens` brings that down to about 30 minutes. Destroying the resource removes the ' +
      "user's policy, so the organization default applies again. Import with any identity of the user. " +
      'A user, or a policy not managed in this configuration, deleted outside Terraform takes the assignment out of the state with one warning ' +
      'naming it, and applying fails for it: remove the block, or replace it with a `removed` block. Meanwhile plans show it to be ' +
      'created again (once an apply has stored the state without it, they fail as for a misspelled name), and `terraform destroy` ' +
      'still destroys the rest.',
    attributes: {
      id: { type: 'string', computed: true, description: 'The user GUID.' },
      user: {
        type: 'string',
        required: true,
        description:
          'The user: user principal name, primary SMTP address, GUID or any other identity Exchange accepts. Users without a mailbox work too. Changing it replaces the resource.',
      },
      authentication_policy: {
        type: 'string',
        required: true,
        description:
          'The policy to assign: its name (or GUID). Reference the policy resource (`exchangeonline_authentication_policy.<name>.name`) so Terraform creates it first ' +
          'and destroys it last. Changing it moves the user to the other policy in place.',
      },
      revoke_refresh_tokens: {
        type: 'bool',
        optional: true,
        computed: true,
        description:
          "When `true`, every change of the assignment (create, another policy, destroy) also revokes the user's refresh tokens (`Set-User -STSRefreshTokensValidFrom` " +
          'set to now), so the policy applies in about 30 minutes instead of up to 24 hours. Apps then have to sign the user in again. Default `false`.',
      },
      refresh_tokens_revoked_at: {
        type: 'string',
        computed: true,
        description: "When this resource last revoked the user's refresh tokens (RFC 3339, UTC); null if it never did.",
      },
      user_principal_name: { type: 'string', computed: true, description: "The user's principal name." },
      authentication_policy_guid: {
        type: 'string',
        computed: true,
        description: 'The GUID of the policy the user has.',
      },
    },
  },
};

/** Exactly one user for an identity, or undefined; several matches are the user's to disambiguate. */
async function resolveUser(exchange: ExchangeSession, identity: string): Promise<DirectoryUser | undefined> {
  const users = await findUsers(exchange, identity);
  if (users.length <= 1) return users[0];
  throw new DiagnosticError(
    errorDiagnostic(
      `User identity "${identity}" matches ${users.length} users`,
      `It matches ${users
        .slice(0, 5)
        .map((u) => u.userPrincipalName)
        .join(', ')}${users.length > 5 ? ', …' : ''}. Use a unique identity: the user principal name or GUID.`,
      ['user'],
    ),
  );
}

/**
 * A user no lookup finds, that no refresh in this process saw deleted (then the refresh warned: vanished.ts),
 * outside a destroy.
 */
function userNotFound(identity: string): DiagnosticError {
  return new DiagnosticError(
    errorDiagnostic(
      `User "${identity}" not found`,
      'Check the spelling, or use the user principal name or GUID of an existing user. ' +
        'If Terraform assigned the user a policy before, the user was deleted outside Terraform: remove the resource block (or replace it with a `removed` block); ' +
        DESTROY_MEANWHILE,
      ['user'],
    ),
  );
}

/** RFC 3339 without milliseconds: what the attribute shows and what Exchange stores (whole seconds). */
function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function stateFrom(
  user: DirectoryUser,
  rest: { user: string; policy: string | null; policyGuid: string | null; revoke: boolean; revokedAt: string | null },
): ObjectValue {
  return {
    id: user.guid,
    user: rest.user,
    authentication_policy: rest.policy,
    revoke_refresh_tokens: rest.revoke,
    refresh_tokens_revoked_at: rest.revokedAt,
    user_principal_name: user.userPrincipalName,
    authentication_policy_guid: rest.policyGuid,
  };
}

/**
 * Reads until the service shows the user with `policy` (null: without one), so the next refresh, in a new process,
 * neither shows drift that isn't there nor hides a change still to make (confirm.ts).
 */
async function confirmUserPolicy(
  exchange: ExchangeSession,
  userGuid: string,
  policy: AuthenticationPolicy | null,
): Promise<void> {
  await confirmWrite(exchange, 'Set-User -AuthenticationPolicy', async () => {
    const user = await resolveUser(exchange, userGuid);
    if (!user) return true; // deleted meanwhile: nothing to wait for
    return policy ? refersToPolicy(user.authenticationPolicy, policy) : user.authenticationPolicy === null;
  });
}

/** Assigns the planned policy (and revokes tokens when the plan says so), then returns the new state. */
async function assign(
  context: OperationContext<ExchangeClient> & { planned: ObjectValue; prior?: ObjectValue },
): Promise<ObjectValue> {
  const exchange = exchangeSession(context);
  const identity = readString(context.planned, 'user')!;
  const policyIdentity = readString(context.planned, 'authentication_policy')!;
  const policy: AuthenticationPolicy | undefined = await findAuthenticationPolicy(exchange, policyIdentity);
  if (!policy) throw policyNotFound(policyIdentity, 'before the assignment');
  // After create, the GUID pins the user even if their names change.
  const pinned = context.prior ? readString(context.prior, 'id') : undefined;
  const user = await resolveUser(exchange, pinned ?? identity);
  if (!user) throw userNotFound(identity);
  // The plan leaves refresh_tokens_revoked_at unknown exactly when this apply revokes.
  const revoke = !isKnown(context.planned.refresh_tokens_revoked_at) && context.planned.revoke_refresh_tokens === true;
  const now = new Date();
  const alreadyAssigned = refersToPolicy(user.authenticationPolicy, policy);
  if (!alreadyAssigned || revoke) {
    await setUser(exchange, user.guid, {
      authenticationPolicy: alreadyAssigned ? undefined : policy.guid,
      stsRefreshTokensValidFrom: revoke ? now : undefined,
    });
    if (!alreadyAssigned) await confirmUserPolicy(exchange, user.guid, policy);
  }
  return stateFrom(user, {
    user: identity,
    policy: policyIdentity,
    policyGuid: policy.guid,
    revoke: context.planned.revoke_refresh_tokens === true,
    revokedAt: revoke ? rfc3339(now) : (readString(context.prior ?? {}, 'refresh_tokens_revoked_at') ?? null),
  });
}

export const authenticationPolicyAssignmentResource: ResourceDefinition<ExchangeClient> = {
  typeName: 'exchangeonline_authentication_policy_assignment',
  schema: authenticationPolicyAssignmentSchema,
  requiresReplace: ['user'],
  defaults: { revoke_refresh_tokens: false },
  stableComputed: ['id', 'user_principal_name'],

  validate(config) {
    const diagnostics: Diagnostic[] = [];
    if (typeof config.user === 'string') {
      const problem = identityProblem(config.user);
      if (problem)
        diagnostics.push(
          errorDiagnostic(
            'Invalid user identity',
            `The user identity ${problem}. Use the user principal name or GUID.`,
            ['user'],
          ),
        );
    }
    diagnostics.push(...emptyPolicyDiagnostics(config));
    return diagnostics;
  },

  async modifyPlan({ prior, planned, client, signal, warn }) {
    const policyChanges = !prior || !valuesEqual(prior.authentication_policy, planned.authentication_policy);
    planned.authentication_policy_guid = policyChanges ? new Unknown() : (prior!.authentication_policy_guid ?? null);
    // Revocation happens when the assignment changes and revoke_refresh_tokens is on; toggling the flag alone does nothing.
    if (policyChanges)
      await assertPolicyExistsAtPlan(
        client,
        client && exchangeSession({ client, signal, warn }),
        planned.authentication_policy,
        'before the assignment',
        warn,
      );
    const revokes = policyChanges && planned.revoke_refresh_tokens !== false;
    planned.refresh_tokens_revoked_at = revokes ? new Unknown() : (prior?.refresh_tokens_revoked_at ?? null);
    // Resolve a new user while planning, so a misspelled user fails the plan rather than the apply.
    if (!prior && client && typeof planned.user === 'string' && isKnown(planned.user)) {
      // An identity that names several users (one given a matching name since) warns under a destroy.
      const user = await resolveUser(exchangeSession({ client, signal, warn }), planned.user).catch(
        (error: unknown) => {
          if (warnsUnderDestroy(error, warn)) return 'ambiguous' as const;
          throw error;
        },
      );
      if (user === 'ambiguous') {
        // nothing to pin: the destroy creates nothing
      } else if (user) {
        planned.id = user.guid;
        planned.user_principal_name = user.userPrincipalName;
      } else if (!missingIsNoError(client, 'user', planned.user, warn)) throw userNotFound(planned.user);
      // else the refresh has just said the user was deleted outside Terraform, or this is a destroy: no error
    }
  },

  async planDestroy({ prior, client }) {
    // Lets a policy destroyed in the same plan know this assignment goes first.
    notePlannedUserDetachment(client, readString(prior, 'authentication_policy_guid'), readString(prior, 'id'));
  },

  async create(context) {
    return assign(context);
  },

  async read(context) {
    const exchange = exchangeSession(context);
    const identity = readString(context.state, 'user')!;
    const user = await resolveUser(exchange, readString(context.state, 'id') ?? identity);
    if (!user) {
      noteVanished(context.client, 'user', identity, readString(context.state, 'id'));
      const what = 'their policy assignment (this exchangeonline_authentication_policy_assignment)';
      const warning = vanishedWarning('user', identity, what);
      context.warn(warning.summary, warning.detail);
      return null;
    }
    const configured = readString(context.state, 'authentication_policy');
    const configuredGuid = readString(context.state, 'authentication_policy_guid');
    const current = await policyInState(exchange, user.authenticationPolicy, configured, configuredGuid);
    const deleted = await deletedPolicy(exchange, context.state, current);
    if (deleted) {
      // The assignment went with the policy: gone from the state, like a deleted user's.
      noteVanished(context.client, 'policy', configured, deleted);
      const warning = vanishedWarning(
        'policy',
        configured ?? deleted,
        `its assignment to "${identity}" (this exchangeonline_authentication_policy_assignment)`,
        deletedPolicyFix(context.client, configured),
      );
      context.warn(warning.summary, warning.detail);
      return null;
    }
    return stateFrom(user, {
      user: identity,
      policy: current.name,
      policyGuid: current.guid,
      revoke: context.state.revoke_refresh_tokens === true,
      revokedAt: readString(context.state, 'refresh_tokens_revoked_at') ?? null,
    });
  },

  async update(context) {
    return assign(context);
  },

  async delete(context) {
    const exchange = exchangeSession(context);
    const guid = readString(context.prior, 'id');
    if (!guid) return;
    const user = await resolveUser(exchange, guid);
    if (!user || user.authenticationPolicy === null) return; // gone, or already without a policy
    await setUser(exchange, user.guid, {
      authenticationPolicy: null,
      stsRefreshTokensValidFrom: context.prior.revoke_refresh_tokens === true ? new Date() : undefined,
    });
    await confirmUserPolicy(exchange, user.guid, null);
  },

  async importState(context) {
    const exchange = exchangeSession(context);
    const problem = identityProblem(context.id);
    if (problem)
      throw new DiagnosticError(
        errorDiagnostic(
          'Invalid import ID',
          `The user identity ${problem}. Import with the user principal name or GUID.`,
        ),
      );
    const user = await resolveUser(exchange, context.id);
    if (!user)
      throw new DiagnosticError(
        errorDiagnostic(
          `User "${context.id}" not found`,
          'Import with the user principal name or GUID of an existing user.',
        ),
      );
    if (!user.authenticationPolicy) {
      throw new DiagnosticError(
        errorDiagnostic(
          `User "${context.id}" has no authentication policy`,
          'There is no assignment to import: the organization default applies to this user. Declare the resource to assign a policy.',
        ),
      );
    }
    const current = await policyInState(exchange, user.authenticationPolicy, undefined, undefined);
    return stateFrom(user, {
      user: context.id,
      policy: current.name,
      policyGuid: current.guid,
      revoke: false,
      revokedAt: null,
    });
  },
};
