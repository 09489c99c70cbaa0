terraform {
  required_version = ">= 1.10" # ephemeral input variables
  required_providers {
    exchangeonline = {
      source = "exoform/exchangeonline"
    }
  }
}

# Everything from EXO_* variables, e.g. against the local emulator:
#   EXO_ENDPOINT=http://127.0.0.1:8080 EXO_ORGANIZATION=contoso.onmicrosoft.com EXO_ACCESS_TOKEN=my-token
provider "exchangeonline" {}
