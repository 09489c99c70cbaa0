#!/usr/bin/env bash
# Installs exoform from its checkout as the README says (npm ci, then npm run package: the provider's filesystem
# mirror and dist/terraform.rc) and tells later steps where the CLI config is.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

(cd "$EXOFORM_HOME" && npm ci --no-audit --no-fund && npm run package)
[[ -f "$TF_CLI_CONFIG_FILE" ]] || fail "npm run package did not write $TF_CLI_CONFIG_FILE"
if [[ -n "${GITHUB_ENV:-}" ]]; then
  echo "EXOFORM_TF_CLI_CONFIG=$TF_CLI_CONFIG_FILE" >>"$GITHUB_ENV"
  echo "EXOFORM_HOME=$EXOFORM_HOME" >>"$GITHUB_ENV"
fi
terraform version
