# Sourced by every step script: where exoform is, how terraform runs, where a stack's outputs go.
#
#   EXOFORM_BIN            the directory holding the released exoform executable (scripts/install-release.sh sets
#                          it and EXOFORM_TF_CLI_CONFIG: no Node, no checkout)
#   EXOFORM_HOME           otherwise, an exoform checkout after `npm ci && npm run package` (scripts/setup.sh does
#                          both); default: the checkout these scripts live in
#   EXOFORM_TF_CLI_CONFIG  the Terraform CLI config with exoform's filesystem mirror; default $EXOFORM_HOME/dist/terraform.rc
#   EXOFORM_OUT            where plans, logs and reports are written, one directory per stack; default ./exoform-out
#   EXOFORM_BACKEND        where each tenant's state lives: azurerm, s3, remote (HCP Terraform), pg, or local.
#                          Required in CI (CI or GITHUB_ACTIONS set): a job's local state is lost with the job.
#                          Outside CI the default is local (terraform.tfstate in the stack directory).
#   EXOFORM_BACKEND_CONFIG the backend's shared settings, a file passed to `terraform init -backend-config=`
#                          (storage account, bucket, organization, conn_str...). Each tenant's own key is added
#                          by the scripts: see backend_key.
#   EXOFORM_STATE_PREFIX   prefix of each tenant's key or workspace; default exoform/ (azurerm, s3),
#                          exoform- (remote, pg)
#   EXOFORM_LOCK_TIMEOUT   how long plan, apply and drift wait for a tenant's state lock; default 10m
#
# Credentials are never read from here: the pipeline passes its secrets as EXO_* variables (README, "Credentials").
set -euo pipefail

SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
EXOFORM_HOME="$(cd "${EXOFORM_HOME:-$SCRIPTS_DIR/../../..}" 2>/dev/null && pwd || echo "${EXOFORM_HOME:-}")"
# Set our own: a CI image (or this machine) may preset TF_CLI_CONFIG_FILE to a config without the mirror.
export TF_CLI_CONFIG_FILE="${EXOFORM_TF_CLI_CONFIG:-$EXOFORM_HOME/dist/terraform.rc}"
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1

fail() {
  echo "::error::$*" >&2
  exit 1
}

# The exoform command: the released executable (EXOFORM_BIN), or the checkout's as the README says (never through
# npx: an unrelated public npm package is named exoform).
exoform() {
  if [[ -n "${EXOFORM_BIN:-}" ]]; then
    "$EXOFORM_BIN/exoform" "$@"
  else
    node "$EXOFORM_HOME/bin/exoform.js" "$@"
  fi
}

