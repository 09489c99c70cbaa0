/**
 * Plan-time truth for mailboxes managed twice: a mailbox named by two resources with different SMTP AUTH values would
 * flip on every apply. Terraform plans every resource of a configuration in one provider process, so each plan of a
 * mailbox resource or list notes its planned values here (per configured client, i.e. per tenant and provider block)
 * and a conflicting planned value fails the plan (it only warns in the plan Terraform makes before a destroy).
 *
 * Limits, by design of the protocol: a provider is never told a resource's address, so the error names the other
 * resource by type and identity (Terraform adds the address of the resource whose plan failed); identities are
 * compared as written, case-insensitively, plus the GUID a single mailbox resolved to (an alias and an address of the
 * same mailbox in two lists are not matched); two provider blocks (aliases) for the same tenant do not see each
 * other's planned values; a value unknown at plan is not noted.
 */
import { errorDiagnostic, type AttributePath } from '../../protocol/diagnostics';
import { DiagnosticError } from '../framework/resource';
import { warnsUnderDestroy } from './destroy-command';

interface PlannedValue {
  readonly value: boolean | null;
  /** How the error names the resource that planned the value, e.g. `an exchangeonline_mailbox_smtp_auth_list (as "sean@contoso.com")`. */
  readonly by: string;
  /** The planning resource's own key, so a resource planned again does not conflict with itself. */
  readonly owner: string;
}

/**
 * Per client: the planned values by mailbox key. Until a second resource plans, there is nothing to compare with, so the
 * first one's keys are only kept (a plan of one 60,000-member list indexes nothing); they are indexed when another
 * resource plans.
 */
interface Registry {
  first?: { keys: readonly string[]; planned: PlannedValue };
  index?: Map<string, PlannedValue>;
}

const registries = new WeakMap<object, Registry>();

const normalize = (key: string): string => key.trim().toLowerCase();

function settingText(value: boolean | null): string {
  return value === null ? 'null (inherit)' : String(value);
}

/**
 * Registers that `owner` wants `value` for the mailbox named by each of `keys` (identity as written, GUID...).
 * Throws a DiagnosticError when another resource wants a different value for any of them; under a destroy (whose
 * plan of the configuration is thrown away) it warns instead, through `warn` (destroy-command.ts).
 */
export function notePlannedMailboxValue(
  client: object,
  keys: readonly string[],
  value: boolean | null,
  owner: string,
  by: string,
  warn: (summary: string, detail?: string, path?: AttributePath) => void,
): void {
  let registry = registries.get(client);
  if (!registry) registries.set(client, (registry = {}));
  const planned: PlannedValue = { value, by, owner }; // one record for all the keys
  if (!registry.index) {
    if (!registry.first || registry.first.planned.owner === owner) {
      registry.first = { keys, planned };
      return;
    }
    registry.index = new Map();
    for (const key of registry.first.keys) registry.index.set(normalize(key), registry.first.planned);
    registry.first = undefined;
  }
  for (const key of keys) {
    const existing = registry.index.get(normalize(key));
    if (existing && existing.owner !== owner && existing.value !== value) {
      const conflict = new DiagnosticError(
        errorDiagnostic(
          `Mailbox "${key}" is managed twice with different values`,
          `This resource sets smtp_client_authentication_disabled = ${settingText(value)} for it, and ${existing.by} in the same configuration sets ` +
            `${settingText(existing.value)}: each apply would undo the other. Manage each mailbox in one resource only (remove it from one of them).`,
          ['smtp_client_authentication_disabled'],
        ),
      );
      // A destroy removes both resources and applies neither value: once said, the rest of this plan goes on.
      if (!warnsUnderDestroy(conflict, warn)) throw conflict;
      break;
    }
  }
  for (const key of keys) registry.index.set(normalize(key), planned);
}
