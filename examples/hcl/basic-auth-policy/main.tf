# An authentication policy that still allows Basic auth for POP, IMAP and SMTP (everything else blocked), assigned
# to one user, with the user's refresh tokens revoked so the change takes effect in about 30 minutes instead of
# up to 24 hours.

terraform {
  required_providers {
    exchangeonline = {
      source = "exoform/exchangeonline"
    }
  }
}

provider "exchangeonline" {}

resource "exchangeonline_authentication_policy" "legacy_mail_clients" {
  name                  = "Allow Basic POP IMAP SMTP"
  allow_basic_auth_pop  = true
  allow_basic_auth_imap = true
  allow_basic_auth_smtp = true
}

resource "exchangeonline_authentication_policy_assignment" "sean" {
  user                  = "sean@contoso.com"
  authentication_policy = exchangeonline_authentication_policy.legacy_mail_clients.name
  revoke_refresh_tokens = true
}
