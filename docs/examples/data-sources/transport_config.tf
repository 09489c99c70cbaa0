data "exchangeonline_transport_config" "now" {}

output "org_smtp_auth_enabled" {
  value = data.exchangeonline_transport_config.now.smtp_client_authentication_enabled
}
