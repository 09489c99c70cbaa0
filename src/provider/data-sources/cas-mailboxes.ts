/**
 * data "exchangeonline_cas_mailboxes" — every mailbox with its SMTP AUTH setting (enabled / disabled / inherit)
 * and what is effective, optionally filtered. The seeds' "how do you know it worked" checks, as data a pipeline
 * can assert on (for example with a `check` block or a `postcondition`).
 */
import { errorDiagnostic, type Diagnostic } from '../../protocol/diagnostics';
import type { Schema } from '../../protocol/schema';
import { SETTING_WORDS, effectiveSmtpAuthEnabled, settingWord } from '../../exchange/cas-mailbox-operations';
import { exchangeSession, type ExchangeClient } from '../shared/exchange-client';
import type { DataSourceDefinition } from '../framework/resource';
import { isKnown, readBool, readString } from '../framework/values';

const MAILBOX_TYPE = [
  'object',
  {
    guid: 'string',
    identity: 'string',
    primary_smtp_address: 'string',
    smtp_auth_setting: 'string',
    smtp_client_authentication_disabled: 'bool',
    effective_smtp_auth_enabled: 'bool',
  },
] as const;

export const casMailboxesSchema: Schema = {
  version: 0,
  block: {
    description:
      'Every mailbox with its SMTP AUTH setting (`enabled`, `disabled` or `inherit`) and whether SMTP AUTH is effectively enabled for it ' +
      "(its own setting, else the organization's). Read in bulk: one paged read, whatever the number of mailboxes.",
    attributes: {
      id: { type: 'string', computed: true, description: 'The tenant.' },
      smtp_auth_setting: {
        type: 'string',
        optional: true,
        description: 'Only mailboxes with this setting: `enabled`, `disabled` or `inherit` (no setting of its own).',
      },
      effective_smtp_auth_enabled: {
        type: 'bool',
        optional: true,
        description: 'Only mailboxes for which SMTP AUTH is (`true`) or is not (`false`) effectively enabled.',
      },
      organization_smtp_client_authentication_disabled: {
        type: 'bool',
        computed: true,
        description: "The organization's `SmtpClientAuthenticationDisabled`, which mailboxes with `inherit` follow.",
      },
      mailboxes: {
        type: ['list', MAILBOX_TYPE],
        computed: true,
        description: 'The matching mailboxes, sorted by primary SMTP address.',
      },
      primary_smtp_addresses: {
        type: ['list', 'string'],
        computed: true,
        description: 'The primary SMTP addresses of `mailboxes`, for short assertions.',
      },
      total: { type: 'number', computed: true, description: 'How many mailboxes match.' },
    },
  },
};

export const casMailboxesDataSource: DataSourceDefinition<ExchangeClient> = {
  typeName: 'exchangeonline_cas_mailboxes',
  schema: casMailboxesSchema,

  validate(config) {
    const diagnostics: Diagnostic[] = [];
    const setting = config.smtp_auth_setting;
    if (isKnown(setting) && setting !== null && !(SETTING_WORDS as readonly string[]).includes(setting as string)) {
      diagnostics.push(
        errorDiagnostic(
          'Invalid smtp_auth_setting',
          `Use one of ${SETTING_WORDS.map((w) => `"${w}"`).join(', ')}; got ${JSON.stringify(setting)}.`,
          ['smtp_auth_setting'],
        ),
      );
    }
    return diagnostics;
  },

  async read(context) {
    const exchange = exchangeSession(context);
    const [all, orgDisabled] = await Promise.all([
      context.client.mailboxes.all(exchange),
      context.client.mailboxes.orgSmtpAuthDisabled(exchange),
    ]);
    const wantedSetting = readString(context.config, 'smtp_auth_setting');
    const wantedEffective = readBool(context.config, 'effective_smtp_auth_enabled');
    const mailboxes = all
      .map((mailbox) => ({
        guid: mailbox.guid,
        identity: mailbox.identity,
        primary_smtp_address: mailbox.primarySmtpAddress,
        smtp_auth_setting: settingWord(mailbox.smtpClientAuthenticationDisabled),
        smtp_client_authentication_disabled: mailbox.smtpClientAuthenticationDisabled,
        effective_smtp_auth_enabled: effectiveSmtpAuthEnabled(mailbox.smtpClientAuthenticationDisabled, orgDisabled),
      }))
      .filter(
        (m) =>
          (wantedSetting === undefined || m.smtp_auth_setting === wantedSetting) &&
          (wantedEffective === undefined || m.effective_smtp_auth_enabled === wantedEffective),
      )
      .sort((a, b) => a.primary_smtp_address.localeCompare(b.primary_smtp_address));
    return {
      id: context.client.organization,
      smtp_auth_setting: wantedSetting ?? null,
      effective_smtp_auth_enabled: wantedEffective ?? null,
      organization_smtp_client_authentication_disabled: orgDisabled,
      mailboxes,
      primary_smtp_addresses: mailboxes.map((m) => m.primary_smtp_address),
      total: mailboxes.length,
    };
  },
};
