/**
 * The cmdlets the emulator answers. A new family is one file in this folder plus one line here; calling any other
 * cmdlet gets PowerShell's "is not recognized as a name of a cmdlet" error, as on the real endpoint.
 */
import { AUTHENTICATION_POLICY_CMDLETS } from './authentication-policy';
import { CAS_MAILBOX_CMDLETS } from './cas-mailbox';
import { ORGANIZATION_CONFIG_CMDLETS } from './organization-config';
import { CmdletRegistry } from './registry';
import { TRANSPORT_CONFIG_CMDLETS } from './transport-config';
import { USER_CMDLETS } from './user';

export const CMDLETS = new CmdletRegistry([
  ...TRANSPORT_CONFIG_CMDLETS,
  ...CAS_MAILBOX_CMDLETS,
  ...USER_CMDLETS,
  ...AUTHENTICATION_POLICY_CMDLETS,
  ...ORGANIZATION_CONFIG_CMDLETS,
]);

export { bindParameters } from './registry';
export type { CmdletDefinition, CmdletOutput, RowSet } from './registry';
