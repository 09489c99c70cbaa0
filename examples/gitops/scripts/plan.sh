#!/usr/bin/env bash
# Pull request: plan one stack and keep the plan for review.
#   <out>/tfplan     the saved plan          <out>/plan.txt   what `terraform show` prints
#   <out>/plan.json  `terraform show -json`  <out>/exitcode   0 = no changes, 2 = changes
# Exits 0 when the plan succeeded (with or without changes), 1 when it failed.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
stack_dir "$@"
tf_init

set +e
tf plan -input=false -no-color "$(lock_timeout)" -detailed-exitcode -out="$OUT/tfplan" >"$OUT/plan.log" 2>&1
code=$?
set -e
cat "$OUT/plan.log"
echo "$code" >"$OUT/exitcode"
[[ $code -eq 0 || $code -eq 2 ]] || explain_lock "$OUT/plan.log"
[[ $code -eq 0 || $code -eq 2 ]] || fail "terraform plan failed for $STACK_NAME (exit $code); see plan.log"

tf show -no-color "$OUT/tfplan" >"$OUT/plan.txt"
tf show -json "$OUT/tfplan" >"$OUT/plan.json"
{
  echo "### exoform plan: $STACK_NAME"
  echo
  if [[ $code -eq 0 ]]; then echo "No changes."; else grep -E '^(Plan|Changes to Outputs):' "$OUT/plan.txt" || echo "Changes (see the plan artifact)."; fi
} | summary
