#!/usr/bin/env bash
# A stuck lock: a run that ended without releasing its tenant's state lock (a job cancelled or killed, a runner
# that vanished) leaves the tenant locked, and its next plan or apply fails with "the tenant's state is locked by
# another run (lock ID ...)". Once you are sure no run on that tenant is still going:
#   scripts/unlock.sh <stack directory> <lock ID>
# runs `terraform force-unlock` for that tenant's state; the next apply then converges (README, "A stuck lock").
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
lock_id="${2:-}"
stack_dir "${1:-}"
[[ -n "$lock_id" ]] || fail "usage: $(basename "$0") <stack directory> <lock ID> (the ID in the failed run's error)"
[[ "$lock_id" =~ ^[A-Za-z0-9._:-]+$ ]] ||
  fail "'$lock_id' is not a lock ID: copy the ID line of the failed run's \"Lock Info\""
tf_init

if [[ "$BACKEND" == pg ]]; then
  # terraform force-unlock would print "successfully unlocked" and change nothing: a pg lock is an advisory lock
  # owned by the database session of the run that took it, and no other session can release it.
  fail "$STACK_NAME keeps its state in PostgreSQL (pg backend), where terraform force-unlock cannot release" \
    "another run's lock. The lock ends with the database session that holds it; end that session as README," \
    "\"A stuck lock\" shows (pg_terminate_backend for workspace ${EXOFORM_STATE_PREFIX-exoform-}$STACK_NAME)"
fi
tf force-unlock -force -no-color "$lock_id" 2>&1 | tee "$OUT/unlock.log"
echo "### exoform unlock: $STACK_NAME — lock $lock_id released" | summary
