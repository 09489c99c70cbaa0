# Basic auth stays blocked for everything except POP, IMAP and SMTP AUTH, for an old device fleet.
resource "exchangeonline_authentication_policy" "legacy_mail_clients" {
  name                  = "Allow Basic POP IMAP SMTP"
  allow_basic_auth_pop  = true
  allow_basic_auth_imap = true
  allow_basic_auth_smtp = true
  # Every other allow_basic_auth_* switch defaults to false (blocked).

  # Destroy refuses while users have this policy or it is the organization default;
  # with true, destroying it first removes it from those users and the default.
  detach_on_destroy = false
}
