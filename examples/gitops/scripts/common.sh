# Sourced by every step script: where exoform is, how terraform runs, where a stack's outputs go.
#
#   EXOFORM_BIN            the directory holding the released exoform executable (scripts/install-release.sh sets
#                          it and EXOFORM_TF_CLI_CONFIG: no Node, no checkout)
#   EXOFORM_HOME           otherwise, an exoform checkout after `npm ci && npm run package` (scripts/setup.sh does
#                          both); default: the checkout these scripts live in
#   EXOFORM_TF_CLI_CONFIG  the Terraform CLI config with exoform's filesystem mirror; default $EXOFORM_HOME/dist/terraform.rc
#   EXOFORM_OUT            where plans, logs and reports are written, one directory per stack; default ./exoform-out
#   EXOFORM_BACKEND_CONFIG optional file passed to `terraform init -backend-config=` (remote state in CI)
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

# stack_dir <path>: checks the argument and sets STACK (absolute), STACK_NAME and OUT (created).
stack_dir() {
  [[ $# -eq 1 && -n "$1" ]] || fail "usage: $(basename "$0") <stack directory>"
  [[ -d "$1" ]] || fail "stack directory '$1' does not exist"
  STACK="$(cd "$1" && pwd)"
  STACK_NAME="$(basename "$STACK")"
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

tf_init() {
  local args=(init -input=false -no-color)
  [[ -n "${EXOFORM_BACKEND_CONFIG:-}" ]] && args+=("-backend-config=$EXOFORM_BACKEND_CONFIG")
  tf "${args[@]}" >"$OUT/init.log" 2>&1 || { cat "$OUT/init.log" >&2; fail "terraform init failed in $STACK_NAME"; }
}

# Appends Markdown to the job summary when the CI system offers one (GitHub Actions: GITHUB_STEP_SUMMARY).
summary() {
  if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then cat >>"$GITHUB_STEP_SUMMARY"; else cat >/dev/null; fi
}
