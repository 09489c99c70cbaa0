# The seeds' allow list: one mailbox a line (` # note` after an address is kept as its note). Only these mailboxes
# may use SMTP AUTH; exclusive = true returns any other mailbox with SMTP AUTH enabled to the organization setting.
locals {
  # In a real configuration: file("${path.module}/allow-smtp-auth.txt").
  allow_list = <<-EOT
    scanner@contoso.com   # the multifunction printer
    sean@contoso.com
  EOT
}

resource "exchangeonline_mailbox_smtp_auth_list" "allowed" {
  identities                          = provider::exchangeonline::mailbox_list(local.allow_list)
  smtp_client_authentication_disabled = false
  exclusive                           = true
}
