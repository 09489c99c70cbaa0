# Disable SMTP AUTH for one mailbox explicitly, whatever the organization setting is
# (Set-CASMailbox -Identity chris@contoso.com -SmtpClientAuthenticationDisabled $true).

terraform {
  required_providers {
    exchangeonline = {
      source = "exoform/exchangeonline"
    }
  }
}

provider "exchangeonline" {}

resource "exchangeonline_mailbox_smtp_auth" "chris" {
  identity                            = "chris@contoso.com"
  smtp_client_authentication_disabled = true
}

output "chris_effective_smtp_auth_enabled" {
  value = exchangeonline_mailbox_smtp_auth.chris.effective_smtp_auth_enabled
}
