# Who breaks when Microsoft disables Basic SMTP AUTH by default (end of December 2026). The usage evidence and
# security defaults come from Microsoft Graph: with app credentials the provider asks the same app for a Graph
# token; with only an Exchange access_token set graph_access_token in the provider block too.
data "exchangeonline_smtp_auth_readiness" "tenant" {}

output "readiness" {
  value = {
    summary  = data.exchangeonline_smtp_auth_readiness.tenant.summary        # { mailboxes, effective_smtp_auth, effective_basic_smtp, breaks, at_risk, ready }
    evidence = data.exchangeonline_smtp_auth_readiness.tenant.usage_evidence # signins, usage-report, none-available or "not read"
    detail   = data.exchangeonline_smtp_auth_readiness.tenant.graph_detail   # null, or what was not read and what to supply
  }
}

# Fail the pipeline's plan while a mailbox still signs in with Basic SMTP AUTH and nothing keeps it working.
check "nobody_breaks" {
  assert {
    condition     = data.exchangeonline_smtp_auth_readiness.tenant.summary.breaks == 0
    error_message = "Basic SMTP AUTH still in use: ${join(", ", [for m in data.exchangeonline_smtp_auth_readiness.tenant.mailboxes : "${m.primary_smtp_address} (${m.basic_smtp_sign_ins} sign-ins, last ${m.last_used})" if m.verdict == "breaks"])}"
  }
}
