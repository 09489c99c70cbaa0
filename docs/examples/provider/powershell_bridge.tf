terraform {
  required_version = ">= 1.10" # ephemeral input variables
  required_providers {
    exchangeonline = {
      source = "exoform/exchangeonline"
    }
  }
}

# For organisations that require Microsoft's ExchangeOnlineManagement module (pwsh 7 on PATH).
variable "exo_certificate_password" {
  type      = string
  ephemeral = true
}

provider "exchangeonline" {
  bridge               = "powershell"
  organization         = "contoso.onmicrosoft.com"
  client_id            = "00000000-0000-0000-0000-000000000000"
  certificate_path     = "${path.root}/exoform-app.pfx"
  certificate_password = var.exo_certificate_password
}
