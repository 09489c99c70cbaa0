/**
 * The allow-list configuration shared by the mailbox_smtp_auth_list acceptance tests: the list read from a text
 * file with the provider's mailbox_list function, exclusive.
 */
import { REQUIRED_PROVIDERS } from './terraform';

export const ADDRESS = 'exchangeonline_mailbox_smtp_auth_list.allowed';

export const MAIN_TF = `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

resource "exchangeonline_mailbox_smtp_auth_list" "allowed" {
  # One mailbox a line; blank lines and # comments are skipped.
  identities                          = provider::exchangeonline::mailbox_list(file("\${path.module}/allow-smtp-auth.txt"))
  smtp_client_authentication_disabled = false
  exclusive                           = true
}
`;

export function files(lines: string[]): Record<string, string> {
  return { 'main.tf': MAIN_TF, 'allow-smtp-auth.txt': ['# Mailboxes that may use SMTP AUTH', ...lines, ''].join('\n') };
}

export type ListState = {
  identities: Record<string, string>;
  out_of_sync: Record<string, string>;
  stray_mailboxes: Record<string, string>;
};
