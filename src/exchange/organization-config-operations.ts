/**
 * The organization's default authentication policy (Get-/Set-OrganizationConfig -DefaultAuthenticationPolicy):
 * what applies to every user without a policy of their own. `$null` means there is no default.
 */
import { property } from './row';
import { invoke, type ExchangeSession } from './session';

/** The default policy as Exchange reports it (its name or distinguished name), or null when there is none. */
export async function readDefaultAuthenticationPolicy(session: ExchangeSession): Promise<string | null> {
  const rows = await invoke(session, 'Get-OrganizationConfig');
  if (rows.length !== 1)
    throw new Error(`Get-OrganizationConfig returned ${rows.length} objects; expected exactly one`);
  const value = property(rows[0], 'DefaultAuthenticationPolicy');
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string')
    throw new Error(
      `Get-OrganizationConfig returned ${JSON.stringify(value)} for DefaultAuthenticationPolicy; expected a policy name or null`,
    );
  return value;
}

/** Sets the default to a policy (name, distinguished name or GUID), or clears it with null. */
export async function setDefaultAuthenticationPolicy(session: ExchangeSession, policy: string | null): Promise<void> {
  await invoke(session, 'Set-OrganizationConfig', { DefaultAuthenticationPolicy: policy });
}
