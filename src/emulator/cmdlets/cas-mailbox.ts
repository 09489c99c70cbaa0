/**
 * Get-CASMailbox (read-only for now): per-mailbox client access settings, including the SMTP AUTH override.
 *
 * Semantics (EXCHANGE-FACTS.md): SmtpClientAuthenticationDisabled is null (inherit the org value), true or false.
 * Without -ResultSize the cmdlet stops at 1000 objects and warns; an empty or null -Identity returns every mailbox
 * (the documented pitfall, reproduced on purpose). Get- cmdlets return every match of an ambiguous identity.
 * Set-CASMailbox will join this file.
 */
import type { Row } from '../../bridge/bridge';
import { wireErrors } from '../errors';
import { RecipientRecord, isMailbox } from '../model';
import { resolveRecipient } from '../recipients';
import { CmdletDefinition, lazyRows } from './registry';

export const DEFAULT_RESULT_SIZE = 1000;

export const RESULT_SIZE_DEFAULT_WARNING =
  'By default, only the first 1000 items are returned. Use the ResultSize parameter to specify the number of items returned. ' +
  'To return all items, specify "-ResultSize Unlimited". Be aware that, depending on the actual number of items, returning all ' +
  'items can take a long time and consume a large amount of memory. Also, we don\'t recommend storing the results in a variable. ' +
  'Instead, pipe the results to another task or script to perform batch changes.';

export const RESULT_SIZE_EXCEEDED_WARNING =
  'There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter.';

export function renderCasMailbox(recipient: RecipientRecord): Row {
  return {
    Identity: recipient.Name,
    Name: recipient.Name,
    DisplayName: recipient.DisplayName,
    PrimarySmtpAddress: recipient.PrimarySmtpAddress,
    EmailAddresses: [...recipient.EmailAddresses],
    Guid: recipient.Guid,
    ExchangeObjectId: recipient.ExchangeObjectId,
    ExternalDirectoryObjectId: recipient.ExternalDirectoryObjectId,
    DistinguishedName: recipient.DistinguishedName,
    LegacyExchangeDN: recipient.LegacyExchangeDN,
    SamAccountName: recipient.SamAccountName,
    SmtpClientAuthenticationDisabled: recipient.SmtpClientAuthenticationDisabled,
    ActiveSyncEnabled: true,
    OWAEnabled: true,
    PopEnabled: true,
    ImapEnabled: true,
    MAPIEnabled: true,
    EwsEnabled: true,
    ECPEnabled: true,
  };
}

export const getCasMailbox: CmdletDefinition = {
  name: 'Get-CASMailbox',
  parameters: {
    Identity: { type: 'String', nullable: true },
    ResultSize: { type: 'Unlimited' },
  },
  unmodelledParameters: ['Filter', 'Anr', 'OrganizationalUnit', 'SortBy', 'ActiveSyncDebugLogging', 'GetImapProtocolLog', 'GetPopProtocolLog', 'ProtocolSettings', 'RecalculateHasActiveSyncDevicePartnership', 'ReadIsOptimizedForAccessibility', 'SendLogsTo'],
  run: ({ tenant }, parameters) => {
    const identity = parameters.Identity as string | null | undefined;
    const resolution = resolveRecipient(tenant, identity);
    let matches: readonly RecipientRecord[];
    switch (resolution.kind) {
      case 'all':
        matches = tenant.recipients.filter(isMailbox);
        break;
      case 'one':
        matches = isMailbox(resolution.recipient) ? [resolution.recipient] : [];
        break;
      case 'ambiguous':
        matches = resolution.matches.filter(isMailbox);
        break;
      case 'none':
        matches = [];
        break;
    }
    if (resolution.kind !== 'all' && matches.length === 0) throw wireErrors.objectNotFound(identity ?? '');

    const warnings: string[] = [];
    const resultSize = parameters.ResultSize;
    const limit = resultSize === 'Unlimited' ? Infinity : typeof resultSize === 'number' ? resultSize : DEFAULT_RESULT_SIZE;
    if (matches.length > limit) {
      warnings.push(resultSize === undefined ? RESULT_SIZE_DEFAULT_WARNING : RESULT_SIZE_EXCEEDED_WARNING);
      matches = matches.slice(0, limit);
    }
    return { rows: lazyRows(matches, renderCasMailbox), warnings };
  },
};

export const CAS_MAILBOX_CMDLETS: readonly CmdletDefinition[] = [getCasMailbox];