# stack_dir <path>: checks the argument and sets STACK_ARG (as given), STACK (absolute), STACK_NAME and OUT (created).
stack_dir() {
  [[ $# -eq 1 && -n "$1" ]] || fail "usage: $(basename "$0") <stack directory>"
  [[ -d "$1" ]] || fail "stack directory '$1' does not exist"
  STACK_ARG="$1"
  STACK="$(cd "$1" && pwd)"
  STACK_NAME="$(basename "$STACK")"
  # The name becomes the tenant's state key: the characters every backend accepts in a key or workspace name.
  [[ "$STACK_NAME" =~ ^[A-Za-z0-9_-]+$ ]] ||
    fail "stack directory name '$STACK_NAME' must be letters, digits, '_' or '-' (it names the tenant's state)"
  OUT="$(mkdir -p "${EXOFORM_OUT:-$PWD/exoform-out}/$STACK_NAME" && cd "${EXOFORM_OUT:-$PWD/exoform-out}/$STACK_NAME" && pwd)"
  [[ -f "$TF_CLI_CONFIG_FILE" ]] || fail "no Terraform CLI config at $TF_CLI_CONFIG_FILE: run scripts/install-release.sh (or scripts/setup.sh in an exoform checkout) first"
  load_stack_env
}

# A stack's non-secret settings (EXO_ORGANIZATION, EXO_ENDPOINT...) from <stack>/stack.env, KEY=value lines.
# Read as data, never sourced; secrets there are refused (they belong in the CI system's secret store).
load_stack_env() {
  local file="$STACK/stack.env" line key value number=0
  [[ -f "$file" ]] || return 0
  while IFS= read -r line || [[ -n "$line" ]]; do
    number=$((number + 1))
    line="${line%$'\r'}"
    [[ -z "${line//[[:space:]]/}" || "$line" =~ ^[[:space:]]*# ]] && continue
    [[ "$line" =~ ^(EXO_[A-Z_]+)=(.*)$ ]] || fail "$file line $number: expected EXO_<NAME>=value"
    key="${BASH_REMATCH[1]}"
    value="${BASH_REMATCH[2]}"
    case "$key" in
      EXO_ACCESS_TOKEN | EXO_CLIENT_SECRET | EXO_CERTIFICATE_PASSWORD | EXO_GRAPH_ACCESS_TOKEN)
        fail "$file line $number: $key is a secret; pass it from the CI system's secret store, never from the repository" ;;
    esac
    # The pipeline's own value wins (e.g. an emulator endpoint in tests).
    [[ -n "${!key:-}" ]] || export "$key=$value"
  done <"$file"
}

# terraform in the stack directory.
tf() {
  terraform -chdir="$STACK" "$@"
}

# The backend named by EXOFORM_BACKEND, checked; sets BACKEND. In CI a missing backend is an error, never a
# silent fallback to state that is lost with the job.
backend_type() {
  BACKEND="${EXOFORM_BACKEND:-}"
  if [[ -z "$BACKEND" ]]; then
    if [[ -n "${CI:-}" || -n "${GITHUB_ACTIONS:-}" ]]; then
      fail "$STACK_NAME: no remote state configured. Set EXOFORM_BACKEND (azurerm, s3, remote, pg) and" \
        "EXOFORM_BACKEND_CONFIG (README, \"State\"); EXOFORM_BACKEND=local keeps state in the job, where it is" \
        "lost when the job ends"
    fi
    BACKEND=local
  fi
  case "$BACKEND" in
    azurerm | s3 | remote | pg | local) ;;
    *) fail "EXOFORM_BACKEND='$BACKEND' is not supported: use azurerm, s3, remote (HCP Terraform), pg or local" ;;
  esac
  if [[ "$BACKEND" != local ]]; then
    [[ -n "${EXOFORM_BACKEND_CONFIG:-}" ]] ||
      fail "EXOFORM_BACKEND=$BACKEND needs EXOFORM_BACKEND_CONFIG: the file with the backend's shared settings" \
        "(README, \"State\")"
    [[ -f "$EXOFORM_BACKEND_CONFIG" ]] || fail "EXOFORM_BACKEND_CONFIG: no file at $EXOFORM_BACKEND_CONFIG"
    # Terraform records the backend settings in every saved plan, and the pipeline uploads plans as artifacts.
    local secret
    local setting='^[[:space:]]*(access_key|secret_key|sas_token|client_secret|client_certificate_password|token|password)'
    local password_in_url='://[^/@[:space:]]*:[^/@[:space:]]*@'
    secret="$(grep -noE "$setting[[:space:]]*=|$password_in_url" "$EXOFORM_BACKEND_CONFIG" | head -1 | cut -d: -f1)" || true
    [[ -z "$secret" ]] ||
      fail "EXOFORM_BACKEND_CONFIG line $secret holds a secret, which Terraform would write into every saved plan:" \
        "give it to the backend through its environment instead (ARM_*, AWS_*, TF_TOKEN_*, PG_CONN_STR / PGPASSWORD)" \
        "or sign in with OIDC"
  fi
}

# The tenant's own place in the shared backend, one per stack, so tenants never share state or a lock:
#   azurerm, s3  key = "<prefix><stack>.tfstate"       (a blob / an object; locked by a lease / a lock file)
#   remote       workspaces { name = "<prefix><stack>" } (an HCP Terraform workspace, locked by HCP Terraform)
#   pg           the workspace "<prefix><stack>"       (a row of the states table, locked by an advisory lock)
backend_key() {
  case "$BACKEND" in
    azurerm | s3) printf 'key = "%s%s.tfstate"\n' "${EXOFORM_STATE_PREFIX-exoform/}" "$STACK_NAME" ;;&
    s3)
      # s3 locks only when asked: its own lock file (Terraform 1.10+) unless the settings name DynamoDB.
      grep -qE '^[[:space:]]*(use_lockfile|dynamodb_table)[[:space:]]*=' "$EXOFORM_BACKEND_CONFIG" ||
        echo 'use_lockfile = true'
      ;;
    remote) printf 'workspaces {\n  name = "%s%s"\n}\n' "${EXOFORM_STATE_PREFIX-exoform-}" "$STACK_NAME" ;;
  esac
}

