#!/usr/bin/env bash
# CI's test job (.github/workflows/test.yml): the README's test command. With arguments, only those jest paths
# (how test/release/workflows.test.ts runs this script without recursing into the whole suite).
#   EXOFORM_SKIP_NPM_CI=1  use the node_modules already there (a local run; CI always installs afresh)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
[[ "${EXOFORM_SKIP_NPM_CI:-}" == 1 ]] || npm ci --no-audit --no-fund
if [[ $# -gt 0 ]]; then
  npx jest "$@"
else
  npm test
fi
