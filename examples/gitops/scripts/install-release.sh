#!/usr/bin/env bash
# Installs a published exoform release for this runner: no Node, no clone of exoform, no npm.
#
#   EXOFORM_RELEASE_URL   where the release's files are, e.g.
#                         https://github.com/<owner>/<repo>/releases/download/v0.2.0 (required)
#   EXOFORM_VERSION       the version, e.g. 0.2.0 (required)
#   EXOFORM_GPG_KEY_FILE  optional: the publisher's ASCII-armoured public key; when set, SHA256SUMS must carry a
#                         valid signature from it (or EXOFORM_GPG_PUBLIC_KEY: the key itself, e.g. a CI variable)
#   EXOFORM_INSTALL_DIR   where to install; default ${RUNNER_TEMP:-$PWD}/exoform
#
# Steps: download SHA256SUMS (and its .sig when a key is given, verified with gpg in a throwaway keyring), download
# the provider's and the exoform CLI's zips for this platform, check each against SHA256SUMS, unpack the provider
# into a Terraform filesystem mirror and write a CLI config that installs exoform from it. Anything that does not
# verify stops the job before terraform runs. Later steps get EXOFORM_TF_CLI_CONFIG and EXOFORM_BIN (GITHUB_ENV).
# Needs bash, curl, unzip, sha256sum (or shasum) and, with a key, gpg: all on GitHub's runners.
set -euo pipefail

fail() {
  echo "::error::$*" >&2
  exit 1
}

[[ -n "${EXOFORM_RELEASE_URL:-}" ]] || fail "EXOFORM_RELEASE_URL is not set: the URL of the exoform release's files (…/releases/download/v<version>)"
[[ -n "${EXOFORM_VERSION:-}" ]] || fail "EXOFORM_VERSION is not set: the exoform version to install, e.g. 0.2.0"
[[ "$EXOFORM_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || fail "EXOFORM_VERSION '$EXOFORM_VERSION' is not a version like 0.2.0 (no leading v)"
base="${EXOFORM_RELEASE_URL%/}"
version="$EXOFORM_VERSION"
install_dir="${EXOFORM_INSTALL_DIR:-${RUNNER_TEMP:-$PWD}/exoform}"

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  MINGW* | MSYS* | CYGWIN*) os=windows ;;
  *) fail "unsupported operating system $(uname -s)" ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) fail "unsupported machine $(uname -m)" ;;
esac
platform="${os}_${arch}"
exe=""
[[ "$os" == windows ]] && exe=".exe"

sums="terraform-provider-exchangeonline_${version}_SHA256SUMS"
provider_zip="terraform-provider-exchangeonline_${version}_${platform}.zip"
cli_zip="exoform_${version}_${platform}.zip"

download_dir="$(mktemp -d)"
trap 'rm -rf "$download_dir"' EXIT
download() {
  curl --fail --silent --show-error --location --retry 3 --proto '=https' --output "$download_dir/$1" "$base/$1" ||
    fail "could not download $base/$1"
}

download "$sums"
if [[ -n "${EXOFORM_GPG_PUBLIC_KEY:-}" && -z "${EXOFORM_GPG_KEY_FILE:-}" ]]; then
  EXOFORM_GPG_KEY_FILE="$download_dir/publisher-key.asc"
  printf '%s\n' "$EXOFORM_GPG_PUBLIC_KEY" >"$EXOFORM_GPG_KEY_FILE"
fi
if [[ -n "${EXOFORM_GPG_KEY_FILE:-}" ]]; then
  [[ -f "$EXOFORM_GPG_KEY_FILE" ]] || fail "EXOFORM_GPG_KEY_FILE '$EXOFORM_GPG_KEY_FILE' does not exist"
  download "$sums.sig"
  keyring="$download_dir/gnupg"
  mkdir -m 700 "$keyring"
  gpg --homedir "$keyring" --batch --quiet --import "$EXOFORM_GPG_KEY_FILE" 2>/dev/null ||
    fail "EXOFORM_GPG_KEY_FILE is not a GPG public key"
  gpg --homedir "$keyring" --batch --verify "$download_dir/$sums.sig" "$download_dir/$sums" 2>"$download_dir/gpg.log" ||
    { cat "$download_dir/gpg.log" >&2; fail "$sums: the signature does not verify with the key in EXOFORM_GPG_KEY_FILE; not installing"; }
  echo "$sums: signature verified"
fi

checksum() {
  if command -v sha256sum >/dev/null; then sha256sum "$1"; else shasum -a 256 "$1"; fi
}
for zip in "$provider_zip" "$cli_zip"; do
  expected="$(grep -E "^[0-9a-f]{64}  $zip\$" "$download_dir/$sums" | cut -c1-64 || true)"
  [[ -n "$expected" ]] || fail "$sums lists no $zip: is $platform published for $version?"
  download "$zip"
  actual="$(checksum "$download_dir/$zip" | cut -c1-64)"
  [[ "$actual" == "$expected" ]] || fail "$zip: checksum $actual does not match $sums ($expected); not installing"
done
echo "checksums verified: $provider_zip, $cli_zip"

# Terraform's filesystem mirror layout: <hostname>/<namespace>/<type>/<version>/<os_arch>/ holding the unpacked zip.
rm -rf "$install_dir"
mirror="$install_dir/mirror"
for host in registry.terraform.io registry.opentofu.org; do
  target="$mirror/$host/exoform/exchangeonline/$version/$platform"
  mkdir -p "$target"
  unzip -q -o "$download_dir/$provider_zip" -d "$target"
done
mkdir -p "$install_dir/bin"
unzip -q -o "$download_dir/$cli_zip" -d "$install_dir/bin"
[[ -x "$install_dir/bin/exoform$exe" ]] || fail "$cli_zip holds no exoform$exe"

cat >"$install_dir/terraform.rc" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/exoform/exchangeonline", "registry.opentofu.org/exoform/exchangeonline"]
  }
  direct {
    exclude = ["registry.terraform.io/exoform/exchangeonline", "registry.opentofu.org/exoform/exchangeonline"]
  }
}
EOF

if [[ -n "${GITHUB_ENV:-}" ]]; then
  echo "EXOFORM_TF_CLI_CONFIG=$install_dir/terraform.rc" >>"$GITHUB_ENV"
  echo "EXOFORM_BIN=$install_dir/bin" >>"$GITHUB_ENV"
fi
echo "installed exoform $version ($platform) into $install_dir"
