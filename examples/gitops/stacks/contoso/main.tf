# One tenant's SMTP AUTH posture. The pipeline (../../github-actions) plans it on every pull request, applies it on
# merge, and checks it for drift every night. The tenant is named in stack.env; credentials come from the CI secrets.
terraform {
  required_version = ">= 1.8" # provider-defined functions
  required_providers {
    exchangeonline = {
      source = "exoform/exchangeonline"
    }
  }
  # No backend here: the pipeline writes it (EXOFORM_BACKEND, EXOFORM_BACKEND_CONFIG), with this tenant's own key
  # and lock, and refuses to run in CI without one (../../README.md, "State").
}

provider "exchangeonline" {}

resource "exchangeonline_transport_config" "org" {
  smtp_client_authentication_disabled = true
  allow_legacy_tls_clients            = false
}

resource "exchangeonline_mailbox_smtp_auth_list" "allowed" {
  identities                          = provider::exchangeonline::mailbox_list(file("${path.module}/allow-smtp-auth.txt"))
  smtp_client_authentication_disabled = false
  exclusive                           = true
}

data "exchangeonline_smtp_auth_readiness" "tenant" {
  depends_on = [exchangeonline_transport_config.org, exchangeonline_mailbox_smtp_auth_list.allowed]
}

output "readiness" {
  value = data.exchangeonline_smtp_auth_readiness.tenant.summary
}
