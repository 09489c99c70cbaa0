# Who may still use Basic SMTP AUTH when Microsoft disables it by default (end of December 2026).
data "exchangeonline_smtp_auth_readiness" "tenant" {}

output "readiness" {
  value = data.exchangeonline_smtp_auth_readiness.tenant.summary # { mailboxes, effective_smtp_auth, effective_basic_smtp, breaks, at_risk, ready }
}

# Fail the pipeline's plan while any mailbox is at risk.
check "no_basic_smtp_left" {
  assert {
    condition     = data.exchangeonline_smtp_auth_readiness.tenant.summary.effective_basic_smtp == 0
    error_message = "Still allowed Basic SMTP AUTH: ${join(", ", [for m in data.exchangeonline_smtp_auth_readiness.tenant.mailboxes : "${m.primary_smtp_address} (${m.decided_by})" if m.effective_basic_smtp])}"
  }
}