# The backend block, written next to the stack's .tf files as an override file, so one stack runs unchanged on any
# backend. A stack that declares its own backend keeps it only with EXOFORM_BACKEND unset outside CI.
OVERRIDE_FILE=exoform_backend_override.tf
OVERRIDE_MARK="# Written by exoform's GitOps scripts from EXOFORM_BACKEND; rewritten on every run."

write_backend_override() {
  local file="$STACK/$OVERRIDE_FILE"
  if [[ "$BACKEND" == local ]]; then
    if [[ -f "$file" ]] && head -1 "$file" | grep -qF "$OVERRIDE_MARK"; then rm -f "$file"; fi
    return 0
  fi
  [[ ! -f "$file" ]] || head -1 "$file" | grep -qF "$OVERRIDE_MARK" ||
    fail "$file exists and was not written by these scripts; remove it"
  printf '%s\nterraform {\n  backend "%s" {}\n}\n' "$OVERRIDE_MARK" "$BACKEND" >"$file"
}

tf_init() {
  backend_type
  write_backend_override
  # -reconfigure: the backend comes from this run's settings only, never from a .terraform/ left by another run,
  # and state is never migrated silently.
  local args=(init -input=false -no-color -reconfigure)
  if [[ "$BACKEND" != local ]]; then
    args+=("-backend-config=$EXOFORM_BACKEND_CONFIG")
    backend_key >"$OUT/backend-key.tfbackend"
    [[ -s "$OUT/backend-key.tfbackend" ]] && args+=("-backend-config=$OUT/backend-key.tfbackend")
  fi
  tf "${args[@]}" >"$OUT/init.log" 2>&1 || { cat "$OUT/init.log" >&2; fail "terraform init failed in $STACK_NAME"; }
  if [[ "$BACKEND" == pg ]]; then
    tf workspace select -or-create -no-color "${EXOFORM_STATE_PREFIX-exoform-}$STACK_NAME" >>"$OUT/init.log" 2>&1 ||
      { cat "$OUT/init.log" >&2; fail "could not select the workspace of $STACK_NAME in the pg backend"; }
  fi
}

# -lock-timeout for plan and apply: a second run on the same tenant waits for the first, then fails saying so.
lock_timeout() {
  echo "-lock-timeout=${EXOFORM_LOCK_TIMEOUT:-10m}"
}

# After a failed terraform command: says plainly when the cause is another run's lock, and what to do.
explain_lock() {
  local log="$1" id
  grep -q 'Error acquiring the state lock' "$log" 2>/dev/null || return 0
  id="$(grep -m1 -E '^\s*ID:' "$log" | awk '{print $2}')"
  echo "::error::$STACK_NAME: the tenant's state is locked by another run (lock ID ${id:-unknown});" \
    "waited $(lock_timeout | cut -d= -f2). If no run is in progress, the lock is stale: clear it with" \
    "scripts/unlock.sh $STACK_ARG ${id:-<lock ID>} (README, \"A stuck lock\")" >&2
}

# Appends Markdown to the job summary when the CI system offers one (GitHub Actions: GITHUB_STEP_SUMMARY).
summary() {
  if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then cat >>"$GITHUB_STEP_SUMMARY"; else cat >/dev/null; fi
}
