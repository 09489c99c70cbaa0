#!/usr/bin/env bash
# The release workflow's last step: a draft GitHub release for the tag with exactly the registry's assets
# (provider zips, SHA256SUMS, SHA256SUMS.sig, manifest) plus the exoform CLI zips the GitOps pipelines install. A
# maintainer reviews the draft and publishes it; the Terraform and OpenTofu registries then ingest it
# (docs/guides/publishing.md).
#   usage: scripts/release/publish-draft.sh <release directory> <tag>
#   GH_TOKEN   the workflow's token (contents: write); `gh` is on GitHub's runners
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 <release directory> <tag>" >&2; exit 2; }
dir="$1"
tag="$2"
version="${tag#v}"
sums="$dir/terraform-provider-exchangeonline_${version}_SHA256SUMS"
[[ -f "$sums" ]] || { echo "::error::$sums is missing: run scripts/release/assemble.sh first" >&2; exit 1; }
[[ -f "$sums.sig" ]] || { echo "::error::$sums.sig is missing: the registries refuse an unsigned release" >&2; exit 1; }
assets=("$sums" "$sums.sig" "$dir/terraform-provider-exchangeonline_${version}_manifest.json")
while read -r _ file; do assets+=("$dir/$file"); done <"$sums"
# SHA256SUMS lists the manifest too: keep each asset once.
mapfile -t assets < <(printf '%s\n' "${assets[@]}" | sort -u)
gh release create "$tag" --draft --verify-tag --title "$tag" \
  --notes "See CHANGELOG.md, section $version." "${assets[@]}"
