#!/usr/bin/env bash
# `make run`: the daemon over a sample inbox, serving the feeds on 127.0.0.1.
# The bundled examples are copied into the inbox; pages the store already holds are noted and skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p inbox
for f in examples/*.txt; do
  name=$(basename "$f")
  if [ ! -e "inbox/$name" ]; then
    cp "$f" "inbox/.$name.part" && mv "inbox/.$name.part" "inbox/$name"
  fi
done
echo "feedsvc: serving on http://127.0.0.1:${FEEDSVC_SERVE__PORT:-8000}/ (Ctrl-C stops)"
exec .venv/bin/feedsvc run --serve "$@"
