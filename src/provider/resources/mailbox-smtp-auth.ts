/**
 * exchangeonline_mailbox_smtp_auth — one mailbox's SMTP AUTH override (Set-CASMailbox
 * -SmtpClientAuthenticationDisabled $true | $false | $null).
 *
 * Leaving `smtp_client_authentication_disabled` unset is a real value: the mailbox inherits the organization's
 * setting ($null). Destroy returns the mailbox to inherit. Reads and plans are served from the provider's
 * per-process mailbox snapshot, so a thousand of these cost a handful of calls, not a thousand.
 */
import { warnsUnderDestroy } from '../shared/destroy-command';
import { notePlannedMailboxValue } from '../shared/planned-mailbox-values';
import { DESTROY_MEANWHILE, REMOVE_BLOCK, missingIsNoError, noteVanished, vanishedWarning } from '../shared/vanished';
import { errorDiagnostic } from '../../protocol/diagnostics';
import type { Schema } from '../../protocol/schema';
import {
  effectiveSmtpAuthEnabled,
  identityProblem,
  type CasMailbox,
  type SmtpAuthOverride,
} from '../../exchange/cas-mailbox-operations';
import type { ExchangeSession } from '../../exchange/session';
import { exchangeSession, type ExchangeClient } from '../shared/exchange-client';
import { DiagnosticError, type OperationContext, type ResourceDefinition } from '../framework/resource';
import { Unknown, isKnown, readBool, readString, type ObjectValue } from '../framework/values';

export const mailboxSmtpAuthSchema: Schema = {
  version: 0,
  block: {
    description:
      "One mailbox's SMTP AUTH setting, which wins over the organization's. Leave `smtp_client_authentication_disabled` unset to make the mailbox " +
      'follow the organization (`$null`). Destroying the resource returns the mailbox to that. Import with any identity of the mailbox. ' +
      'The mailbox GUID found at create pins it, so a changed address or user principal name is followed. ' +
      'A mailbox deleted outside Terraform leaves the state with one warning naming it, and applying fails for it: ' +
      'remove the block, or replace it with a `removed` block. Meanwhile plans show it to be created again (once an apply has stored ' +
      'the state without it, they fail as for a misspelled identity), and `terraform destroy` still destroys the rest.',
    attributes: {
      id: { type: 'string', computed: true, description: 'The mailbox GUID.' },
      identity: {
        type: 'string',
        required: true,
        description:
          'The mailbox: user principal name, primary SMTP address, alias, GUID or any other identity Exchange accepts. Changing it replaces the resource.',
      },
      smtp_client_authentication_disabled: {
        type: 'bool',
        optional: true,
        description:
          '`true` disables SMTP AUTH for this mailbox, `false` enables it, unset (null) inherits the organization setting.',
      },
      guid: { type: 'string', computed: true, description: 'The mailbox GUID.' },
      primary_smtp_address: { type: 'string', computed: true, description: 'The primary SMTP address of the mailbox.' },
      effective_smtp_auth_enabled: {
        type: 'bool',
        computed: true,
        description:
          'Whether SMTP AUTH is effectively enabled: the mailbox value if set, else the organization value. (Authentication policies and security defaults can still block Basic auth.)',
      },
    },
  },
};

/** Resolves an identity to exactly one mailbox, or explains why not. */
async function resolveMailbox(
  client: ExchangeClient,
  exchange: ExchangeSession,
  identity: string,
): Promise<CasMailbox | undefined> {
  const found = await client.mailboxes.resolve(exchange, identity);
  if (found.kind === 'one') return found.mailbox;
  if (found.kind === 'none') return undefined;
  throw new DiagnosticError(
    errorDiagnostic(
      `Mailbox identity "${identity}" matches ${found.matches.length} mailboxes`,
      `It matches ${found.matches
        .slice(0, 5)
        .map((m) => m.primarySmtpAddress)
        .join(', ')}${found.matches.length > 5 ? ', …' : ''}. ` +
        'Use a unique identity: the user principal name, primary SMTP address or GUID.',
      ['identity'],
    ),
  );
}

/**
 * An identity no lookup finds, that no refresh in this process saw deleted (then the refresh warned: vanished.ts),
 * outside a destroy: most likely a typo, or a mailbox deleted after an apply already dropped it from the state.
 */
function notFound(identity: string): DiagnosticError {
  return new DiagnosticError(
    errorDiagnostic(
      `Mailbox "${identity}" not found`,
      'Check the spelling, or use the user principal name, primary SMTP address or GUID of an existing mailbox. ' +
        'If Terraform managed this mailbox before, it was deleted outside Terraform: remove the resource block ' +
        `(or replace it with a \`removed\` block); ${DESTROY_MEANWHILE}`,
      ['identity'],
    ),
  );
}

/** Gone when applying: the plan found the mailbox, or the refresh warned that it was deleted, so this is no typo. */
function goneAtApply(identity: string): DiagnosticError {
  const detail = `It was deleted outside Terraform; nothing was set. ${REMOVE_BLOCK}`;
  return new DiagnosticError(errorDiagnostic(`Mailbox "${identity}" no longer exists`, detail, ['identity']));
}

async function stateFor(
  client: ExchangeClient,
  exchange: ExchangeSession,
  identity: string,
  mailbox: CasMailbox,
): Promise<ObjectValue> {
  const orgDisabled = await client.mailboxes.orgSmtpAuthDisabled(exchange);
  return {
    id: mailbox.guid,
    identity,
    smtp_client_authentication_disabled: mailbox.smtpClientAuthenticationDisabled,
    guid: mailbox.guid,
    primary_smtp_address: mailbox.primarySmtpAddress,
    effective_smtp_auth_enabled: effectiveSmtpAuthEnabled(mailbox.smtpClientAuthenticationDisabled, orgDisabled),
  };
}

