/**
 * Authentication policy identities: name (case-insensitive), distinguished name, or GUID (with or without braces),
 * as New-/Set-/Get-/Remove-AuthenticationPolicy, Set-User -AuthenticationPolicy and
 * Set-OrganizationConfig -DefaultAuthenticationPolicy accept them.
 */
import { deterministicGuid, normalizeGuid, policyDistinguishedName } from './ids';
import { AuthenticationPolicyRecord, BASIC_AUTH_SWITCHES, BasicAuthSwitch } from './model';
import type { Tenant } from './tenant-store';

export function findPolicy(tenant: Tenant, identity: string): AuthenticationPolicyRecord | undefined {
  const text = identity.trim().toLowerCase();
  const guid = normalizeGuid(identity.trim());
  return tenant.authenticationPolicies.find(
    (p) =>
      p.Name.toLowerCase() === text ||
      p.DistinguishedName.toLowerCase() === text ||
      (guid !== undefined && p.Guid.toLowerCase() === guid),
  );
}

/**
 * A new policy record. Its GUID derives from the tenant, the name and the tenant's revision, so a policy that is
 * deleted and created again under the same name gets a new GUID, as a new directory object does.
 */
export function newPolicyRecord(
  tenant: Tenant,
  name: string,
  switches: Partial<Record<BasicAuthSwitch, boolean>>,
  whenChanged: string,
): AuthenticationPolicyRecord {
  const values = {} as Record<BasicAuthSwitch, boolean>;
  for (const sw of BASIC_AUTH_SWITCHES) values[sw] = switches[sw] ?? false;
  return {
    Name: name,
    Guid: deterministicGuid(
      tenant.tenantId,
      'authentication-policy',
      name.toLowerCase(),
      `revision-${tenant.revision}`,
    ),
    DistinguishedName: policyDistinguishedName(tenant.initialDomain, name),
    WhenChangedUTC: whenChanged,
    ...values,
  };
}
