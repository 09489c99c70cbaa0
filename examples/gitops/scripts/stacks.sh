#!/usr/bin/env bash
# The fleet's stacks, one per tenant: every directory under <root> (default: stacks) with a .tf file.
#   stdout           the stacks as a JSON array, e.g. ["contoso","fabrikam"]
#   GITHUB_OUTPUT    stacks=<that array>, and shards=<the matrix input>: [{"shard":1,"stacks":["contoso"]},...]
#
# A GitHub Actions matrix holds at most 256 jobs, so a fleet larger than EXOFORM_MAX_JOBS (default 256) is cut into
# shards of N tenants each, N = ceil(tenants / EXOFORM_MAX_JOBS): 300 tenants make 150 jobs of 2. A job runs its
# shard's tenants one after another with scripts/shard.sh, each with its own state, outputs and exit status.
set -euo pipefail
root="${1:-stacks}"
max_jobs="${EXOFORM_MAX_JOBS:-256}"
[[ "$max_jobs" =~ ^[1-9][0-9]*$ ]] || { echo "::error::EXOFORM_MAX_JOBS must be a whole number from 1, got '$max_jobs'" >&2; exit 1; }
[[ -d "$root" ]] || { echo "::error::no stacks directory '$root'" >&2; exit 1; }
names=()
for dir in "$root"/*/; do
  compgen -G "$dir*.tf" >/dev/null || continue
  name="${dir%/}"
  name="${name##*/}" # no subshell per stack: a fleet has thousands
  # The name becomes the tenant's state key and workspace name (scripts/common.sh).
  [[ "$name" =~ ^[A-Za-z0-9_-]+$ ]] || { echo "::error::stack directory name '$name' must be letters, digits, '_' or '-'" >&2; exit 1; }
  names+=("\"$name\"")
done
[[ ${#names[@]} -gt 0 ]] || { echo "::error::no stacks (directories with .tf files) under '$root'" >&2; exit 1; }

# joined <items...>: sets JOINED to the items separated by commas (no subshell: a fleet has hundreds of shards).
joined() {
  local IFS=,
  JOINED="$*"
}

per_job=$(((${#names[@]} + max_jobs - 1) / max_jobs))
shards=()
for ((start = 0, shard = 1; start < ${#names[@]}; start += per_job, shard++)); do
  slice=("${names[@]:start:per_job}")
  joined "${slice[@]}"
  shards+=("{\"shard\":$shard,\"stacks\":[$JOINED]}")
done
joined "${names[@]}"
json="[$JOINED]"
echo "$json"
if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
  echo "stacks=$json" >>"$GITHUB_OUTPUT"
  joined "${shards[@]}"
  echo "shards=[$JOINED]" >>"$GITHUB_OUTPUT"
fi
echo "${#names[@]} stacks in ${#shards[@]} jobs of up to $per_job" >&2
exit 0
