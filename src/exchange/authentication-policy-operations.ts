/**
 * Authentication policies (Get-/New-/Set-/Remove-AuthenticationPolicy): which protocols may still use Basic
 * authentication for the users a policy applies to.
 *
 * A new policy blocks Basic auth for every protocol: each of the twelve Exchange Online switches defaults to false.
 * Names are at most 64 characters and cannot be changed. Set-AuthenticationPolicy has a known service defect
 * ("Object reference not set to an instance of an object"); it is retried here, never worked around by deleting
 * and recreating the policy, which would drop every user assignment and the org default that point at it.
 */
import type { JsonValue, Row } from '../bridge/bridge';
import { systemClock, type Clock } from '../bridge/clock';
import { ExchangeError, InvalidInputError, NotFoundError, ServiceBugError, TransientError } from '../bridge/errors';
import { identityProblem } from './cas-mailbox-operations';
import { booleanOf, property, text } from './row';
import { invoke, type ExchangeSession } from './session';

/** The twelve Exchange Online switches, as the cmdlets spell them. (`BlockLegacyAuth*` are on-premises only.) */
export const BASIC_AUTH_SWITCHES = [
  'AllowBasicAuthActiveSync',
  'AllowBasicAuthAutodiscover',
  'AllowBasicAuthImap',
  'AllowBasicAuthMapi',
  'AllowBasicAuthOfflineAddressBook',
  'AllowBasicAuthOutlookService',
  'AllowBasicAuthPop',
  'AllowBasicAuthPowershell',
  'AllowBasicAuthReportingWebServices',
  'AllowBasicAuthRpc',
  'AllowBasicAuthSmtp',
  'AllowBasicAuthWebServices',
] as const;
export type BasicAuthSwitch = (typeof BASIC_AUTH_SWITCHES)[number];
export type BasicAuthSwitches = Record<BasicAuthSwitch, boolean>;

export const MAX_POLICY_NAME_LENGTH = 64;

export interface AuthenticationPolicy {
  name: string;
  /** Lower-case GUID: what pins the policy across reads. */
  guid: string;
  distinguishedName: string;
  switches: BasicAuthSwitches;
}

/** Why a string can't be the name of a new policy, or undefined when it can. */
export function policyNameProblem(name: string): string | undefined {
  return identityProblem(name, MAX_POLICY_NAME_LENGTH, 'authentication policy names');
}

/**
 * Refuses identities that can never name one policy. An empty -Identity is the documented pitfall: Get-AuthenticationPolicy
 * then returns every policy, and taking the first row as "the" policy would silently act on the wrong one.
 */
export function assertPolicyIdentity(identity: string): void {
  let problem: string | undefined;
  if (identity.trim() === '') problem = 'is empty';
  else if (/[\u0000-\u001f\u007f]/.test(identity)) problem = 'contains a control character';
  else if (identity.length > 1024) problem = 'is too long';
  if (problem) {
    throw new InvalidInputError(
      `The authentication policy identity ${JSON.stringify(identity.slice(0, 80))} ${problem}.`,
      'Name the policy by its name, distinguished name or GUID.',
      'Get-AuthenticationPolicy',
    );
  }
}

function switchValue(value: JsonValue | undefined, property: string): boolean {
  // Not returned at all, or null: Exchange's default for every switch is false (Basic auth blocked).
  if (value === null || value === undefined || value === '') return false;
  const parsed = booleanOf(value);
  if (parsed !== undefined) return parsed;
  throw new Error(`Get-AuthenticationPolicy returned ${JSON.stringify(value)} for ${property}; expected a Boolean`);
}

export function authenticationPolicyFromRow(row: Row): AuthenticationPolicy {
  const name = text(row, 'Name');
  const guid = text(row, 'Guid') ?? text(row, 'ExchangeObjectId');
  if (!name || !guid) throw new Error('an authentication policy row came back without Name or Guid');
  const switches = {} as BasicAuthSwitches;
  for (const name of BASIC_AUTH_SWITCHES) switches[name] = switchValue(property(row, name), name);
  return {
    name,
    guid: guid.toLowerCase(),
    distinguishedName: text(row, 'DistinguishedName') ?? text(row, 'Identity') ?? name,
    switches,
  };
}

/**
 * True when `reference` (what Get-User / Get-OrganizationConfig report for a policy: its name, distinguished name or
 * GUID, depending on the serializer) names `policy`. Exchange compares names case-insensitively.
 */
