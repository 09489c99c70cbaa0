/**
 * Objects deleted outside Terraform: a mailbox, a user or an authentication policy that a refresh no longer finds.
 *
 * One rule for every resource: the refresh says what vanished in one warning (it is gone from the state, and how to
 * remove it from the configuration), and a plan that still declares it warns, it never fails. Terraform (1.11 to
 * 1.16) makes an ordinary plan of the configuration before every destroy (ReadResource, then PlanResourceChange with
 * the configuration, the object already dropped from state), and nothing on the wire tells that plan from any other:
 * an error there would make `terraform destroy` impossible while the configuration names the deleted object.
 *
 * Terraform refreshes and plans in the same walk, in one provider process, so the refresh records here (per
 * configured client) what it found gone, and the plan of the same object lets its own lookup come back empty
 * without an error: the refresh's warning already said what to do, and a spelling hint would be wrong.
 *
 * Once an apply has stored the state without the object, no refresh sees it go: its plan is that of a new identity,
 * and a lookup that finds nothing fails it, as a typo must fail an apply's plan. That same plan runs before a
 * destroy, where it creates nothing; the command line is the only way to tell (destroy-command.ts), so under a
 * destroy the miss warns instead.
 */
import { servesDestroyCommand } from './destroy-command';

export type VanishedKind = 'mailbox' | 'user' | 'policy';

const NOUNS: Record<VanishedKind, string> = { mailbox: 'Mailbox', user: 'User', policy: 'Authentication policy' };

const registries = new WeakMap<object, Set<string>>();

const key = (kind: VanishedKind, name: string): string => `${kind}\n${name.trim().toLowerCase()}`;

/** Records that the refresh found `name` gone; each of `names` (identity as configured, GUID...) is remembered. */
export function noteVanished(client: object, kind: VanishedKind, ...names: Array<string | undefined | null>): void {
  let registry = registries.get(client);
  if (!registry) registries.set(client, (registry = new Set()));
  for (const name of names) if (name) registry.add(key(kind, name));
}

/** Whether a refresh in this process found the object that `name` names deleted outside Terraform. */
export function hasVanished(client: object | null, kind: VanishedKind, name: unknown): boolean {
  return client !== null && typeof name === 'string' && registries.get(client)?.has(key(kind, name)) === true;
}

/** The fix for a configuration that still declares a vanished object. */
export const REMOVE_BLOCK =
  'Remove its resource block from the configuration, or replace the block with a `removed` block ' +
  '(`removed { from = <resource address> }`, Terraform 1.7+).';

/** What happens meanwhile: the plan warns, never fails, so destroy works. */
export const STILL_DECLARED =
  'While the configuration still declares it, plans show it to be created again and applying fails for it; ' +
  '`terraform destroy` still destroys the rest.';

/** The way out named by a "not found" error, which may be a deleted object an apply already dropped from the state. */
export const DESTROY_MEANWHILE =
  '`terraform destroy` destroys the rest meanwhile (where the provider cannot read the command that started it, ' +
  'such as on Windows, add `-refresh=false`).';

/**
 * Whether a plan goes on although the lookup of a new identity (`name`) found nothing: a refresh in this process
 * found it deleted (and warned), or the command is a destroy, whose plan of the configuration creates nothing (then
 * this warns). Otherwise the caller fails the plan with its "not found" error.
 */
export function missingIsNoError(
  client: object | null,
  kind: VanishedKind,
  name: unknown,
  warn: (summary: string, detail?: string) => void,
): boolean {
  if (hasVanished(client, kind, name)) return true;
  if (typeof name !== 'string' || !servesDestroyCommand()) return false;
  warn(
    `${NOUNS[kind]} "${name}" not found; destroying without it`,
    'Nothing of it is in the state, so this destroy has nothing of it to undo. ' +
      `If Terraform managed it before, it was deleted outside Terraform: ${REMOVE_BLOCK}`,
  );
  return true;
}

/**
 * The one warning for a vanished object. `what` says what went with it from the state (e.g. "its SMTP AUTH setting
 * (this exchangeonline_mailbox_smtp_auth)"); `fix` is the configuration change, when it is not removing the block.
 */
export function vanishedWarning(
  kind: VanishedKind,
  name: string,
  what: string,
  fix = `${REMOVE_BLOCK} ${STILL_DECLARED}`,
): { summary: string; detail: string } {
  return {
    summary: `${NOUNS[kind]} "${name}" was deleted outside Terraform`,
    detail: `It no longer exists in Exchange Online, so ${what} is gone from the state. ${fix}`,
  };
}
