# Allow one mailbox (a multifunction printer) to use SMTP AUTH while it is off for the organization.
resource "exchangeonline_mailbox_smtp_auth" "scanner" {
  identity                            = "scanner@contoso.com"
  smtp_client_authentication_disabled = false
}

# Declare that a mailbox follows the organization setting ($null): leave the setting out.
resource "exchangeonline_mailbox_smtp_auth" "kim" {
  identity = "kakers@contoso.com"
}
