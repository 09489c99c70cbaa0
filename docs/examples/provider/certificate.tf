terraform {
  required_version = ">= 1.10" # ephemeral input variables
  required_providers {
    exchangeonline = {
      source = "exoform/exchangeonline"
    }
  }
}

# The app's certificate: a PFX/P12 file, or PEM with its private key.
variable "exo_certificate_password" {
  type      = string
  ephemeral = true
}

provider "exchangeonline" {
  organization         = "contoso.onmicrosoft.com"
  client_id            = "00000000-0000-0000-0000-000000000000"
  certificate_path     = "${path.root}/exoform-app.pfx"
  certificate_password = var.exo_certificate_password
}