export function refersToPolicy(
  reference: string | null | undefined,
  policy: Pick<AuthenticationPolicy, 'name' | 'guid' | 'distinguishedName'>,
): boolean {
  if (!reference) return false;
  const key = reference
    .trim()
    .replace(/^\{(.*)\}$/, '$1')
    .toLowerCase();
  return key === policy.guid || key === policy.name.toLowerCase() || key === policy.distinguishedName.toLowerCase();
}

/** One policy by name, distinguished name or GUID; undefined when there is none. */
export async function findAuthenticationPolicy(
  session: ExchangeSession,
  identity: string,
): Promise<AuthenticationPolicy | undefined> {
  assertPolicyIdentity(identity);
  let rows: Row[];
  try {
    rows = await invoke(session, 'Get-AuthenticationPolicy', { Identity: identity });
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
  if (rows.length === 0) return undefined;
  const policies = rows.map(authenticationPolicyFromRow);
  const distinct = new Map(policies.map((p) => [p.guid, p]));
  if (distinct.size > 1) {
    throw new InvalidInputError(
      `The identity "${identity}" matches ${distinct.size} authentication policies (${[...distinct.values()].map((p) => p.name).join(', ')}).`,
      'Name the policy by its exact name or GUID.',
      'Get-AuthenticationPolicy',
    );
  }
  return policies[0];
}

/** Every policy in the tenant: -Identity is left out on purpose (never sent empty). */
export async function listAuthenticationPolicies(session: ExchangeSession): Promise<AuthenticationPolicy[]> {
  const rows = await invoke(session, 'Get-AuthenticationPolicy');
  return rows.map(authenticationPolicyFromRow);
}

/** Tries of a New-/Remove- whose answer may have been lost, and the first wait between them (doubling). */
const LOST_ANSWER_ATTEMPTS = 5;
const LOST_ANSWER_FIRST_WAIT_MS = 1000;

function isAlreadyExists(error: unknown): boolean {
  return error instanceof ExchangeError && /already exists/i.test(error.message);
}

function sameSwitches(a: BasicAuthSwitches, b: BasicAuthSwitches): boolean {
  return BASIC_AUTH_SWITCHES.every((property) => a[property] === b[property]);
}

/**
 * Creates a policy. Only the switches that are true are sent: a new policy starts with every switch false, and
 * sending nothing for the others is exactly what `New-AuthenticationPolicy -Name x -AllowBasicAuthSmtp` does.
 *
 * New- is not idempotent, so the bridge does not repeat it after a transient failure: the change may have been
 * applied and only the answer lost. Here the tenant is asked instead. The policy found under the name with the same
 * switches is the one being created, and is adopted; none found means the call never landed, so it is sent again
 * (its "already exists" then means the earlier call did land, and a read that lags behind is asked again).
 */
export async function newAuthenticationPolicy(
  session: ExchangeSession,
  name: string,
  switches: BasicAuthSwitches,
  options: { clock?: Clock } = {},
): Promise<AuthenticationPolicy> {
  const problem = policyNameProblem(name);
  if (problem)
    throw new InvalidInputError(
      `The authentication policy name ${JSON.stringify(name.slice(0, 80))} ${problem}.`,
      'Choose another name.',
      'New-AuthenticationPolicy',
    );
  const parameters: Record<string, JsonValue> = { Name: name };
  for (const property of BASIC_AUTH_SWITCHES) if (switches[property]) parameters[property] = true;
  const clock = options.clock ?? systemClock;
  let answerLost = false;
  let wait = LOST_ANSWER_FIRST_WAIT_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      const rows = await invoke(session, 'New-AuthenticationPolicy', parameters);
      if (rows.length > 0) return authenticationPolicyFromRow(rows[0]);
      // Some serializers answer New-* with no object: read it back (a fresh object can take a moment to replicate).
      const created = await findAuthenticationPolicy(session, name);
      if (!created)
        throw new Error(`New-AuthenticationPolicy succeeded but the policy "${name}" could not be read back`);
      return created;
    } catch (error) {
      if (!(error instanceof TransientError) && !(answerLost && isAlreadyExists(error))) throw error;
      answerLost = true;
      const found = await findAuthenticationPolicy(session, name);
      if (found && sameSwitches(found.switches, switches)) {
        session.warn?.(
          `New-AuthenticationPolicy: the answer was lost (${(error as Error).message}); the policy "${found.name}" it created was found and adopted.`,
        );
        return found;
      }
      if (found) {
        throw new InvalidInputError(
          `Authentication policy "${found.name}" exists with other settings than the ones being created; the answer to New-AuthenticationPolicy was lost, so whether this apply or someone else created it is unknown.`,
          `Import it (\`terraform import <address> ${JSON.stringify(found.name)}\`) and apply again, or choose another name.`,
          'New-AuthenticationPolicy',
          { cause: error },
        );
      }
      if (attempt >= LOST_ANSWER_ATTEMPTS) throw error;
      await clock.sleep(wait, session.signal);
      wait *= 2;
    }
  }
}

