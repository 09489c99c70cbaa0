/**
 * The ways out for a mailbox that breaks (or may break) when Basic SMTP AUTH is disabled by default at the end of
 * December 2026, each with the title of Microsoft's page that explains it. Pure data: the report renders it, and
 * docs/guides/december-2026.md says what each way costs and what exoform manages for it.
 *
 * Which ways apply depends on who sends: a device (printer, scanner), an app, or something sending as a shared
 * mailbox. Exchange does not say whether a user mailbox's sender is a device or an app, so a user mailbox gets the
 * ways for both; a shared mailbox gets those that work for one.
 */
import type { Verdict } from './readiness';

export type Sender = 'device' | 'app' | 'shared-mailbox';

export type RemedyId = 'oauth-smtp' | 'high-volume-email' | 'acs-email' | 'connector-relay' | 'basic-smtp-stopgap';

export interface Remedy {
  id: RemedyId;
  /** Short name for tables. */
  name: string;
  /** The title of Microsoft's page that explains it (search it on Microsoft Learn). */
  microsoftPage: string;
  appliesTo: readonly Sender[];
  /** What to do, in one sentence. */
  action: string;
}

/** In the order the guide recommends them: lasting ways first, the stopgap last. */
export const REMEDIES: readonly Remedy[] = [
  {
    id: 'oauth-smtp',
    name: 'OAuth for SMTP AUTH',
    microsoftPage: 'Authenticate an IMAP, POP or SMTP connection using OAuth',
    appliesTo: ['app', 'device', 'shared-mailbox'],
    action:
      'Sign in with OAuth (client credentials with SMTP.SendAsApp, the service principal registered in Exchange ' +
      'with rights on the mailbox); a device only if its firmware supports OAuth.',
  },
  {
    id: 'high-volume-email',
    name: 'High Volume Email',
    microsoftPage: 'High volume email for Microsoft 365',
    appliesTo: ['app', 'device'],
    action:
      'Send to internal recipients only through High Volume Email, where Basic auth is supported until September 2028.',
  },
  {
    id: 'acs-email',
    name: 'Azure Communication Services Email',
    microsoftPage: 'Quickstart: How to send an email using Azure Communication Services',
    appliesTo: ['app', 'shared-mailbox'],
    action:
      'Send from the application through Azure Communication Services Email (external recipients, pay per message).',
  },
  {
    id: 'connector-relay',
    name: 'Connector relay',
    microsoftPage:
      'How to set up a multifunction device or application to send email using Microsoft 365 or Office 365',
    appliesTo: ['device', 'app', 'shared-mailbox'],
    action:
      'For a device that cannot do OAuth: relay through an inbound connector (port 25, no authentication, by IP ' +
      'address or certificate) or direct send.',
  },
  {
    id: 'basic-smtp-stopgap',
    name: 'Re-enable Basic SMTP (stopgap)',
    microsoftPage: 'Enable or disable SMTP AUTH in Exchange Online',
    appliesTo: ['device', 'app', 'shared-mailbox'],
    action:
      'Keep Basic SMTP AUTH on for this mailbox only, as a stopgap until the final removal ' +
      '(announced for the second half of 2027).',
  },
];

const BY_ID = new Map(REMEDIES.map((remedy) => [remedy.id, remedy]));

export function remedy(id: RemedyId): Remedy {
  return BY_ID.get(id)!;
}

/** Who may be sending through a mailbox of this type. */
export function sendersFor(recipientTypeDetails: string | null): readonly Sender[] {
  return recipientTypeDetails === 'SharedMailbox' ? ['shared-mailbox'] : ['device', 'app'];
}

const NONE: readonly RemedyId[] = [];
const cache = new Map<string, readonly RemedyId[]>();

/** The ways out for a mailbox with this verdict: none when ready; otherwise every one that applies to its senders. */
export function remediesFor(verdict: Verdict, recipientTypeDetails: string | null): readonly RemedyId[] {
  if (verdict === 'ready') return NONE;
  const senders = sendersFor(recipientTypeDetails);
  const key = senders.join(',');
  let ids = cache.get(key);
  if (!ids) {
    ids = REMEDIES.filter((r) => r.appliesTo.some((sender) => senders.includes(sender))).map((r) => r.id);
    cache.set(key, ids);
  }
  return ids;
}
