#!/usr/bin/env bash
# `make serve-prod`: the production stack on this machine's loopback, from the checkout.
#
#   nginx (deploy/nginx/, buffering, timeouts, limits)  http://127.0.0.1:$PROD_PORT/
#     -> gunicorn (deploy/gunicorn.conf.py, one sync worker per core)  127.0.0.1:$((PROD_PORT+1))
#
# DEBUG=0 with plain HTTP (PLAIN_HTTP=1: loopback has no certificate), a secret key generated once
# into .run/secret_key, the database of `make run` (or $DATABASE_URL). Installs nginx from Debian's
# packages when it is missing and we are root. Runs `check --deploy`, migrate, load_course and
# collectstatic, then starts both servers in the background: `make stop-prod` stops them.
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKOUT=$PWD
RUN=$CHECKOUT/.run
PY=$CHECKOUT/.venv/bin/python
PROD_PORT=${PROD_PORT:-8088}
APP_PORT=$((PROD_PORT + 1))

if ! command -v nginx >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing nginx from Debian's packages..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null
  else
    echo "nginx is needed: sudo apt-get install nginx   (then run make serve-prod again)" >&2
    exit 1
  fi
fi

mkdir -p "$RUN"
chmod 755 "$RUN"  # nginx's workers (nobody, when started as root) write their temp files here
if [ ! -s "$RUN/secret_key" ]; then
  (umask 077; "$PY" -c 'import secrets; print(secrets.token_urlsafe(50))' > "$RUN/secret_key")
fi

export DEBUG=0 PLAIN_HTTP=1
export SECRET_KEY="$(cat "$RUN/secret_key")"
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-127.0.0.1,localhost}
export GUNICORN_BIND=127.0.0.1:$APP_PORT
unset DJANGO_ALLOW_ASYNC_UNSAFE

"$PY" manage.py check --deploy --fail-level WARNING
"$PY" manage.py migrate --no-input -v 0
"$PY" manage.py load_course
"$PY" manage.py collectstatic --no-input -v 0

bash deploy/stop-prod.sh quiet

"$PY" -m gunicorn -c deploy/gunicorn.conf.py --daemon --pid "$RUN/gunicorn.pid" \
  --access-logfile "$RUN/gunicorn-access.log" --error-logfile "$RUN/gunicorn-error.log"

wait_for() {  # url: until it answers, at most 10 s
  for _ in $(seq 50); do
    "$PY" -c "import urllib.request as u; u.urlopen('$1', timeout=2)" 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}
wait_for "http://127.0.0.1:$APP_PORT/" || { echo "gunicorn did not start: see .run/gunicorn-error.log" >&2; exit 1; }

sed -e "s|@RUN@|$RUN|g" -e "s|@DEPLOY@|$CHECKOUT/deploy|g" \
    -e "s|@UPSTREAM@|127.0.0.1:$APP_PORT|g" -e "s|@LISTEN@|127.0.0.1:$PROD_PORT|g" \
    deploy/nginx/loopback.conf.in > "$RUN/nginx.conf"
nginx -q -t -c "$RUN/nginx.conf" -p "$RUN"
nginx -c "$RUN/nginx.conf" -p "$RUN"

wait_for "http://127.0.0.1:$PROD_PORT/" || { echo "nginx did not answer: see .run/nginx-error.log" >&2; exit 1; }
echo "Serving at http://127.0.0.1:$PROD_PORT/ (nginx -> gunicorn 127.0.0.1:$APP_PORT, $(nproc) workers; logs in .run/)."
echo "Stop with: make stop-prod"
