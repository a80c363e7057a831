#!/usr/bin/env bash
# `make stop-prod`: stops the nginx and gunicorn that deploy/serve-prod.sh started (by their pid files).
set -uo pipefail
cd "$(dirname "$0")/.."
RUN=$PWD/.run
stopped=""
for name in nginx gunicorn; do
  pidfile=$RUN/$name.pid
  [ -s "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    stopped="$stopped $name"
  fi
  rm -f "$pidfile"
done
[ "${1:-}" = quiet ] || echo "Stopped:${stopped:- nothing was running}"
