/**
 * The cmdlets the emulator answers. A new family is one file in this folder (`<family>-cmdlets.ts`) plus one line here; calling any other
 * cmdlet gets PowerShell's "is not recognized as a name of a cmdlet" error, as on the real endpoint.
 */
import { AUTHENTICATION_POLICY_CMDLETS } from './authentication-policy-cmdlets';
import { CAS_MAILBOX_CMDLETS } from './cas-mailbox-cmdlets';
import { ORGANIZATION_CONFIG_CMDLETS } from './organization-config-cmdlets';
import { CmdletRegistry } from './registry';
import { TRANSPORT_CONFIG_CMDLETS } from './transport-config-cmdlets';
import { USER_CMDLETS } from './user-cmdlets';

export const CMDLETS = new CmdletRegistry([
  ...TRANSPORT_CONFIG_CMDLETS,
  ...CAS_MAILBOX_CMDLETS,
  ...USER_CMDLETS,
  ...AUTHENTICATION_POLICY_CMDLETS,
  ...ORGANIZATION_CONFIG_CMDLETS,
]);

export { bindParameters } from './registry';
export type { CmdletDefinition, CmdletOutput, RowSet } from './registry';
