#!/usr/bin/env bash
# Nightly: the readiness report for the December 2026 change (`exoform report`) for the tenant the stack's EXO_*
# settings name, written to <out>/: readiness.txt (the table), readiness.json (the versioned schema),
# readiness.csv, readiness.html (one page, a chart per tenant) and suggested-allow-list.txt (the seeds' format,
# ready for provider::exchangeonline::mailbox_list). Exits with the report's status: 3 when the tenant could not be
# read; with EXOFORM_REPORT_FAIL_ON=breaks (or at-risk), 1 when the tenant is that bad. With EXOFORM_REPORT_COMPARE
# set to an earlier readiness.json (report-compare.sh does it), the outputs also show what changed since then.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
stack_dir "$@"

fail_on=()
[[ -n "${EXOFORM_REPORT_FAIL_ON:-}" ]] && fail_on=(--fail-on "$EXOFORM_REPORT_FAIL_ON")
compare=()
[[ -n "${EXOFORM_REPORT_COMPARE:-}" ]] && compare=(--compare "$EXOFORM_REPORT_COMPARE")
exoform report --format table \
  --json "$OUT/readiness.json" --csv "$OUT/readiness.csv" --html "$OUT/readiness.html" \
  --allow-list "$OUT/suggested-allow-list.txt" "${fail_on[@]}" "${compare[@]}" | tee "$OUT/readiness.txt"
echo "### exoform readiness: $STACK_NAME — readiness.html, readiness.json, suggested-allow-list.txt in the artifact" | summary
