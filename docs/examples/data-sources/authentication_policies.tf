data "exchangeonline_authentication_policies" "all" {}

# Which policies still allow Basic SMTP AUTH, and for whom.
output "basic_smtp_allowed_for" {
  value = {
    for p in data.exchangeonline_authentication_policies.all.policies :
    p.name => p.assigned_users if p.allow_basic_auth_smtp
  }
}

output "default_policy" {
  value = data.exchangeonline_authentication_policies.all.default_policy
}
