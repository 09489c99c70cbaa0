/**
 * What the resources that point at an authentication policy share: the user assignment and the organization default
 * both name a policy in `authentication_policy` and read back a reference to one.
 */
import { errorDiagnostic, type Diagnostic } from '../../protocol/diagnostics';
import { findAuthenticationPolicy, refersToPolicy } from '../../exchange/authentication-policy-operations';
import type { ExchangeSession } from '../../exchange/session';
import { DiagnosticError } from '../framework/resource';
import { isKnown, type CtyValue, type ObjectValue } from '../framework/values';
import { DESTROY_MEANWHILE, hasVanished, missingIsNoError } from './vanished';

/**
 * How a policy reference (what Get-User or Get-OrganizationConfig report) reads in state: the configured spelling
 * while it is the same policy (so a name given as GUID, or in other case, is not drift), else the policy's own name,
 * else what Exchange reported (a policy that no longer exists), else null.
 */
export async function policyInState(
  exchange: ExchangeSession,
  reference: string | null,
  configured: string | undefined,
  configuredGuid: string | undefined,
): Promise<{ name: string | null; guid: string | null }> {
  if (!reference) return { name: null, guid: null };
  if (
    configured &&
    configuredGuid &&
    refersToPolicy(reference, { name: configured, guid: configuredGuid, distinguishedName: '' })
  ) {
    return { name: configured, guid: configuredGuid };
  }
  const policy = await findAuthenticationPolicy(exchange, reference);
  if (!policy) return { name: reference, guid: null };
  if (configured && (policy.guid === configuredGuid || refersToPolicy(configured, policy)))
    return { name: configured, guid: policy.guid };
  return { name: policy.name, guid: policy.guid };
}

/**
 * `authentication_policy` names no policy; `createdWhen` ends the advice ("first", "before the assignment"). A policy
 * this process saw deleted is not reported here (the refresh already warned), nor one missing under a destroy
 * (vanished.ts).
 */
export function policyNotFound(identity: string, createdWhen: string): DiagnosticError {
  return new DiagnosticError(
    errorDiagnostic(
      `Authentication policy "${identity}" not found`,
      'Check the name. If the policy is managed by Terraform, reference it ' +
        `(\`exchangeonline_authentication_policy.<name>.name\`) so it is created ${createdWhen}. ` +
        'If Terraform assigned it before, it was deleted outside Terraform: remove the resource block ' +
        `(or replace it with a \`removed\` block); ${DESTROY_MEANWHILE}`,
      ['authentication_policy'],
    ),
  );
}

/**
 * A policy this resource pointed at (state's `authentication_policy_guid`) that no longer exists, when what Exchange
 * reports now (`current`) is no policy or a reference that resolves to none: the policy was deleted, not unassigned.
 */
export async function deletedPolicy(
  exchange: ExchangeSession,
  state: ObjectValue,
  current: { guid: string | null },
): Promise<string | undefined> {
  const guid = state.authentication_policy_guid;
  if (current.guid !== null || typeof guid !== 'string' || guid === '') return undefined;
  return (await findAuthenticationPolicy(exchange, guid)) ? undefined : guid;
}

/** An empty `authentication_policy`, refused at validation. */
export function emptyPolicyDiagnostics(config: ObjectValue): Diagnostic[] {
  if (typeof config.authentication_policy === 'string' && config.authentication_policy.trim() === '') {
    return [
      errorDiagnostic(
        'Invalid authentication policy',
        'authentication_policy is empty. Give the policy name, or reference an exchangeonline_authentication_policy.',
        ['authentication_policy'],
      ),
    ];
  }
  return [];
}

/** Names of policies planned in this process (per configured client), lower-cased: they exist once applied. */
const plannedPolicies = new WeakMap<object, Set<string>>();

/** Called by the policy resource's plan: Terraform plans a policy before what references it (the reference is an edge). */
export function notePlannedPolicy(client: object | null, name: CtyValue | undefined): void {
  if (!client || typeof name !== 'string' || !isKnown(name)) return;
  let names = plannedPolicies.get(client);
  if (!names) plannedPolicies.set(client, (names = new Set()));
  names.add(name.trim().toLowerCase());
}

/** Whether a policy of this name is planned in this configuration (Terraform plans it before what references it). */
export function isPlannedPolicy(client: object, name: string | undefined): boolean {
  return name !== undefined && plannedPolicies.get(client)?.has(name.trim().toLowerCase()) === true;
}

/**
 * The fix for an assignment or default whose policy was deleted: nothing when the configuration creates the policy
 * again (an exchangeonline_authentication_policy already planned, being a dependency), else remove the block.
 */
export function deletedPolicyFix(client: object, name: string | undefined): string | undefined {
  return isPlannedPolicy(client, name)
    ? 'This configuration creates the policy again (its exchangeonline_authentication_policy), ' +
        'and applying restores this resource too.'
    : undefined;
}

/**
 * Plan-time truth: the policy an assignment or the default names must exist now, or be planned in this
 * configuration (a `exchangeonline_authentication_policy` the reference points at is planned first, since the
 * reference orders them; its name is known at plan, so it cannot be told apart by being unknown). An unknown name
 * passes, and without a configured provider (credentials unknown at plan) nothing is checked. A literal name of a
 * policy declared in the same configuration but not referenced passes only if Terraform happened to plan it first.
 * A missing policy the refresh saw deleted, or missing under a destroy, warns instead (vanished.ts).
 */
export async function assertPolicyExistsAtPlan(
  client: object | null,
  exchange: ExchangeSession | null,
  reference: CtyValue | undefined,
  createdWhen: string,
  warn: (summary: string, detail?: string) => void,
): Promise<void> {
  if (!client || !exchange || typeof reference !== 'string' || !isKnown(reference) || reference.trim() === '') return;
  if (plannedPolicies.get(client)?.has(reference.trim().toLowerCase())) return;
  if (hasVanished(client, 'policy', reference)) return; // the refresh warned that it was deleted; never an error
  if (await findAuthenticationPolicy(exchange, reference)) return;
  if (!missingIsNoError(client, 'policy', reference, warn)) throw policyNotFound(reference, createdWhen);
}
