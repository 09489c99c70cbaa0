resource "exchangeonline_transport_config" "org" {
  smtp_client_authentication_disabled = true  # SMTP AUTH off org-wide
  allow_legacy_tls_clients            = false # no TLS 1.0/1.1 clients
  restore_on_destroy                  = false # destroy stops managing, leaves the tenant as it is
}
