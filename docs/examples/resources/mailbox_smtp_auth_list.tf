# The seeds' allow list: a text file with one mailbox a line. Only these mailboxes may use SMTP AUTH;
# exclusive = true returns any other mailbox with SMTP AUTH enabled to the organization setting.
resource "exchangeonline_mailbox_smtp_auth_list" "allowed" {
  identities                          = { for line in split("\n", file("${path.module}/allow-smtp-auth.txt")) : trimspace(line) => "" if trimspace(line) != "" }
  smtp_client_authentication_disabled = false
  exclusive                           = true
}

# Adopt every mailbox whose SMTP AUTH is explicitly enabled today:
#   terraform import exchangeonline_mailbox_smtp_auth_list.allowed enabled
