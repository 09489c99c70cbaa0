#!/usr/bin/env bash
# The release workflow's first step: refuses a tag that is not v<package.json version>, or a version with no
# "## <version>" section in CHANGELOG.md, before anything is built.
#   usage: scripts/release/check-version.sh <tag>     (the workflow passes $GITHUB_REF_NAME)
#   EXOFORM_SKIP_NPM_CI=1  use the node_modules already there
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
[[ $# -eq 1 && -n "$1" ]] || { echo "usage: $0 <tag, e.g. v0.2.0>" >&2; exit 2; }
[[ "${EXOFORM_SKIP_NPM_CI:-}" == 1 ]] || npm ci --no-audit --no-fund
npx tsx -e '
  const { checkReleaseVersion } = require("./scripts/release");
  const { PROVIDER_VERSION } = require("./scripts/package");
  try {
    checkReleaseVersion(PROVIDER_VERSION, process.argv[1]);
    console.log(`releasing ${PROVIDER_VERSION} for tag ${process.argv[1]}`);
  } catch (error) {
    console.error(`::error::${error.message}`);
    process.exit(1);
  }
' "$1"
