#!/usr/bin/env bash
# The fleet's stacks, one per tenant: every directory under <root> (default: stacks) with a .tf file, as the JSON
# array a CI matrix takes, e.g. ["contoso","fabrikam"]. On GitHub Actions also written as the step output `stacks`.
set -euo pipefail
root="${1:-stacks}"
[[ -d "$root" ]] || { echo "::error::no stacks directory '$root'" >&2; exit 1; }
names=()
for dir in "$root"/*/; do
  compgen -G "$dir*.tf" >/dev/null || continue
  name="$(basename "$dir")"
  X >&2; exit 1; }
  names+=("\"$name\"")
done
[[ ${#names[@]} -gt 0 ]] || { echo "::error::no stacks (directories with .tf files) under '$root'" >&2; exit 1; }
json="[$(IFS=,; echo "${names[*]}")]"
echo "$json"
[[ -n "${GITHUB_OUTPUT:-}" ]] && echo "stacks=$json" >>"$GITHUB_OUTPUT"
exit 0
