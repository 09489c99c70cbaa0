/**
 * The cmdlets the emulator answers. A new family is one file in this folder plus one line here; calling any other
 * cmdlet gets PowerShell's "is not recognized as a name of a cmdlet" error, as on the real endpoint.
 */
import { CAS_MAILBOX_CMDLETS } from './cas-mailbox';
import { CmdletRegistry } from './registry';
import { TRANSPORT_CONFIG_CMDLETS } from './transport-config';

export const CMDLETS = new CmdletRegistry([...TRANSPORT_CONFIG_CMDLETS, ...CAS_MAILBOX_CMDLETS]);

export { bindParameters } from './registry';
export type { CmdletDefinition, CmdletOutput, RowSet } from './registry';
