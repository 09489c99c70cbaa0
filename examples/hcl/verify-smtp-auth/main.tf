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

# Readiness for the end of December 2026, when Basic SMTP AUTH is disabled by default: who may still use Basic
# SMTP (effective SMTP AUTH, the authentication policy that applies: the user's, else the org default, and Entra
# security defaults), which setting decided, the Basic SMTP sign-ins of the last 30 days, and a verdict. The
# evidence comes from Microsoft Graph: with app credentials the provider asks the same app for a Graph token; with
# only an Exchange access_token set graph_access_token too (else usage_evidence is "not read" and graph_detail says so).
data "exchangeonline_smtp_auth_readiness" "tenant" {}

output "readiness_summary" {
  value = data.exchangeonline_smtp_auth_readiness.tenant.summary
}

output "usage_evidence" {
  value = data.exchangeonline_smtp_auth_readiness.tenant.usage_evidence # signins, usage-report, none-available or "not read"
}

# Mailboxes still signing in with Basic SMTP AUTH: what breaks at the end of December 2026.
output "breaks" {
  value = { for m in data.exchangeonline_smtp_auth_readiness.tenant.mailboxes : m.primary_smtp_address => m.basic_smtp_sign_ins if m.verdict == "breaks" }
}

output "at_risk" {
  value = { for m in data.exchangeonline_smtp_auth_readiness.tenant.mailboxes : m.primary_smtp_address => m.decided_by if m.verdict == "at-risk" }
}
