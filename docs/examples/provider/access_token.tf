terraform {
  required_version = ">= 1.10" # ephemeral input variables
  required_providers {
    exchangeonline = {
      source = "exoform/exchangeonline"
    }
  }
}

# A token for https://outlook.office365.com obtained by an earlier pipeline step
# (export TF_VAR_exo_access_token=...). Ephemeral: never written to a saved plan or state.
variable "exo_access_token" {
  type      = string
  ephemeral = true
}

provider "exchangeonline" {
  organization = "contoso.onmicrosoft.com"
  access_token = var.exo_access_token
}
