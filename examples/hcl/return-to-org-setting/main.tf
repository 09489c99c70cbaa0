# Return mailboxes to the organization setting (Set-CASMailbox -SmtpClientAuthenticationDisabled $null):
# a list with no setting of its own, and a single mailbox declared to follow the organization.

terraform {
  required_providers {
    exchangeonline = {
      source = "exoform/exchangeonline"
    }
  }
}

provider "exchangeonline" {}

resource "exchangeonline_mailbox_smtp_auth_list" "follow_org" {
  identities = {
    "akol@contoso.com"      = "left the scanner project"
    "tjohnston@contoso.com" = ""
  }
  # smtp_client_authentication_disabled left unset: these mailboxes inherit.
}

resource "exchangeonline_mailbox_smtp_auth" "kim" {
  identity = "kakers@contoso.com"
  # No setting: Kim follows the organization too.
}
