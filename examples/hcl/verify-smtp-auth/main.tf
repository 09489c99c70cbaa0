# "How do you know it worked": the seeds' verification queries as data sources, with checks a pipeline can
# gate on (terraform plan/apply print a warning when a check fails).

terraform {
  required_providers {
    exchangeonline = {
      source = "exoform/exchangeonline"
    }
  }
}

provider "exchangeonline" {}

data "exchangeonline_transport_config" "org" {}

# Get-CASMailbox | Where SmtpClientAuthenticationDisabled -eq $false
data "exchangeonline_cas_mailboxes" "enabled" {
  smtp_auth_setting = "enabled"
}

# Get-CASMailbox | Where SmtpClientAuthenticationDisabled -eq $true
data "exchangeonline_cas_mailboxes" "disabled" {
  smtp_auth_setting = "disabled"
}

# Mailboxes that follow the organization.
data "exchangeonline_cas_mailboxes" "inherit" {
  smtp_auth_setting = "inherit"
}

# Everyone who can actually use SMTP AUTH right now.
data "exchangeonline_cas_mailboxes" "effective" {
  effective_smtp_auth_enabled = true
}

check "smtp_auth_off_org_wide" {
  assert {
    condition     = data.exchangeonline_transport_config.org.smtp_client_authentication_disabled
    error_message = "SMTP AUTH is enabled for the whole organization."
  }
}

output "org_smtp_auth_disabled" {
  value = data.exchangeonline_transport_config.org.smtp_client_authentication_disabled
}

output "explicitly_enabled" {
  value = data.exchangeonline_cas_mailboxes.enabled.primary_smtp_addresses
}

output "explicitly_disabled" {
  value = data.exchangeonline_cas_mailboxes.disabled.primary_smtp_addresses
}

output "inheriting_count" {
  value = data.exchangeonline_cas_mailboxes.inherit.total
}

output "effectively_enabled" {
  value = data.exchangeonline_cas_mailboxes.effective.primary_smtp_addresses
}