async function apply(
  context: OperationContext<ExchangeClient>,
  identity: string,
  guid: string | undefined,
  wanted: SmtpAuthOverride,
): Promise<ObjectValue> {
  const exchange = exchangeSession(context);
  // After create, the GUID pins the mailbox even if its addresses change.
  const mailbox = await resolveMailbox(context.client, exchange, guid ?? identity);
  if (!mailbox) throw goneAtApply(identity);
  if (mailbox.smtpClientAuthenticationDisabled !== wanted) {
    await context.client.mailboxes.setOne(exchange, { identity: mailbox.guid, value: wanted });
  }
  return stateFor(context.client, exchange, identity, { ...mailbox, smtpClientAuthenticationDisabled: wanted });
}

export const mailboxSmtpAuthResource: ResourceDefinition<ExchangeClient> = {
  typeName: 'exchangeonline_mailbox_smtp_auth',
  schema: mailboxSmtpAuthSchema,
  requiresReplace: ['identity'],
  stableComputed: ['id', 'guid', 'primary_smtp_address'],

  validate(config) {
    const identity = config.identity;
    if (typeof identity !== 'string') return [];
    const problem = identityProblem(identity);
    return problem
      ? [
          errorDiagnostic(
            'Invalid mailbox identity',
            `The identity ${problem}. Use the user principal name, primary SMTP address or GUID.`,
            ['identity'],
          ),
        ]
      : [];
  },

  async modifyPlan({ prior, planned, client, signal, warn }) {
    const wanted = planned.smtp_client_authentication_disabled;
    // A set value decides the effective state on its own; inherit depends on the org value, which another
    // resource in the same plan may change, so that is only known after apply.
    if (isKnown(wanted) && wanted !== null) planned.effective_smtp_auth_enabled = !wanted;
    else if (!prior || prior.smtp_client_authentication_disabled !== wanted)
      planned.effective_smtp_auth_enabled = new Unknown();
    // Resolve new identities while planning, so a misspelled mailbox fails the plan rather than the apply.
    if (!prior && client && typeof planned.identity === 'string') {
      const exchange = exchangeSession({ client, signal, warn });
      // An identity that names several mailboxes (one given a matching address since) warns under a destroy.
      const mailbox = await resolveMailbox(client, exchange, planned.identity).catch((error: unknown) => {
        if (warnsUnderDestroy(error, warn)) return 'ambiguous' as const;
        throw error;
      });
      if (mailbox === 'ambiguous') {
        // nothing to pin: the destroy creates nothing
      } else if (mailbox) {
        planned.id = mailbox.guid;
        planned.guid = mailbox.guid;
        planned.primary_smtp_address = mailbox.primarySmtpAddress;
      } else if (!missingIsNoError(client, 'mailbox', planned.identity, warn)) throw notFound(planned.identity);
      // else the refresh has just said it was deleted outside Terraform, or this is a destroy: a warning, no error
    }
    if (client && typeof planned.identity === 'string' && isKnown(planned.identity) && isKnown(wanted)) {
      const keys = [
        planned.identity,
        ...(typeof planned.guid === 'string' && isKnown(planned.guid) ? [planned.guid] : []),
      ];
      notePlannedMailboxValue(
        client,
        keys,
        (wanted ?? null) as boolean | null,
        `mailbox:${planned.identity.toLowerCase()}`,
        `an exchangeonline_mailbox_smtp_auth (identity "${planned.identity}")`,
        warn,
      );
    }
  },

  async create(context) {
    return apply(
      context,
      readString(context.planned, 'identity')!,
      undefined,
      readBool(context.planned, 'smtp_client_authentication_disabled') ?? null,
    );
  },

  async read(context) {
    const exchange = exchangeSession(context);
    const guid = readString(context.state, 'guid') ?? readString(context.state, 'id');
    const identity = readString(context.state, 'identity')!;
    const mailbox = await resolveMailbox(context.client, exchange, guid ?? identity);
    if (!mailbox) {
      noteVanished(context.client, 'mailbox', identity, guid);
      const what = 'its SMTP AUTH setting (this exchangeonline_mailbox_smtp_auth)';
      const warning = vanishedWarning('mailbox', identity, what);
      context.warn(warning.summary, warning.detail);
      return null;
    }
    return stateFor(context.client, exchange, identity, mailbox);
  },

  async update(context) {
    return apply(
      context,
      readString(context.planned, 'identity')!,
      readString(context.prior, 'guid'),
      readBool(context.planned, 'smtp_client_authentication_disabled') ?? null,
    );
  },

  async delete(context) {
    const exchange = exchangeSession(context);
    const guid = readString(context.prior, 'guid');
    if (!guid) return;
    const mailbox = await resolveMailbox(context.client, exchange, guid);
    if (!mailbox || mailbox.smtpClientAuthenticationDisabled === null) return; // gone, or already inheriting
    await context.client.mailboxes.setOne(exchange, { identity: mailbox.guid, value: null });
  },

  async importState(context) {
    const exchange = exchangeSession(context);
    const problem = identityProblem(context.id);
    if (problem) throw new DiagnosticError(errorDiagnostic('Invalid import ID', `The mailbox identity ${problem}.`));
    const mailbox = await resolveMailbox(context.client, exchange, context.id);
    if (!mailbox) throw notFound(context.id);
    return stateFor(context.client, exchange, context.id, mailbox);
  },
};
