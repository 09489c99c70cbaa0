/**
 * Objects deleted outside Terraform: a mailbox, a user or an authentication policy that a refresh no longer finds.
 *
 * One rule for every resource: the refresh says what vanished in one warning (it is gone from the state, and how to
 * remove it from the configuration), and a plan that still declares it warns, it never fails. Terraform 1.11 makes
 * an ordinary plan of the configuration before every destroy (ReadResource, then PlanResourceChange with the
 * configuration, the object already dropped from state), and the provider cannot tell that plan from any other: an
 * error there would make `terraform destroy` impossible while the configuration names the deleted object.
 *
 * Terraform refreshes and plans in the same walk, in one provider process, so the refresh records here (per
 * configured client) what it found gone, and the plan of the same object lets its own lookup come back empty
 * without an error: the refresh's warning already said what to do, and a spelling hint would be wrong.
 */
export type VanishedKind = 'mailbox' | 'user' | 'policy';

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
  '`terraform destroy` still works (should an apply have stored the state without it already, use ' +
  '`terraform destroy -refresh=false` until the block is gone).';

const NOUNS: Record<VanishedKind, string> = { mailbox: 'Mailbox', user: 'User', policy: 'Authentication policy' };

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
