#!/usr/bin/env bash
# One CI job's shard of the fleet: runs one step (plan, apply, drift, report, report-compare) for each of its
# tenants in turn.
#   scripts/shard.sh <step> <stacks root> <stack name>...
# A tenant's failure does not stop the others: each runs in its own process, with its own state, its own outputs
# in <out>/<stack>/ and its exit status in <out>/<stack>/<step>.status. <out>/shard-<step>.tsv lists every tenant's
# status. The shard's own exit status is the worst of its tenants': 1 if any failed, else 2 if the drift check
# found drift in any, else 0 (a report with EXOFORM_REPORT_FAIL_ON keeps its own codes per tenant).
set -uo pipefail
SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
step="${1:-}"
root="${2:-}"
[[ $# -ge 3 ]] || { echo "::error::usage: $(basename "$0") <plan|apply|drift|report|report-compare> <stacks root> <stack name>..." >&2; exit 1; }
case "$step" in
  plan | apply | drift | report | report-compare) ;;
  *) echo "::error::unknown step '$step': use plan, apply, drift, report or report-compare" >&2; exit 1 ;;
esac
shift 2
out="${EXOFORM_OUT:-$PWD/exoform-out}"
mkdir -p "$out"
table="$out/shard-$step.tsv"
: >"$table"
worst=0
for name in "$@"; do
  [[ "$name" =~ ^[A-Za-z0-9_-]+$ ]] || { echo "::error::'$name' is not a stack name" >&2; worst=1; continue; }
  echo "::group::$step $name"
  "$SCRIPTS_DIR/$step.sh" "$root/$name"
  code=$?
  echo "::endgroup::"
  mkdir -p "$out/$name"
  echo "$code" >"$out/$name/$step.status"
  printf '%s\t%s\n' "$name" "$code" >>"$table"
  if [[ $code -ne 0 ]]; then
    if [[ "$step" == drift && $code -eq 2 ]]; then
      [[ $worst -eq 0 ]] && worst=2
    else
      echo "::error::$step failed for $name (exit $code); the shard's other tenants go on"
      worst=1
    fi
  fi
done
failed="$(awk -F'\t' '$2 != 0' "$table" | cut -f1 | paste -sd' ' -)"
echo "$step: $# tenants, ${failed:+not 0: $failed}${failed:-all 0}"
exit "$worst"
