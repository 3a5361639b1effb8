#!/usr/bin/env bash
# Print the path of a Python interpreter: `find-python.sh python3.13` (or `3.13`, or a path).
# Looks on the PATH, then in pyenv's versions, then among uv's managed Pythons; with
# FEEDSVC_INSTALL_PYTHON=1 (CI) it installs the version with uv when none is found (bringing uv
# into .venv-uv/ first if there is none); otherwise it falls back on python3 if that is >= 3.11.
set -euo pipefail
want="${1:?usage: find-python.sh python3.X}"
if [[ "$want" == */* ]]; then
  [ -x "$want" ] && { echo "$want"; exit 0; }
  echo "find-python: $want: not an executable" >&2; exit 1
fi
version="${want#python}"
name="python$version"
works() { "$1" -c 'import sys, venv' >/dev/null 2>&1; }
if path=$(command -v "$name" 2>/dev/null) && works "$path"; then echo "$path"; exit 0; fi
root="${PYENV_ROOT:-$HOME/.pyenv}"
for path in $(ls -d "$root"/versions/"$version".*/bin/"$name" 2>/dev/null | sort -V -r); do
  works "$path" && { echo "$path"; exit 0; }
done
uv=""
for candidate in "$(dirname "$0")/../.venv/bin/uv" "$(dirname "$0")/../.venv-uv/bin/uv" "$(command -v uv 2>/dev/null || true)"; do
  [ -n "$candidate" ] && [ -x "$candidate" ] && { uv="$candidate"; break; }
done
if [ -n "$uv" ] && path=$("$uv" python find --managed-python "$version" 2>/dev/null) && works "$path"; then
  echo "$path"; exit 0
fi
if [ "${FEEDSVC_INSTALL_PYTHON:-0}" = 1 ]; then
  if [ -z "$uv" ]; then  # bring uv (pinned) into a venv of its own, with whatever python3 there is
    boot="$(dirname "$0")/../.venv-uv"
    python3 -m venv "$boot" >&2 && "$boot/bin/python" -m pip install -q "uv==${UV_VERSION:-0.13.8}" >&2
    uv="$boot/bin/uv"
  fi
  "$uv" python install "$version" >&2
  "$uv" python find --managed-python "$version"
  exit 0
fi
# A developer's machine without that version (Debian 13 ships 3.13 only): any python3 >= 3.11.
if path=$(command -v python3 2>/dev/null) && works "$path" &&
  "$path" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "find-python: no $name; using $path ($("$path" -V 2>&1))" >&2
  echo "$path"; exit 0
fi
echo "find-python: no $name found (PATH, $root/versions, uv); install it, e.g. 'uv python install $version'" >&2
exit 1
