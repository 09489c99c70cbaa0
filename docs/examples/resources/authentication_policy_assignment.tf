resource "exchangeonline_authentication_policy" "legacy_mail_clients" {
  name                  = "Allow Basic POP IMAP SMTP"
  allow_basic_auth_pop  = true
  allow_basic_auth_imap = true
  allow_basic_auth_smtp = true
}

resource "exchangeonline_authentication_policy_assignment" "scanner" {
  user                  = "scanner@contoso.com"
  authentication_policy = exchangeonline_authentication_policy.legacy_mail_clients.name

  # Revoke the user's refresh tokens whenever the assignment changes, so the policy
  # applies in about 30 minutes instead of up to 24 hours.
  revoke_refresh_tokens = true
}
