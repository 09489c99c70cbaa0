terraform {
  required_version = ">= 1.10" # ephemeral input variables
  required_providers {
    exchangeonline = {
      source = "exoform/exchangeonline"
    }
  }
}

# An Entra app with the Exchange.ManageAsApp permission and an Exchange role.
variable "exo_client_secret" {
  type      = string
  ephemeral = true
}

provider "exchangeonline" {
  organization  = "contoso.onmicrosoft.com"
  client_id     = "00000000-0000-0000-0000-000000000000"
  client_secret = var.exo_client_secret
}
