# The seeds' allow list: a text file with one mailbox a line (` # note` after an address is kept as its note).
# Only these mailboxes may use SMTP AUTH; exclusive = true returns any other mailbox with SMTP AUTH enabled to the
# organization setting.
resource "exchangeonline_mailbox_smtp_auth_list" "allowed" {
  identities                          = provider::exchangeonline::mailbox_list(file("${path.module}/allow-smtp-auth.txt"))
  smtp_client_authentication_disabled = false
  exclusive                           = true
}

# Adopt what the tenant has today, as configuration to review and keep:
#   import {
#     to = exchangeonline_mailbox_smtp_auth_list.allowed
#     id = "enabled:scanner@contoso.com,sean@contoso.com"   # exactly these; or "enabled" for every enabled mailbox
#   }
#   terraform plan -generate-config-out=generated.tf
