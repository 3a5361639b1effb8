#!/usr/bin/env bash
# Install the Debian packages the test suite needs (scripts/system-packages.txt), only the missing
# ones. One dpkg-query when nothing is missing (a few milliseconds); apt-get as root otherwise.
# Not root: prints the command to run and exits 1. Not Debian (no dpkg): names the packages, exits 1.
# Used by `make test` (through `make system-deps`) and by .ci/run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
list="${1:-$here/system-packages.txt}"
mapfile -t wanted < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$list")
((${#wanted[@]})) || exit 0

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-system-deps: not a Debian system; install the equivalents of: ${wanted[*]}" >&2
  echo "install-system-deps: (the end-to-end tests run nginx, newsboat, sqlite3, chromium + chromedriver," \
    "pdftotext and systemd-analyze)" >&2
  exit 1
fi

installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${wanted[@]}" 2>/dev/null || true)
missing=()
for pkg in "${wanted[@]}"; do
  grep -qx "$pkg ii " <<<"$installed" || missing+=("$pkg")
done
((${#missing[@]})) || exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-system-deps: missing Debian packages: ${missing[*]}" >&2
  echo "install-system-deps: install them with: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
