#!/usr/bin/env bash
# Smoke test of one platform's release executables, as a user meets them: no Node anywhere on PATH. Starts the
# emulator from the exoform executable, installs the provider executable into a Terraform filesystem mirror, then
# terraform init, plan and apply a transport config against the emulator and check the plan is empty afterwards.
#   usage: scripts/release/smoke.sh <directory with the provider and exoform executables (build-native.sh's <out>/<os_arch>)>
#   needs terraform on PATH (the workflows install it with hashicorp/setup-terraform)
set -euo pipefail
[[ $# -eq 1 && -d "$1" ]] || { echo "usage: $0 <build-native.sh output directory for this platform>" >&2; exit 2; }
dir="$(cd "$1" && pwd)"
platform="$(basename "$dir")"
exe=""
[[ "$platform" == windows_* ]] && exe=".exe"
provider="$(ls "$dir"/terraform-provider-exchangeonline_v*"$exe" | head -n 1)"
version="${provider##*_v}"
version="${version%"$exe"}"
exoform="$dir/exoform$exe"
[[ -x "$exoform" && -x "$provider" ]] || { echo "::error::$dir lacks exoform$exe or the provider executable" >&2; exit 1; }

terraform_path="$(command -v terraform)" || { echo "::error::terraform is not on PATH" >&2; exit 1; }
work="$(mktemp -d)"
emulator_pid=""
cleanup() {
  [[ -n "$emulator_pid" ]] && kill "$emulator_pid" 2>/dev/null && wait "$emulator_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# PATH with terraform and nothing else: neither step can reach a node.
mkdir -p "$work/bin"
cp "$terraform_path" "$work/bin/"
if PATH="$work/bin" command -v node >/dev/null 2>&1; then echo "::error::node is still on PATH" >&2; exit 1; fi

echo "runtimes: $("$exoform" --version) / $("$provider" --version)"

token="smoke-$RANDOM$RANDOM"
PATH="$work/bin" "$exoform" emulator --port 0 --data "$work/emulator.json" --token "$token" >"$work/emulator.out" 2>"$work/emulator.err" &
emulator_pid=$!
for _ in $(seq 1 100); do
  [[ -s "$work/emulator.out" ]] && break
  kill -0 "$emulator_pid" 2>/dev/null || { cat "$work/emulator.err" >&2; echo "::error::the emulator exited" >&2; exit 1; }
  sleep 0.1
done
url="$(head -n 1 "$work/emulator.out" | tr -d '\r')"
[[ "$url" == http://127.0.0.1:* ]] || { echo "::error::the emulator printed no URL" >&2; exit 1; }

mirror="$work/mirror/registry.terraform.io/exoform/exchangeonline/$version/$platform"
mkdir -p "$mirror"
cp "$provider" "$mirror/"
cat >"$work/terraform.rc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$work/mirror"
    include = ["registry.terraform.io/exoform/exchangeonline"]
  }
  direct {
    exclude = ["registry.terraform.io/exoform/exchangeonline"]
  }
}
RC
mkdir -p "$work/stack"
cat >"$work/stack/main.tf" <<TF
terraform {
  required_providers {
    exchangeonline = {
      source  = "exoform/exchangeonline"
      version = "$version"
    }
  }
}
provider "exchangeonline" {}
resource "exchangeonline_transport_config" "org" {
  smtp_client_authentication_disabled = true
  allow_legacy_tls_clients            = false
}
TF

tf() {
  env PATH="$work/bin" TF_CLI_CONFIG_FILE="$work/terraform.rc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1 TF_PLUGIN_CACHE_DIR= \
    EXO_ENDPOINT="$url" EXO_ACCESS_TOKEN="$token" EXO_ORGANIZATION=contoso.onmicrosoft.com \
    terraform -chdir="$work/stack" "$@"
}
tf init -input=false -no-color
tf plan -input=false -no-color -out=tfplan
tf apply -input=false -no-color tfplan
status=0
tf plan -input=false -no-color -detailed-exitcode >"$work/replan.txt" || status=$?
[[ $status -eq 0 ]] || { cat "$work/replan.txt" >&2; echo "::error::the plan after apply is not empty (exit $status)" >&2; exit 1; }
echo "smoke test passed: $platform, provider $version"
