# The seeds' allow list: one mailbox a line. Only these mailboxes may use SMTP AUTH; exclusive = true returns
# any other mailbox with SMTP AUTH enabled to the organization setting.
locals {
  # In a real configuration: file("${path.module}/allow-smtp-auth.txt").
  allow_list = <<-EOT
    scanner@contoso.com
    sean@contoso.com
  EOT
}

resource "exchangeonline_mailbox_smtp_auth_list" "allowed" {
  identities                          = { for line in split("\n", local.allow_list) : trimspace(line) => "" if trimspace(line) != "" }
  smtp_client_authentication_disabled = false
  exclusive                           = true
}
