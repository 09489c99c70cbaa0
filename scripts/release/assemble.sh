#!/usr/bin/env bash
# The release workflow's assembly: `npm run release` from the executables every platform's runner built
# (build-native.sh), signed with the key import-gpg-key.sh put in GNUPGHOME. Writes <out>/ with exactly the files a
# GitHub release of the provider carries (scripts/release/publish-draft.sh uploads them).
#   usage: scripts/release/assemble.sh <native builds directory> <out directory> <tag>
#   GPG_FINGERPRINT        the signing key (set by import-gpg-key.sh); unset: unsigned (never for a published release)
#   EXOFORM_SKIP_NPM_CI=1  use the node_modules already there
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
[[ $# -eq 3 ]] || { echo "usage: $0 <native builds directory> <out directory> <tag>" >&2; exit 2; }
[[ "${EXOFORM_SKIP_NPM_CI:-}" == 1 ]] || npm ci --no-audit --no-fund
args=(--prebuilt "$1" --out "$2" --tag "$3")
[[ -n "${GPG_FINGERPRINT:-}" ]] && args+=(--gpg-key "$GPG_FINGERPRINT")
npm run --silent release -- "${args[@]}"
