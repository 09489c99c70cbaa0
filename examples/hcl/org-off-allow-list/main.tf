# SMTP AUTH off for the organization; only the mailboxes in allow-smtp-auth.txt may use it.
# exclusive = true returns any other mailbox that has SMTP AUTH enabled to the organization setting, so the
# allow list is enforced, not hoped for.

terraform {
  required_providers {
    exchangeonline = {
      source = "exoform/exchangeonline"
    }
  }
}

provider "exchangeonline" {}

resource "exchangeonline_transport_config" "org" {
  smtp_client_authentication_disabled = true
}

resource "exchangeonline_mailbox_smtp_auth_list" "allowed" {
  # The seeds' file as Notepad saves it (byte-order mark, CRLF): one mailbox a line, # comments, and a note after
  # an address ("scanner@contoso.com  # the office printer") kept as the map value. A bad line, a mailbox listed
  # twice or an invisible character stops the plan with its line number (Terraform 1.8+).
  identities                          = provider::exchangeonline::mailbox_list(file("${path.module}/allow-smtp-auth.txt"))
  smtp_client_authentication_disabled = false
  exclusive                           = true
}

output "allowed_mailboxes" {
  value = sort(keys(exchangeonline_mailbox_smtp_auth_list.allowed.identities))
}

output "allow_list_notes" {
  value = exchangeonline_mailbox_smtp_auth_list.allowed.identities
}
