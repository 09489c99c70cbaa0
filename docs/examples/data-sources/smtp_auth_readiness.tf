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

# Warn in every plan while a mailbox still signs in with Basic SMTP AUTH, naming each one. A check block warns, it
# never fails the plan; its own data source is read in every plan, even when nothing else changes.
check "smtp_auth_december_2026" {
  data "exchangeonline_smtp_auth_readiness" "breaks" {
    verdict = "breaks"
  }

  assert {
    condition     = length(data.exchangeonline_smtp_auth_readiness.breaks.mailboxes) == 0
    error_message = "These mailboxes sign in with Basic SMTP AUTH, which Microsoft disables by default at the end of December 2026: ${join(", ", [for m in data.exchangeonline_smtp_auth_readiness.breaks.mailboxes : "${m.primary_smtp_address} (${m.basic_smtp_sign_ins} sign-ins, last ${m.last_used})"])}. Ways out: exoform report, docs/guides/december-2026.md."
  }
}
