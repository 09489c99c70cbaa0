#!/usr/bin/env bash
# Merge to the main branch: apply one stack. With a saved plan file as the second argument that exact plan is
# applied (Terraform refuses it if the state moved on); without one, a fresh plan is applied.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
plan_file="${2:-}"
stack_dir "${1:-}"
tf_init

set +e
if [[ -n "$plan_file" ]]; then
  tf apply -input=false -no-color "$(lock_timeout)" "$(cd "$(dirname "$plan_file")" && pwd)/$(basename "$plan_file")" 2>&1 | tee "$OUT/apply.log"
else
  tf apply -input=false -no-color "$(lock_timeout)" -auto-approve 2>&1 | tee "$OUT/apply.log"
fi
code=${PIPESTATUS[0]}
set -e
echo "$code" >"$OUT/apply-exitcode"
if [[ $code -ne 0 ]]; then
  explain_lock "$OUT/apply.log"
  echo "### exoform apply: $STACK_NAME — failed (exit $code), see apply.log" | summary
  fail "terraform apply failed for $STACK_NAME (exit $code); see apply.log"
fi
echo "### exoform apply: $STACK_NAME — $(grep -E '^Apply complete' "$OUT/apply.log" || echo 'see apply.log')" | summary
