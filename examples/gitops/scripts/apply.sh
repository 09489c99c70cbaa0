#!/usr/bin/env bash
# Merge to the main branch: apply one stack. With a saved plan file as the second argument that exact plan is
# applied (Terraform refuses it if the state moved on); without one, a fresh plan is applied.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
plan_file="${2:-}"
stack_dir "${1:-}"
tf_init

if [[ -n "$plan_file" ]]; then
  tf apply -input=false -no-color "$(cd "$(dirname "$plan_file")" && pwd)/$(basename "$plan_file")" 2>&1 | tee "$OUT/apply.log"
else
  tf apply -input=false -no-color -auto-approve 2>&1 | tee "$OUT/apply.log"
fi
echo "### exoform apply: $STACK_NAME — $(grep -E '^Apply complete' "$OUT/apply.log" || echo 'see apply.log')" | summary
