#!/usr/bin/env bash
# Nightly: is the tenant still what the repository says? `terraform plan -detailed-exitcode`:
#   exit 0  no drift
#   exit 2  drift (or unapplied changes): <out>/drift.txt holds the plan that would put it back
#   exit 1  the plan failed
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
stack_dir "$@"
tf_init

set +e
tf plan -input=false -no-color -detailed-exitcode -out="$OUT/drift.tfplan" >"$OUT/drift.log" 2>&1
code=$?
set -e
cat "$OUT/drift.log"
echo "$code" >"$OUT/drift-exitcode"
case $code in
  0)
    echo "### exoform drift: $STACK_NAME — none" | summary
    ;;
  2)
    tf show -no-color "$OUT/drift.tfplan" >"$OUT/drift.txt"
    echo "::warning::$STACK_NAME has drifted from the repository; the plan to restore it is in drift.txt"
    # Mailboxes, users and policies deleted outside Terraform: the provider warns once for each, by name. They are
    # drift to fix in the repository (remove them from the stack), so each gets its own annotation.
    { grep -oE 'Warning: .+ (was|were) deleted outside Terraform' "$OUT/drift.log" || true; } | sed 's/^Warning: //' | sort -u >"$OUT/deleted.txt"
    while IFS= read -r deleted; do
      echo "::warning::$STACK_NAME: $deleted; remove it from the stack (the warning in drift.log says how)"
    done <"$OUT/deleted.txt"
    {
      echo "### exoform drift: $STACK_NAME"
      echo
      sed 's/^/- /' "$OUT/deleted.txt"
      echo '```'
      grep -E '^\s*[-+~]|^Plan:' "$OUT/drift.txt" | head -50
      echo '```'
    } | summary
    ;;
  *)
    echo "::error::terraform plan failed for $STACK_NAME (exit $code); see drift.log" >&2
    ;;
esac
exit "$code"