export interface ServiceBugRetryOptions {
  /** Calls in all, counting the first. Default 4. */
  attempts?: number;
  /** Wait before the first retry; doubles each time. Default 1000 ms (so 1 s, 2 s, 4 s). */
  initialDelayMs?: number;
  clock?: Clock;
}

export const DEFAULT_SERVICE_BUG_ATTEMPTS = 4;

/** Set-AuthenticationPolicy kept failing with a service defect: nothing was changed. */
export class AuthenticationPolicyUpdateError extends ServiceBugError {
  constructor(
    readonly attempts: number,
    readonly last: ServiceBugError,
    readonly knownDefect: boolean,
  ) {
    super(
      `Set-AuthenticationPolicy failed ${attempts} time${attempts === 1 ? '' : 's'} in a row: ${last.message}`,
      last.remedy,
      'Set-AuthenticationPolicy',
      { cause: last },
    );
  }
}

/**
 * Changes switches of an existing policy in place (only those given; nothing is sent when none are). Set-* is
 * idempotent, so a ServiceBugError — above all the known "Object reference not set" defect — is retried with backoff;
 * when it persists, AuthenticationPolicyUpdateError says so. The policy is never deleted and recreated.
 * Returns how many calls it took.
 */
export async function setAuthenticationPolicy(
  session: ExchangeSession,
  identity: string,
  changes: Partial<BasicAuthSwitches>,
  options: ServiceBugRetryOptions = {},
): Promise<number> {
  assertPolicyIdentity(identity);
  const parameters: Record<string, JsonValue> = { Identity: identity };
  for (const property of BASIC_AUTH_SWITCHES) {
    // false is sent as false: the REST form of `-AllowBasicAuthSmtp:$false`.
    if (changes[property] !== undefined) parameters[property] = changes[property]!;
  }
  if (Object.keys(parameters).length === 1) return 0;
  const attempts = Math.max(1, options.attempts ?? DEFAULT_SERVICE_BUG_ATTEMPTS);
  const clock = options.clock ?? systemClock;
  let delay = options.initialDelayMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      await invoke(session, 'Set-AuthenticationPolicy', parameters);
      return attempt;
    } catch (error) {
      if (!(error instanceof ServiceBugError)) throw error;
      if (attempt >= attempts)
        throw new AuthenticationPolicyUpdateError(attempt, error, isObjectReferenceDefect(error));
      session.warn?.(
        `Set-AuthenticationPolicy failed (attempt ${attempt} of ${attempts}): ${error.message} Retrying in ${delay / 1000} s.`,
      );
      await clock.sleep(delay, session.signal);
      delay *= 2;
    }
  }
}

/** The defect reported in 2024: a NullReferenceException inside the service, unrelated to the parameters. */
export function isObjectReferenceDefect(error: ServiceBugError): boolean {
  return /Object reference not set to an instance of an object/i.test(error.message);
}

/**
 * Deletes a policy. Callers check assignments and the org default first (what Remove- does to them is undocumented).
 * A policy that is already gone is deleted: that is the goal. After a transient failure (the answer may be lost) the
 * tenant is asked whether the policy is still there before Remove- is sent again.
 */
export async function removeAuthenticationPolicy(
  session: ExchangeSession,
  identity: string,
  options: { clock?: Clock } = {},
): Promise<void> {
  assertPolicyIdentity(identity);
  const clock = options.clock ?? systemClock;
  let wait = LOST_ANSWER_FIRST_WAIT_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      await invoke(session, 'Remove-AuthenticationPolicy', { Identity: identity });
      return;
    } catch (error) {
      if (error instanceof NotFoundError) return;
      if (!(error instanceof TransientError)) throw error;
      if (!(await findAuthenticationPolicy(session, identity))) return;
      if (attempt >= LOST_ANSWER_ATTEMPTS) throw error;
      await clock.sleep(wait, session.signal);
      wait *= 2;
    }
  }
}
