#!/usr/bin/env bash
# Nightly, instead of report.sh: the readiness report (report.sh, every output), compared with the last night's, and
# tonight's kept for tomorrow. Written to <out>/ besides report.sh's files: readiness.json then carries a
# "comparison" (fixed, newly breaking, verdict moves, Basic SMTP sign-ins before → after), readiness.txt and
# readiness.html show it. The first night has nothing to compare with and says so.
#
#   EXOFORM_REPORT_HISTORY  where the kept reports live between runs, one directory per stack; default ./exoform-history
#                           (the workflows restore and save it with actions/cache). Keeps last.json and one dated
#                           copy per night, the newest EXOFORM_REPORT_KEEP (default 60).
# Exits with report.sh's status. A night whose tenant could not be read (exit 3) is not kept.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
stack_dir "$@"

keep="${EXOFORM_REPORT_KEEP:-60}"
[[ "$keep" =~ ^[0-9]+$ && "$keep" -ge 1 ]] ||
  fail "EXOFORM_REPORT_KEEP must be a whole number of at least 1, got '$keep'"
history="${EXOFORM_REPORT_HISTORY:-$PWD/exoform-history}/$STACK_NAME"
mkdir -p "$history"
last="$history/last.json"

rm -f "$OUT/readiness.json" # so a run that fails before writing one never keeps an older night's as tonight's
status=0
if [[ -f "$last" ]]; then
  EXOFORM_REPORT_COMPARE="$last" "$SCRIPTS_DIR/report.sh" "$STACK" || status=$?
else
  echo "No earlier report for $STACK_NAME in $history: tonight's is kept to compare with tomorrow."
  "$SCRIPTS_DIR/report.sh" "$STACK" || status=$?
fi

# Keep tonight's report only when the tenant was read (exit 0, or 1 for --fail-on): a night the tenant could not be
# read (exit 3) or the report failed leaves the last good one to compare with.
if [[ ( $status -eq 0 || $status -eq 1 ) && -s "$OUT/readiness.json" ]]; then
  cp "$OUT/readiness.json" "$history/last.json.tmp" && mv "$history/last.json.tmp" "$last"
  cp "$last" "$history/readiness-$(date -u +%Y-%m-%dT%H%M%SZ).json"
  mapfile -t dated < <(cd "$history" && ls -1 readiness-*.json | sort -r)
  for old in "${dated[@]:keep}"; do rm -f "$history/$old"; done
fi
exit "$status"
