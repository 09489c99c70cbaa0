# Every mailbox that can use SMTP AUTH right now (its own setting, else the organization's).
data "exchangeonline_cas_mailboxes" "smtp_auth_enabled" {
  effective_smtp_auth_enabled = true
}

output "can_use_smtp_auth" {
  value = data.exchangeonline_cas_mailboxes.smtp_auth_enabled.primary_smtp_addresses
}
