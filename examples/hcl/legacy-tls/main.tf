# Let an old device that only speaks TLS 1.0/1.1 submit mail through the legacy endpoint
# (Set-TransportConfig -AllowLegacyTLSClients $true), and tell whoever configures it where to connect.

terraform {
  required_providers {
    exchangeonline = {
      source = "exoform/exchangeonline"
    }
  }
}

provider "exchangeonline" {}

resource "exchangeonline_transport_config" "org" {
  allow_legacy_tls_clients = true
  restore_on_destroy       = true # on destroy, put back what the tenant had (off, or never set)
}

# The device's mailbox must be allowed to use SMTP AUTH too.
resource "exchangeonline_mailbox_smtp_auth" "scanner" {
  identity                            = "scanner@contoso.com"
  smtp_client_authentication_disabled = false
}

output "legacy_endpoint" {
  value = exchangeonline_transport_config.org.legacy_tls_client_endpoint
}
