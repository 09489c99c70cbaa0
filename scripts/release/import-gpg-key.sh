#!/usr/bin/env bash
# Imports the release signing key from the repository's secrets into a fresh keyring, for assemble.sh.
#   GPG_PRIVATE_KEY  the ASCII-armoured secret key (secret), GPG_PASSPHRASE its passphrase (secret, may be empty)
#   GNUPGHOME        the keyring directory to create (the workflow sets it under RUNNER_TEMP)
# Writes GPG_FINGERPRINT to GITHUB_ENV (and prints it); never prints the key.
set -euo pipefail
[[ -n "${GPG_PRIVATE_KEY:-}" ]] || { echo "::error::GPG_PRIVATE_KEY is empty: add the signing key as a repository secret (docs/guides/publishing.md)" >&2; exit 1; }
[[ -n "${GNUPGHOME:-}" ]] || { echo "::error::GNUPGHOME is not set" >&2; exit 1; }
mkdir -p -m 700 "$GNUPGHOME"
printf '%s\n' "$GPG_PRIVATE_KEY" | gpg --batch --quiet --import 2>/dev/null ||
  { echo "::error::GPG_PRIVATE_KEY is not an importable GPG secret key" >&2; exit 1; }
fingerprint="$(gpg --batch --with-colons --list-secret-keys | awk -F: '$1 == "fpr" { print $10; exit }')"
if [[ -n "${GPG_PASSPHRASE:-}" ]]; then
  # Signing runs unattended: let gpg-agent take the passphrase once, here.
  echo "allow-preset-passphrase" >>"$GNUPGHOME/gpg-agent.conf"
  echo "pinentry-mode loopback" >>"$GNUPGHOME/gpg.conf"
  echo "passphrase-file $GNUPGHOME/passphrase" >>"$GNUPGHOME/gpg.conf"
  (umask 077 && printf '%s' "$GPG_PASSPHRASE" >"$GNUPGHOME/passphrase")
fi
echo "signing key $fingerprint"
[[ -n "${GITHUB_ENV:-}" ]] && echo "GPG_FINGERPRINT=$fingerprint" >>"$GITHUB_ENV"
exit 0
