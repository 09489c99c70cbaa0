# Quickstart: turn SMTP AUTH off for the whole organization and keep legacy TLS clients out.
#
# The provider reads its tenant, endpoint and credentials from EXO_* environment variables
# (EXO_ORGANIZATION, EXO_ACCESS_TOKEN or EXO_CLIENT_ID + EXO_CERTIFICATE_PATH, EXO_ENDPOINT), so the same
# configuration runs against the local emulator and against a real tenant.

terraform {
  required_providers {
    exchangeonline = {
      source = "exoform/exchangeonline"
    }
  }
}

provider "exchangeonline" {}

resource "exchangeonline_transport_config" "org" {
  # Basic SMTP AUTH is off by default for existing tenants from the end of December 2026: say so explicitly.
  smtp_client_authentication_disabled = true
  allow_legacy_tls_clients            = false
}

output "smtp_auth_disabled_org_wide" {
  value = exchangeonline_transport_config.org.smtp_client_authentication_disabled
}

output "original_settings" {
  description = "What the tenant had before Terraform managed it."
  value       = exchangeonline_transport_config.org.original_settings
}
