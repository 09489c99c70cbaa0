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

locals {
  # The seeds' format: one mailbox a line; blank lines and # comments are skipped.
  allow_list = [
    for line in split("\n", file("${path.module}/allow-smtp-auth.txt")) : trimspace(line)
    if trimspace(line) != "" && !startswith(trimspace(line), "#")
  ]
}

resource "exchangeonline_transport_config" "org" {
  smtp_client_authentication_disabled = true
}

resource "exchangeonline_mailbox_smtp_auth_list" "allowed" {
  # A map, mailbox => note: it stays fast at tens of thousands of lines. A mailbox listed twice stops the plan
  # with "Duplicate object key", naming it.
  identities                          = { for mailbox in local.allow_list : mailbox => "" }
  smtp_client_authentication_disabled = false
  exclusive                           = true
}

output "allowed_mailboxes" {
  value = sort(keys(exchangeonline_mailbox_smtp_auth_list.allowed.identities))
}
