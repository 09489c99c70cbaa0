# allow-smtp-auth.txt, as Notepad saves it (UTF-8 with a byte-order mark, CRLF line ends):
#
#   # Mailboxes allowed to send with SMTP AUTH (one a line).
#   scanner@contoso.com   # the multifunction printer in the office
#   sean@contoso.com
#
# becomes { "scanner@contoso.com" = "the multifunction printer in the office", "sean@contoso.com" = "" }.
# In a real configuration the text comes from the file: file("${path.module}/allow-smtp-auth.txt").
locals {
  allow_list = <<-EOT
    # Mailboxes allowed to send with SMTP AUTH (one a line).
    scanner@contoso.com   # the multifunction printer in the office
    sean@contoso.com
  EOT
}

resource "exchangeonline_mailbox_smtp_auth_list" "allowed" {
  identities                          = provider::exchangeonline::mailbox_list(local.allow_list)
  smtp_client_authentication_disabled = false
  exclusive                           = true
}

# A bad line stops the plan before anything is applied, e.g.:
#   Invalid value for "text" parameter: The mailbox list has 2 bad lines:
#     line 4: "Sean@contoso.com" repeats line 3 (as "sean@contoso.com"; addresses are not case-sensitive); keep one
#     line 5: "kim\u{200B}@contoso.com" contains a zero-width space (U+200B); retype the line
