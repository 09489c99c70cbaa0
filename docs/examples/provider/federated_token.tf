terraform {
  required_version = ">= 1.10" # ephemeral input variables
  required_providers {
    exchangeonline = {
      source = "exoform/exchangeonline"
    }
  }
}

# Workload identity federation: the app has a federated credential that trusts your CI's OIDC issuer
# (GitLab: issuer https://gitlab.com, subject project_path:<group>/<project>:ref_type:branch:ref:main,
# audience api://AzureADTokenExchange). A step before Terraform writes the job's ID token to this file;
# the provider reads it again for every token request. No secret exists anywhere.
# In GitHub Actions (id-token: write) leave federated_token_file out: client_id alone is enough.
provider "exchangeonline" {
  organization         = "contoso.onmicrosoft.com"
  client_id            = "00000000-0000-0000-0000-000000000000"
  federated_token_file = "/var/run/secrets/exo/oidc-token" # or EXO_FEDERATED_TOKEN_FILE / AZURE_FEDERATED_TOKEN_FILE
}
