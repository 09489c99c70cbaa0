# Block Basic auth for every protocol, for everyone without a policy of their own.
resource "exchangeonline_authentication_policy" "block_basic" {
  name = "Block Basic Auth"
}

resource "exchangeonline_default_authentication_policy" "org" {
  authentication_policy = exchangeonline_authentication_policy.block_basic.name
}
